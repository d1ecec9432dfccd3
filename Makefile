# codeprobe — see README.md. Every target works offline on a fresh Debian
# machine with Go; .ci/run installs the rest and runs `make test`.

GO        ?= go
PKGS      ?= ./...
FUZZTIME  ?= 30s
BENCHTIME ?= 1x
DEMO_ADDRESSES ?=

.PHONY: run build test test-race bench lint fuzz clean

# The main job on the embedded fixture world: no DNS server, no internet.
# --rcpt asks the world's mail servers about each address (harmless there),
# which shows greylisting and unknown users. Exit status 1 only means some
# demo address has a failing finding.
run: build
	@bin/codeprobe check --demo --rcpt $(DEMO_ADDRESSES); status=$$?; [ $$status -le 1 ]

build:
	$(GO) build -o bin/codeprobe ./cmd/codeprobe

# Every test, then the concurrent parts again under the race detector.
test: lint
	$(GO) test -count=1 $(PKGS)
	$(MAKE) --no-print-directory test-race

test-race:
	$(GO) test -race -count=1 ./diagnose ./diagnose/dnsx ./diagnose/mtasts ./diagnose/smtpprobe ./fixtures ./store/... ./smtpsink ./testcode ./imapprobe ./seeds ./cmd/...

# Benchmarks of the issue's targets (typo speed, latency ratio, bulk
# throughput); figures go in the closing notes. BENCHTIME=5s for steadier
# numbers.
bench:
	$(GO) test -run='^$$' -bench=. -benchmem -benchtime=$(BENCHTIME) $(PKGS)

lint:
	@out=$$(gofmt -l $$(find . -name '*.go' -not -path './.git/*')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	@scripts/check-size.sh

# Runs every fuzz target for FUZZTIME each.
fuzz:
	@scripts/fuzz.sh $(FUZZTIME)

clean:
	rm -rf bin
	find . -name '*.got' -delete
