# allocsim — the README's two commands are `make run` and `make test`.
GO       ?= go
BIN      := bin/allocsim
VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
FUZZTIME ?= 10s

.PHONY: build run test race bench fuzz lint clean

build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/allocsim

# Runs the embedded default scenario (33,000 nodes, services + batch).
run: build
	./$(BIN) run

test:
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 30m ./...

# The race detector over the packages that run goroutines (the collector's
# writers, realrun's master, agents and executors, parallel runs, the CLI);
# -short keeps the emulated-agent scale test at 500 agents.
RACE_PKGS := ./reports/... ./realrun/... ./bench/parallel ./cmd/allocsim
race:
	$(GO) test -race -short -count=1 -timeout 30m $(RACE_PKGS)

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Each fuzz target for FUZZTIME (go test -fuzz takes one target at a time).
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) mod tidy -diff

clean:
	rm -rf bin out
