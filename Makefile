# codeprobe — see README.md. Every target works offline on a fresh Debian
# machine with Go; .ci/run installs the rest and runs `make test`.

GO        ?= go
PKGS      ?= ./...
FUZZTIME  ?= 30s
BENCHTIME ?= 1x
DEMO_ADDRESSES ?=
LISTEN    ?= 127.0.0.1:8080

.PHONY: run demo-check build test test-race bench lint fuzz clean

# The main job on the embedded demo world: the web site (wizard, agent
# console, dashboard) with its own DNS, mail servers, sink and seed
# mailboxes; no DNS server, no internet. Ctrl-C stops it.
run: build
	bin/codeprobe serve --demo --listen $(LISTEN)

# The address check alone on the same world. Exit status 1 only means some
# demo address has a failing finding.
demo-check: build
	@bin/codeprobe check --demo --rcpt $(DEMO_ADDRESSES); status=$$?; [ $$status -le 1 ]

build:
	$(GO) build -o bin/codeprobe ./cmd/codeprobe

# Every test, then the concurrent parts again under the race detector.
test: lint
	$(GO) test -count=1 $(PKGS)
	$(MAKE) --no-print-directory test-race

test-race:
	$(GO) test -race -count=1 ./diagnose ./diagnose/dnsx ./diagnose/mtasts ./diagnose/smtpprobe ./fixtures ./store/... ./smtpsink ./testcode ./imapprobe ./seeds ./ratelimit ./ui/... ./cmd/...

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
	@GO=$(GO) scripts/check-templ.sh

# Runs every fuzz target for FUZZTIME each.
fuzz:
	@scripts/fuzz.sh $(FUZZTIME)

clean:
	rm -rf bin
	find . -name '*.got' -delete
