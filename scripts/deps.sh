#!/usr/bin/env bash
# Installs what the test suite needs and is missing: redis-server (store/redis
# tests), Chromium and a Chinese font (the dashboard's browser test),
# poppler-utils (pdftotext, pdftoppm, pdffonts: the certificate PDF tests),
# PostgreSQL with PostGIS (the benchmark peers' test, internal/peers).
# Without root it only reports. In CI (CI=true) anything still missing fails.
set -euo pipefail

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || missing+=(chromium)
fc-list 2>/dev/null | grep -i 'wenquanyi\|wqy' >/dev/null || missing+=(fonts-wqy-microhei)
command -v pdftotext >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || missing+=(postgresql)
ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 || missing+=(postgresql-15-postgis-3)

if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# the peers' tests start their own throwaway cluster: no system one
	if [[ " ${missing[*]} " == *" postgresql"* ]] && [ ! -e /etc/postgresql-common/createcluster.conf ]; then
		mkdir -p /etc/postgresql-common
		echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.conf
	fi
	apt-get update -qq >/dev/null || true
	apt-get install -y -qq "${missing[@]}" >/dev/null
	missing=()
	command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
	command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || missing+=(chromium)
	fc-list 2>/dev/null | grep -i 'wenquanyi\|wqy' >/dev/null || missing+=(fonts-wqy-microhei)
	command -v pdftotext >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || missing+=(postgresql)
	ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 || missing+=(postgresql-15-postgis-3)
fi

if [ ${#missing[@]} -gt 0 ]; then
	if [ "${CI:-}" = true ]; then
		echo "deps: missing ${missing[*]} (CI needs every tool)" >&2
		exit 1
	fi
	echo "deps: missing ${missing[*]}; the tests that need them will fail" >&2
fi
