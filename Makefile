# Quell: `make run` starts everything on this machine, `make test` runs all tests.
GO      ?= go
BIN     := bin
CMDS    := ingest worker quellctl pamsim
GOFLAGS ?=

.PHONY: all build run demo test test-short fuzz bench bench-api bench-e2e bench-perf bench-perf-smoke lint vet fmt deploy-check clean chaos

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
bench: ## Benchmarks with ratios to their baselines; writes reports/bench.txt and reports/bench-*.md (reports/bench.md is the committed report)
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
	$(MAKE) bench-e2e BENCH_SUMMARY=reports/bench.txt
	cat reports/bench-e2e.txt >> reports/bench.txt
	$(MAKE) bench-perf

# The measurements run once each (-benchtime 1x: they ignore b.N); the
# load average goes into the report because on a busy machine the
# latencies measure the machine. BENCH_E2E_FLAGS=-short makes it a smoke run.
BENCH_SUMMARY ?=
BENCH_E2E_FLAGS ?=
bench-e2e: ## Alert 202 -> target call latency at 100/s, 500/s and 80% of the maximum, worker throughput against a 50 ms target; writes reports/bench-e2e.txt and reports/bench-e2e.md
	@mkdir -p reports
	@echo "load-before: $$(cut -d' ' -f1-3 /proc/loadavg)" > reports/bench-e2e.txt
	$(GO) test -run '^$$' -bench 'E2ELatency|SlowTargetThroughput' -benchtime 1x -timeout 15m $(BENCH_E2E_FLAGS) ./internal/app/ | tee -a reports/bench-e2e.txt
	@echo "load-after: $$(cut -d' ' -f1-3 /proc/loadavg)" >> reports/bench-e2e.txt
	@{ echo "# Quell benchmarks"; echo; \
	  echo "- Date: $$(date -u '+%Y-%m-%d %H:%M UTC')"; \
	  echo "- Machine: $$(nproc) cores,$$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"; \
	  echo "- Load average (1, 5, 15 min): $$(sed -n 's/^load-before: //p' reports/bench-e2e.txt) before, $$(sed -n 's/^load-after: //p' reports/bench-e2e.txt) after"; \
	  echo "- Go: $$($(GO) env GOVERSION), NATS server: $$($(GO) list -m -f '{{.Version}}' github.com/nats-io/nats-server/v2) (embedded)"; \
	  echo; echo "## End to end: ingest 202 -> BeyondInsight POST Users/{id}/Quarantine"; echo; \
	  echo "Open-loop sender, one alert per distinct user, zero-latency simulator, blast radius off, target limits raised."; echo; \
	  echo "| offered rate | achieved | workers | alerts | p50 ms | p99 ms | max ms |"; echo "|---|---|---|---|---|---|---|"; \
	  awk '$$1 ~ /^BenchmarkE2ELatency\// { n = $$1; sub(/^BenchmarkE2ELatency\//, "", n); sub(/-[0-9]+$$/, "", n); \
	        split(n, kv, "/"); sub(/^rate=/, "", kv[1]); sub(/^workers=/, "", kv[2]); delete m; for (i = 3; i <= NF; i++) m[$$i] = $$(i-1); \
	        printf "| %s/s | %.0f/s | %s | %d | %s | %s | %s |\n", kv[1], m["sent/s"], kv[2], m["alerts"], m["p50-ms"], m["p99-ms"], m["max-ms"] }' reports/bench-e2e.txt; \
	  echo; echo "## Worker throughput against a 50 ms quarantine"; echo; \
	  echo "Actions queued before the worker starts; in flight = worker.concurrency. Baseline: in flight / 50 ms."; echo; \
	  echo "| in flight | actions/s | ideal actions/s | ratio to ideal | target rate limit | target concurrency limit |"; echo "|---|---|---|---|---|---|"; \
	  awk '$$1 ~ /^BenchmarkSlowTargetThroughput\// { n = $$1; sub(/^.*inflight=/, "", n); sub(/-[0-9]+$$/, "", n); delete m; for (i = 3; i <= NF; i++) m[$$i] = $$(i-1); \
	        printf "| %s | %.1f | %.0f | %.2f | %s req/s | %s |\n", n, m["actions/s"], m["ideal-actions/s"], m["actions/s"] / m["ideal-actions/s"], m["limit-req/s"], m["limit-conc"] }' reports/bench-e2e.txt; \
	  if [ -n "$(BENCH_SUMMARY)" ]; then echo; echo "## Ratios to baselines (same run)"; echo; grep -E '^(ingest|worker|api):' $(BENCH_SUMMARY) | sed 's/^/- /'; fi; \
	} > reports/bench-e2e.md
	@cat reports/bench-e2e.md

bench-api: ## API lookup GET /v1/actions/{id} with 1,000 and 1,000,000 indexed results (loads the index first: minutes); writes reports/bench-api.txt
	@mkdir -p reports
	$(GO) test -run '^$$' -bench ActionLookup -benchtime 10000x -timeout 30m ./internal/api/ | tee reports/bench-api.txt
	@awk '$$1 ~ /^BenchmarkActionLookup\/entries=1000-/ { small = $$3 } $$1 ~ /^BenchmarkActionLookup\/entries=1000000-/ { large = $$3 } \
	      END { if (small > 0) printf "\napi: GET /v1/actions/{id} %.0f us with 1,000,000 indexed results = %.2f x with 1,000 (%.0f us), same run\n", large / 1000, large / small, small / 1000 }' \
	      reports/bench-api.txt | tee -a reports/bench-api.txt

# Process-level benchmarks (cmd/quell-perf): nats-server, ingest, worker
# and pamsim as real processes on loopback, built into a temporary
# directory. Result lines (Go benchmark format) go to $(PERF_OUT).txt,
# their tables to $(PERF_OUT).md. PERF_FLAGS adds flags, e.g.
# PERF_FLAGS='-scenario backlog -backlog 100000'.
PERF_FLAGS ?=
PERF_OUT   ?= reports/bench-perf
bench-perf: ## Process-level benchmarks (ingest vs limit, storm, backlog, start-up); writes reports/bench-perf.txt and reports/bench-perf.md
	@mkdir -p $(dir $(PERF_OUT))
	$(GO) run ./cmd/quell-perf $(PERF_FLAGS) > $(PERF_OUT).txt
	$(GO) run ./cmd/quell-perf -markdown $(PERF_OUT).txt > $(PERF_OUT).md
	@cat $(PERF_OUT).md

bench-perf-smoke: ## Every quell-perf scenario at tiny sizes (a CI-sized check that they run); writes reports/bench-perf-smoke.{txt,md}
	$(MAKE) bench-perf PERF_OUT=reports/bench-perf-smoke \
	  PERF_FLAGS='-duration 1s -warmup 200ms -runs 1 -storm 200 -backlog 2000 -series-every 1s -startup-runs 2 -timeout 5m'

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
