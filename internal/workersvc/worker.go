package workersvc

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/capability"
	"github.com/quell-dev/quell/internal/config"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/executor"
	"github.com/quell-dev/quell/internal/ledger"
	"github.com/quell-dev/quell/internal/natsconn"
	"github.com/quell-dev/quell/internal/natsembed"
	"github.com/quell-dev/quell/internal/policy"
	"github.com/quell-dev/quell/internal/process"
	"github.com/quell-dev/quell/internal/safety"
	"github.com/quell-dev/quell/internal/secretstore"
	"github.com/quell-dev/quell/internal/targets"
	"github.com/quell-dev/quell/internal/telemetry"
	"github.com/quell-dev/quell/internal/worker"
)

// WorkerOptions are what a caller may provide instead of the defaults.
type WorkerOptions struct {
	Logger    *slog.Logger
	Telemetry *telemetry.Telemetry
	// Listener replaces worker.listen for /healthz, /readyz, /metrics.
	Listener net.Listener
	// Ready, if set, is called once the worker consumes, with the NATS URL
	// clients should use.
	Ready func(natsURL string)
}

// RunWorker runs the planner and executor until ctx ends. With no
// nats.url it first starts the embedded server, and stops it last.
func RunWorker(ctx context.Context, cfg *config.Config, o WorkerOptions) error {
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	engine, err := policy.Compile(cfg.Policy, cfg.Targets, capability.Supports, policy.WithDryRun(cfg.Safety.DryRun))
	if err != nil {
		return err
	}
	tset, err := targets.Build(cfg.Targets, cfg.Worker.Retry.RetryAfterCeiling, log)
	if err != nil {
		return err
	}
	if o.Telemetry != nil {
		if err := targets.ObserveCircuits(o.Telemetry.Meter, tset); err != nil {
			return err
		}
	}
	defer closeTargets(tset, log)

	natsCfg := cfg.NATS
	if natsCfg.URL == "" {
		e := natsCfg.Embedded
		srv, err := natsembed.Start(ctx, natsembed.Options{Listen: e.Listen, StoreDir: e.StoreDir, SyncAlways: e.SyncAlways,
			StartTimeout: e.StartTimeout, Logger: log, LogLevel: e.LogLevel})
		if err != nil {
			return err
		}
		defer srv.Shutdown()
		natsCfg.URL = srv.ClientURL()
		log.Info("embedded NATS started", "url", natsCfg.URL, "store_dir", natsCfg.Embedded.StoreDir)
	}
	nc, js, err := natsconn.Connect(natsCfg, "quell-worker", true)
	if err != nil {
		return err
	}
	defer nc.Close()
	if err := events.EnsureStreams(ctx, js, natsconn.StreamOptions(natsCfg)); err != nil {
		return err
	}
	id := owner()
	var consuming atomic.Bool
	ready := func() {
		consuming.Store(true)
		log.Info("worker running", "targets", len(tset.Targets), "rules", len(cfg.Policy.Rules),
			"concurrency", cfg.Worker.Concurrency, "dry_run", cfg.Safety.DryRun)
		if o.Ready != nil {
			o.Ready(natsCfg.URL)
		}
	}
	w, err := newWorker(ctx, cfg, nc, js, tset, engine, id, log, o.Telemetry, ready)
	if err != nil {
		return err
	}
	for name := range tset.Targets {
		if len(cfg.Safety.Protected.Groups) > 0 && !tset.ReadsGroups(name) {
			log.Warn("safety.protected.groups cannot be checked on this target: it cannot read group memberships; protect its accounts by name", "target", name)
		}
	}
	notifier, err := buildNotifier(cfg, js, log)
	if err != nil {
		return err
	}
	stopBackground := runBackground(ctx, func(bctx context.Context) { reportCircuits(bctx, js, tset, id, log) },
		func(bctx context.Context) { expireParked(bctx, js, cfg.Safety.ApprovalTimeout, log) }, runNotifier(notifier, log))
	// Deferred after nc.Close, so it runs before it: the background tasks
	// finish their NATS work (a parked action half rejected) first.
	defer stopBackground()
	stopHTTP, err := serveWorkerHTTP(ctx, cfg, js, o, log, &consuming)
	if err != nil {
		return err
	}
	defer stopHTTP()
	return w.Run(ctx)
}

// runBackground runs each task until ctx ends and returns a function that
// stops them and waits for all of them to return.
func runBackground(ctx context.Context, tasks ...func(context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, task := range tasks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			task(ctx)
		}()
	}
	return func() { cancel(); wg.Wait() }
}

