# Meridian's build, test and benchmark entry points. `make ci` is what CI runs
# (via .ci/run): lint, then the full test suite.

GO          ?= go
GOBIN       := $(shell $(GO) env GOPATH)/bin
STATICCHECK := $(GOBIN)/staticcheck
# Pinned so that a fresh machine lints exactly as CI does.
STATICCHECK_VERSION ?= v0.8.2
# The whole suite on a 2-core machine; a package that needs longer is a bug.
TEST_TIMEOUT ?= 15m
BENCH_TIME  ?= 1s

.PHONY: all build test ci lint vet staticcheck bench bench-long sim-long jepsen proto demo clean

all: build

build:
	$(GO) build ./...
	$(GO) build -o bin/meridian ./cmd/meridian

# Unit and integration tests, under the race detector. This is the README's
# test command.
test:
	$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./...

ci: lint test

lint: vet staticcheck

vet:
	$(GO) vet ./...

$(STATICCHECK):
	$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

staticcheck: $(STATICCHECK)
	$(STATICCHECK) ./...

# Benchmarks print each figure beside its reference (raw Pebble, plain
# fdatasync) from the same run; see each package's bench_test.go.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCH_TIME) ./clock/ ./mvcc/ ./rangeservice/wal/ ./rangeservice/paxos/... ./rangeservice/store/ ./txn/

# Thousands of simulation seeds for the consensus core (the short run is part
# of `make test`).
sim-long:
	$(GO) test -count=1 -timeout 60m -run 'TestSimulation' ./rangeservice/paxos/... -seeds=5000

# Every consistency workload for 60 s against a single node under the process
# nemesis (kill -9 and SIGSTOP/SIGCONT); histories and reports land in
# jepsen-out/. The short version (a few seconds each) is part of `make test`.
JEPSEN_DURATION ?= 60s
jepsen:
	$(GO) test -count=1 -timeout 30m ./tests/jepsen/ -run TestMeridian -jepsen.duration=$(JEPSEN_DURATION) -jepsen.out=$(CURDIR)/jepsen-out -v

proto:
	@echo "no .proto files yet: nothing to generate"

# Builds the binary and runs it directly (not under `go run`), so Ctrl-C
# reaches the node, which removes its temporary store and exits 0.
demo:
	$(GO) build -o bin/meridian ./cmd/meridian
	bin/meridian demo

clean:
	rm -rf bin
