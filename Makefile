# Quell: `make run` starts everything on this machine, `make test` runs all tests.
GO      ?= go
BIN     := bin
CMDS    := ingest worker quellctl pamsim
GOFLAGS ?=

.PHONY: all build run demo test test-short fuzz bench bench-api lint vet fmt deploy-check clean chaos

all: build

build: ## Build the binaries into bin/
	@mkdir -p $(BIN)
	$(GO) build $(GOFLAGS) -o $(BIN)/ $(addprefix ./cmd/,$(CMDS))

run: build ## Start simulator, worker (embedded NATS) and ingest on loopback
	./deploy/local/run.sh

demo: build ## With `make run` going: send sample alerts and show what happened
	./deploy/local/demo.sh

test: ## All tests, with the race detector
	$(GO) test -race -count=1 ./...

test-short: ## Tests without the race detector (faster)
	$(GO) test -count=1 ./...

FUZZTIME ?= 20s
fuzz: ## Run every fuzz target for FUZZTIME each (a duration, or a count like 20000x)
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

BENCHTIME ?= 3s
bench: ## Benchmarks with ratios to their baselines; writes reports/bench.txt
	@mkdir -p reports
	$(GO) test -run '^$$' -bench Ingest -benchtime $(BENCHTIME) ./internal/ingest/ | tee reports/bench.txt
	$(GO) test -run '^$$' -bench Worker -benchtime 2000x ./internal/app/ | tee -a reports/bench.txt
	@awk '$$1 ~ /^BenchmarkIngestBaseline/ { for (i = 2; i <= NF; i++) if ($$i == "req/s") base = $$(i-1) } \
	      $$1 ~ /^BenchmarkIngestSignedWebhook/ { for (i = 2; i <= NF; i++) if ($$i == "req/s") quell = $$(i-1) } \
	      END { if (base > 0) printf "\ningest: %.0f signed 1 KB webhooks/s = %.2f x a bare HTTP server with one synchronous JetStream publish (%.0f/s), same run\n", quell, quell / base, base }' \
	      reports/bench.txt | tee -a reports/bench.txt
	@awk '$$1 ~ /^BenchmarkWorkerBaseline/ { for (i = 2; i <= NF; i++) if ($$i == "actions/s") base = $$(i-1) } \
	      $$1 ~ /^BenchmarkWorkerQuarantine/ { for (i = 2; i <= NF; i++) if ($$i == "actions/s") quell = $$(i-1) } \
	      END { if (base > 0) printf "worker: %.0f quarantines/s against a zero-latency simulator = %.2f x a bare JetStream consume + HTTP POST + ack loop (%.0f/s), same run\n", quell, quell / base, base }' \
	      reports/bench.txt | tee -a reports/bench.txt
	$(MAKE) bench-api
	cat reports/bench-api.txt >> reports/bench.txt

bench-api: ## API lookup GET /v1/actions/{id} with 1,000 and 1,000,000 indexed results (loads the index first: minutes); writes reports/bench-api.txt
	@mkdir -p reports
	$(GO) test -run '^$$' -bench ActionLookup -benchtime 10000x -timeout 30m ./internal/api/ | tee reports/bench-api.txt
	@awk '$$1 ~ /^BenchmarkActionLookup\/entries=1000-/ { small = $$3 } $$1 ~ /^BenchmarkActionLookup\/entries=1000000-/ { large = $$3 } \
	      END { if (small > 0) printf "\napi: GET /v1/actions/{id} %.0f us with 1,000,000 indexed results = %.2f x with 1,000 (%.0f us), same run\n", large / 1000, large / small, small / 1000 }' \
	      reports/bench-api.txt | tee -a reports/bench-api.txt

CHAOS_DURATION ?= 3m
CHAOS_SEED     ?=
CHAOS_ALERTS   ?= 5000
CHAOS_USERS    ?= 2000
chaos: ## Chaos suite: 3-node JetStream, 2 ingests, 3 workers, simulators, seeded nemesis, checker (CHAOS_DURATION, CHAOS_SEED, CHAOS_ALERTS, CHAOS_USERS)
	$(GO) run ./cmd/quell-chaos -duration $(CHAOS_DURATION) -alerts $(CHAOS_ALERTS) -users $(CHAOS_USERS) $(if $(CHAOS_SEED),-seed $(CHAOS_SEED))

vet: ## go vet
	$(GO) vet ./...

fmt: ## gofmt check
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "not gofmt-ed:"; echo "$$out"; exit 1; fi

lint: fmt vet ## Formatting, vet and staticcheck
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

deploy-check: ## Render and validate deploy/ (kustomize, Kubernetes types, systemd, Grafana)
	cd deploy/validate && $(GO) run . && $(GO) test ./...

clean: ## Remove binaries and local data
	rm -rf $(BIN) data reports