// LeaseFence confirms, before a target write, that owner still holds the
// action's lease in the ledger: a worker paused (SIGSTOP, a long GC, a
// frozen VM) past its lease finds the action taken over or expired and
// sends nothing. The check reads the ledger, so it holds across replicas.
func LeaseFence(led *ledger.Ledger, owner string, now func() time.Time) func(context.Context, string) error {
	return func(ctx context.Context, id string) error {
		e, err := led.Get(ctx, id)
		switch {
		case err != nil:
			return fmt.Errorf("%w: %v", actions.ErrFenced, err)
		case e == nil || e.State != ledger.StateRunning || e.Owner != owner:
			return fmt.Errorf("%w: the action is no longer this worker's", actions.ErrFenced)
		case !now().Before(e.LeaseUntil):
			return fmt.Errorf("%w: the lease expired at %s", actions.ErrFenced, e.LeaseUntil.Format(time.RFC3339Nano))
		}
		return nil
	}
}

func newWorker(ctx context.Context, cfg *config.Config, nc *nats.Conn, js jetstream.JetStream, tset *targets.Set,
	engine *policy.Engine, id string, log *slog.Logger, tel *telemetry.Telemetry, ready func()) (*worker.Worker, error) {
	led, err := ledger.Open(ctx, js, events.BucketLedger)
	if err != nil {
		return nil, err
	}
	secrets, err := secretstore.Open(ctx, js, cfg.Targets)
	if err != nil {
		return nil, err
	}
	guard, err := safety.Open(ctx, js, cfg.Safety, cfg.Targets)
	if err != nil {
		return nil, err
	}
	metrics := worker.NewMetrics(nil)
	if tel != nil {
		metrics = worker.NewMetrics(tel.Meter)
		if err := worker.ObserveQueues(tel.Meter, js); err != nil {
			return nil, err
		}
	}
	r := cfg.Worker.Retry
	exec, err := executor.New(executor.Config{
		Targets: tset.Targets, Ledger: led, Locker: led, Secrets: secrets, Owner: id, Lease: lease(cfg),
		Safety: guard, ProtectedGroups: cfg.Safety.Protected.Groups, OnRetry: metrics.Retry,
		Retry: executor.RetryPolicy{InitialInterval: r.InitialInterval, MaxInterval: r.MaxInterval, Multiplier: r.Multiplier,
			MaxElapsed: r.MaxElapsed, RetryAfterCeiling: r.RetryAfterCeiling, RedeliveryDelay: cfg.Worker.RedeliveryDelay},
		MaxAttempts: cfg.Worker.MaxAttempts,
		DryRun:      cfg.Safety.DryRun, DryRunTargets: cfg.DryRunTargets(), Logger: log,
	})
	if err != nil {
		return nil, err
	}
	return worker.New(worker.Config{NC: nc, JS: js, Policy: engine, Executor: exec, Concurrency: cfg.Worker.Concurrency,
		MaxDeliveries: cfg.Worker.MaxDeliveries, AckWait: cfg.Worker.AckWait, Drain: cfg.Worker.ShutdownTimeout, Logger: log, ID: id,
		Replicas: cfg.NATS.Replicas, Fence: LeaseFence(led, id, time.Now), Ready: ready, Metrics: metrics})
}

// lease covers one whole delivery: the retry budget, a call in flight when
// it runs out, and the ack wait before JetStream would redeliver anyway.
func lease(cfg *config.Config) time.Duration {
	var slowest time.Duration
	for _, t := range cfg.Targets {
		slowest = max(slowest, t.Timeout)
	}
	return cfg.Worker.Retry.MaxElapsed + 2*slowest + cfg.Worker.AckWait
}

func owner() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}

// serveWorkerHTTP serves /healthz, /readyz and /metrics. /readyz answers
// 503 until the worker consumes (its consumers exist), not merely once the
// streams do.
func serveWorkerHTTP(ctx context.Context, cfg *config.Config, js jetstream.JetStream, o WorkerOptions, log *slog.Logger,
	consuming *atomic.Bool) (func(), error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{"status":"ok"}`)) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		c, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if !consuming.Load() {
			http.Error(w, `{"status":"not ready","reason":"consumers not created yet"}`, http.StatusServiceUnavailable)
			return
		}
		if err := events.CheckStreams(c, js); err != nil {
			http.Error(w, `{"status":"not ready"}`, http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte(`{"status":"ready"}`))
	})
	if o.Telemetry != nil {
		mux.Handle("GET /metrics", o.Telemetry.MetricsHandler)
	}
	ln, err := process.Listen(cfg.Worker.Listen, o.Listener)
	if err != nil {
		return nil, err
	}
	hctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := process.Serve(hctx, process.NewHTTPServer(mux), ln, 5*time.Second, log); err != nil {
			log.Error("worker http", "error", err)
		}
	}()
	return func() { cancel(); <-done }, nil
}

func closeTargets(t *targets.Set, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := t.Close(ctx); err != nil {
		log.Warn("target sign-out", "error", err)
	}
}
