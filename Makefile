# The two commands the README promises: `make demo` and `make test`.
# Both install what they need first (scripts/setup.sh) and run unattended.
SHELL := /bin/bash
# Go 1.27 (GoMLX v0.28.16 needs it) comes as a toolchain module; a machine may
# start on an older Go, which ignores go.mod's line, so name it here.
export GOTOOLCHAIN := go1.27.3
export GOEXPERIMENT := simd
export GOMLX_NO_AUTO_INSTALL := 1
export GOFLAGS := -mod=mod

.PHONY: deps demo test vet lint bench build fuzz

deps:
	@bash scripts/setup.sh

build: deps
	go build -o bin/ndp ./cmd/ndp

demo: build
	./bin/ndp demo

test: deps
	go test -count=1 ./...

vet: deps
	go vet ./...

# staticcheck, pinned; installed into GOPATH/bin on first use.
STATICCHECK := $(shell go env GOPATH)/bin/staticcheck
lint: vet
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	@test -x $(STATICCHECK) || GOFLAGS= go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
	$(STATICCHECK) ./...

bench: deps
	go test -run '^$$' -bench . -benchmem ./dmp/

# Each fuzz target for FUZZTIME (their seed corpora also run in `make test`).
# -parallel 1 leaves a core to whatever else shares the machine.
FUZZTIME ?= 60s
FUZZ_TARGETS := ./internal/npzio:FuzzRead ./digits:FuzzRead ./demos:FuzzRead ./model:FuzzParseCheckpoint ./runlog:FuzzParseCSV
fuzz: deps
	@set -e; for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; fn=$${t##*:}; \
	  echo "fuzz $$pkg $$fn for $(FUZZTIME)"; \
	  go test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) -parallel 1 $$pkg; done
