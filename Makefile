# make test: install what the tests need when missing, then gofmt check,
# go vet and the race-enabled test suite. In CI (CI=true) a missing tool fails.
GO ?= go

.PHONY: test deps fmt-check vet unit bench build soak fuzz

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

# make bench: the benchmark suite into bench/results.txt, then BENCHMARKS.md's
# figures section and bench/*.png rewritten from it (scripts/bench.sh says how
# to make it quicker or add the 5M rank).
bench:
	@./scripts/bench.sh

# make soak: five minutes of mixed traffic against real `volmatch serve`
# processes (bbolt, then two Redis replicas) while they and redis-server are
# killed and restarted; prints the figures and fails on a lost acknowledged
# write, an overfilled shift or a double booking. SOAK sets the time.
SOAK ?= 5m
soak:
	VOLMATCH_SOAK=$(SOAK) $(GO) test -count=1 -run '^TestSoak$$' -v -timeout 60m ./e2e/

# make fuzz: run every fuzz target in turn for FUZZTIME each (go test -fuzz
# takes one target at a time); a crasher is written to testdata/fuzz/ and
# fails the run. The seed corpora and past crashers in testdata/fuzz/ beside
# each test run as plain tests in make test.
FUZZTIME ?= 30s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzImportCSV$$' -fuzztime $(FUZZTIME) ./datasets/
	$(GO) test -run '^$$' -fuzz '^FuzzImportJSONL$$' -fuzztime $(FUZZTIME) ./datasets/
	$(GO) test -run '^$$' -fuzz '^FuzzReadORLib$$' -fuzztime $(FUZZTIME) ./datasets/
	$(GO) test -run '^$$' -fuzz '^FuzzReadDIMACS$$' -fuzztime $(FUZZTIME) ./datasets/
	$(GO) test -run '^$$' -fuzz '^FuzzAPIBody$$' -fuzztime $(FUZZTIME) ./api/
	$(GO) test -run '^$$' -fuzz '^FuzzAPIQuery$$' -fuzztime $(FUZZTIME) ./api/
