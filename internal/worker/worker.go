package worker

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/sync/errgroup"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/policy"
)

// Config wires a Worker.
type Config struct {
	NC       *nats.Conn
	JS       jetstream.JetStream
	Policy   *policy.Engine
	Executor *actions.Executor
	// Concurrency is how many messages each consumer works at once.
	Concurrency int
	// MaxDeliveries is the consumers' MaxDeliver (the crash-loop backstop).
	MaxDeliveries int
	AckWait       time.Duration
	// Drain is how long in-flight messages may take to finish on shutdown
	// before they are handed back.
	Drain   time.Duration
	Logger  *slog.Logger
	Metrics *Metrics
	// ID names this worker in results (the ledger lease owner).
	ID string
	// Now is the clock; tests may replace it.
	Now func() time.Time
	// Replicas of the advisory stream (nats.replicas).
	Replicas int
	// Fence, if set, confirms before every target write that this worker
	// still holds the action's lease (see actions.WithFence).
	Fence func(ctx context.Context, actionID string) error
	// Ready, if set, is called once every consumer exists and the worker
	// is about to consume.
	Ready func()
}

// Worker runs the planner and the executor.
type Worker struct {
	cfg    Config
	pub    *events.Publisher
	tracer trace.Tracer
}

// New returns a Worker.
func New(cfg Config) *Worker {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics(nil)
	}
	return &Worker{cfg: cfg, pub: events.NewPublisher(cfg.JS), tracer: otel.Tracer("github.com/quell-dev/quell/internal/worker")}
}

// Run consumes until ctx is done, then drains: in-flight messages get
// cfg.Drain to finish and are handed back after that.
func (w *Worker) Run(ctx context.Context) error {
	opts := events.ConsumerOptions{AckWait: w.cfg.AckWait, MaxDeliver: w.cfg.MaxDeliveries, MaxAckPending: 4 * w.cfg.Concurrency}
	planner, err := w.cfg.JS.CreateOrUpdateConsumer(ctx, events.StreamEvents, events.PlannerConsumer(opts))
	if err != nil {
		return fmt.Errorf("planner consumer: %w", err)
	}
	executor, err := w.cfg.JS.CreateOrUpdateConsumer(ctx, events.StreamActions, events.ExecutorConsumer(opts))
	if err != nil {
		return fmt.Errorf("executor consumer: %w", err)
	}
	advisories, err := w.ensureAdvisories(ctx)
	if err != nil {
		return err
	}
	if w.cfg.Ready != nil {
		w.cfg.Ready()
	}

	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	go func() {
		<-ctx.Done()
		t := time.NewTimer(w.cfg.Drain)
		defer t.Stop()
		select {
		case <-t.C:
			w.cfg.Logger.Warn("drain timeout: handing in-flight messages back")
			cancelWork()
		case <-work.Done():
		}
	}()
	g := errgroup.Group{}
	g.Go(func() error {
		return loop{name: events.ConsumerPlanner, cons: planner, concurrency: w.cfg.Concurrency,
			ackWait: w.cfg.AckWait, log: w.cfg.Logger, handle: w.plan}.run(ctx, work)
	})
	g.Go(func() error {
		return loop{name: events.ConsumerExecutor, cons: executor, concurrency: w.cfg.Concurrency,
			ackWait: w.cfg.AckWait, log: w.cfg.Logger, handle: w.execute}.run(ctx, work)
	})
	g.Go(func() error {
		return loop{name: ConsumerAdvisories, cons: advisories, concurrency: 1,
			ackWait: w.cfg.AckWait, log: w.cfg.Logger, handle: w.handleAdvisory}.run(ctx, work)
	})
	err = g.Wait()
	cancelWork()
	return err
}
