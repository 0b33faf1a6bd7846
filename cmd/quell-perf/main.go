// Command quell-perf runs Quell's process-level benchmarks (make
// bench-perf): nats-server, ingest, worker and pamsim as real processes on
// loopback, built from this module into a temporary directory, measured
// through their external interfaces only. Run it from the module root.
//
//	quell-perf [-scenario ingest|storm|backlog|startup|all] [flags] > out.txt
//	quell-perf -markdown out.txt > out.md
//
// Scenarios (each starts its own nats-server, one node, file storage):
//
//   - ingest: closed-loop load (-conc, default 16 and 128) of signed 1 KB
//     webhooks for -duration after -warmup, against the ingest and against
//     a baseline process (a bare HTTP server doing one synchronous
//     JetStream publish per request), -runs times; req/s, p50, p99, CPU
//     per request, and the ratio, as medians.
//   - storm: -storm alerts about as many distinct users, sent at once;
//     time from the first send to the simulator's last write, peak RSS.
//   - backlog: -backlog alerts queued through the ingest while the worker
//     is stopped, then drained; drain rate, peak and steady RSS, a time
//     series every -series-every.
//   - startup: exec to ready (/readyz 200) of ingest and worker, exec to
//     exit of quellctl, median of -startup-runs.
//
// Result lines (Go benchmark format) go to standard output, progress to
// standard error. Every process quell-perf starts is stopped when it ends
// or is interrupted; a failed scenario's directory (logs, NATS store) is
// kept and named.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/quell-dev/quell/internal/perf"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	o := perf.Options{Out: os.Stdout}
	fs := flag.NewFlagSet("quell-perf", flag.ContinueOnError)
	scenario := fs.String("scenario", "all", "scenario to run: "+strings.Join(perf.Scenarios, ", ")+" or all (comma-separated list allowed)")
	fs.StringVar(&o.RunDir, "run-dir", "", "directory for binaries, data and logs (default: a new temporary directory, removed at the end)")
	fs.StringVar(&o.Src, "src", "", "build ingest, worker and quellctl from this checkout (e.g. a worktree of an earlier commit) to compare before and after")
	fs.BoolVar(&o.Keep, "keep", false, "keep the run directory (NATS stores, configurations, logs)")
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "ingest: measured load per run, implementation and concurrency")
	fs.DurationVar(&o.Warmup, "warmup", time.Second, "ingest: unmeasured load before each measurement")
	fs.IntVar(&o.Runs, "runs", 3, "ingest: runs (the summary is their median)")
	conc := fs.String("conc", "16,128", "ingest: closed-loop concurrencies, comma-separated")
	fs.IntVar(&o.Storm, "storm", 10000, "storm: alerts in the burst (one distinct user each)")
	fs.IntVar(&o.StormConc, "storm-conc", 64, "storm: senders at once")
	fs.IntVar(&o.Backlog, "backlog", 1_000_000, "backlog: alerts queued while the worker is stopped")
	fs.IntVar(&o.BacklogBatch, "backlog-batch", 100, "backlog: alerts per webhook request (a JSON array)")
	fs.IntVar(&o.BacklogUsers, "backlog-users", 0, "backlog: distinct users the alerts are about, in turn (0: one per alert; with fewer, repeats find the user quarantined already and skip the write)")
	fs.IntVar(&o.BacklogConc, "backlog-conc", 8, "backlog: senders at once while queueing")
	fs.DurationVar(&o.SeriesEvery, "series-every", 5*time.Second, "backlog: interval of the time series")
	fs.IntVar(&o.StartupRuns, "startup-runs", 5, "startup: timed starts of each program (the summary is their median)")
	targets := fs.String("targets", "bi", "targets each alert quarantines on, comma-separated: bi, cv, tf")
	fs.IntVar(&o.WorkerConcurrency, "worker-concurrency", 0, "worker.concurrency (0: the configuration default)")
	fs.IntVar(&o.BlastMax, "blast-max", 1_000_000, "blast radius raised to this many actions per target and kind per hour (0: off)")
	fs.StringVar(&o.LogLevel, "log-level", "info", "log.level of ingest and worker")
	fs.BoolVar(&o.GCTrace, "gctrace", false, "run ingest and worker with GODEBUG=gctrace=1 (into their logs; use with -keep)")
	fs.DurationVar(&o.Timeout, "timeout", 4*time.Hour, "storm, backlog: longest wait for the last action")
	markdown := fs.String("markdown", "", "print the markdown tables of a quell-perf output FILE and exit")
	serveBaseline := fs.Bool("serve-baseline", false, "internal: serve the ingest baseline (with -nats and -listen)")
	natsURL := fs.String("nats", "", "internal: NATS URL of -serve-baseline")
	listen := fs.String("listen", "", "internal: listen address of -serve-baseline")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	switch {
	case *markdown != "":
		f, err := os.Open(*markdown)
		if err != nil {
			return fail(err)
		}
		defer func() { _ = f.Close() }()
		if err := perf.Markdown(f, os.Stdout); err != nil {
			return fail(err)
		}
		return 0
	case *serveBaseline:
		if err := perf.ServeBaseline(ctx, *natsURL, *listen); err != nil {
			return fail(err)
		}
		return 0
	}

	var err error
	if o.Conc, err = parseInts(*conc); err != nil {
		fmt.Fprintln(os.Stderr, "quell-perf: -conc:", err)
		return 2
	}
	o.Targets = strings.Split(*targets, ",")
	scenarios := perf.Scenarios
	if *scenario != "all" {
		scenarios = strings.Split(*scenario, ",")
		for _, s := range scenarios {
			if !slices.Contains(perf.Scenarios, s) {
				fmt.Fprintf(os.Stderr, "quell-perf: -scenario %q: want %s or all\n", s, strings.Join(perf.Scenarios, ", "))
				return 2
			}
		}
	}
	if err := o.Validate(); err != nil {
		fmt.Fprintln(os.Stderr, "quell-perf:", err)
		return 2
	}
	o.Log = func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
	}
	temp := o.RunDir == ""
	if temp {
		if o.RunDir, err = os.MkdirTemp("", "quell-perf-"); err != nil {
			return fail(err)
		}
	} else if o.RunDir, err = filepath.Abs(o.RunDir); err == nil {
		err = os.MkdirAll(o.RunDir, 0o700)
	}
	if err != nil {
		return fail(err)
	}
	o.Log("run dir %s", o.RunDir)
	err = perf.Run(ctx, &o, scenarios)
	// What a failed scenario leaves (its logs) stays for a look; an
	// interrupted run leaves nothing.
	if temp && !o.Keep && (err == nil || ctx.Err() != nil) {
		_ = os.RemoveAll(o.RunDir)
	}
	if err != nil {
		return fail(err)
	}
	return 0
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

func fail(err error) int {
	fmt.Fprintln(os.Stderr, "quell-perf:", err)
	return 1
}
