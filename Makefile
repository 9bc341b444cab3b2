# make test: install what the tests need when missing, then gofmt check,
# go vet and the race-enabled test suite. In CI (CI=true) a missing tool fails.
GO ?= go

.PHONY: test deps fmt-check vet unit bench build soak

test: deps fmt-check vet unit

deps:
	@./scripts/deps.sh

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

unit:
	$(GO) test -race -timeout 20m ./...

build:
	$(GO) build -o bin/volmatch ./cmd/volmatch

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 6 ./... | tee bench.txt

# make soak: five minutes of mixed traffic against real `volmatch serve`
# processes (bbolt, then two Redis replicas) while they and redis-server are
# killed and restarted; prints the figures and fails on a lost acknowledged
# write, an overfilled shift or a double booking. SOAK sets the time.
SOAK ?= 5m
soak:
	VOLMATCH_SOAK=$(SOAK) $(GO) test -count=1 -run '^TestSoak$$' -v -timeout 60m ./e2e/
