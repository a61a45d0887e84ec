# carecast — see README.md. The two set-up commands: `make run`, `make test`.
GO       ?= go
# Extra build tags, if any (none are needed).
TAGS     ?=
VERSION  := $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS  := -X github.com/yhcr/carecast/internal/buildinfo.version=$(VERSION)
BIN      := bin/carecast
# `make run ARGS="--config carecast.yaml"` passes flags to `carecast run`.
ARGS     ?=

.PHONY: all build run test lint fuzz bench bench-forecast clean

all: lint test build

build:
	$(GO) build -tags '$(TAGS)' -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/carecast

# The nightly pipeline; with no config, on the embedded synthetic region.
run: build
	./$(BIN) run $(ARGS)

test: lint
	$(GO) test -tags '$(TAGS)' -count=1 -timeout 30m ./...

lint:
	@out=$$(find . -name '*.go' -not -path './out/*' -not -path './bench/out/*' | xargs gofmt -l); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet -tags '$(TAGS)' ./...

# Each parser's fuzz target for FUZZTIME (default 20s each). Go 1.26's fuzz
# engine can report "context deadline exceeded" as the time runs out, with
# no failing input (golang/go#75804, fixed in Go 1.27): that alone is not a
# failure; a written failing input or any other error is.
FUZZTIME ?= 20s
fuzz:
	@for dir in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
		for f in $$(grep -h '^func Fuzz' $$dir/*_test.go | sed 's/func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do \
			echo "== $$dir $$f"; \
			out=$$($(GO) test -tags '$(TAGS)' -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$dir 2>&1); rc=$$?; \
			echo "$$out" | tail -2; \
			if [ $$rc -ne 0 ]; then \
				if echo "$$out" | grep -q 'context deadline exceeded' && ! echo "$$out" | grep -q 'Failing input written'; then \
					echo "   (fuzz engine deadline race, golang/go#75804: no failing input)"; \
				else \
					echo "$$out"; exit 1; \
				fi; \
			fi; \
		done; \
	done

# The benchmark suite: one table, also written to bench/results.md.
bench: build
	./bench/run.sh

# Forecast accuracy and speed side by side with R's forecast package (see README).
bench-forecast: build
	./bench/forecast.sh

clean:
	rm -rf bin out
