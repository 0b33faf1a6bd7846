package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/sync/errgroup"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/executor"
	"github.com/quell-dev/quell/internal/policy"
)

// Config wires a [Worker].
type Config struct {
	NC *nats.Conn
	JS jetstream.JetStream
	// Policy plans the actions an event calls for (a [policy.Engine]).
	Policy Planner
	// Executor carries out one delivery of an action (an [executor.Executor]).
	Executor Executor
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
	// still holds the action's lease (see [actions.WithFence]).
	Fence func(ctx context.Context, actionID string) error
	// Ready, if set, is called once every consumer exists and the worker
	// is about to consume.
	Ready func()
}

// Planner turns an event into the actions its matching rules call for.
type Planner interface {
	Plan(ev cloudevents.Event, now time.Time) ([]policy.RuleResult, error)
}

// Executor runs one delivery of an action and says what to do with its
// message.
type Executor interface {
	Execute(ctx context.Context, a actions.Action, d executor.Delivery) executor.Decision
}

// Worker runs the planner and the executor.
type Worker struct {
	cfg    Config
	pub    *events.Publisher
	tracer trace.Tracer
}

// ErrInvalidConfig is wrapped by every error [New] returns.
var ErrInvalidConfig = errors.New("invalid worker configuration")

func (c Config) validate() error {
	var problems []string
	if c.JS == nil || c.NC == nil {
		problems = append(problems, "no NATS connection")
	}
	if c.Policy == nil {
		problems = append(problems, "no policy")
	}
	if c.Executor == nil {
		problems = append(problems, "no executor")
	}
	if c.Concurrency < 1 {
		problems = append(problems, fmt.Sprintf("concurrency %d: must be at least 1", c.Concurrency))
	}
	if c.MaxDeliveries < 1 {
		problems = append(problems, fmt.Sprintf("max deliveries %d: must be at least 1", c.MaxDeliveries))
	}
	if c.AckWait <= 0 {
		problems = append(problems, fmt.Sprintf("ack wait %s: must be positive", c.AckWait))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidConfig, strings.Join(problems, "; "))
	}
	return nil
}

// New returns a [Worker], or an error wrapping [ErrInvalidConfig] that names
// every problem with cfg.
func New(cfg Config) (*Worker, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics(nil)
	}
	return &Worker{cfg: cfg, pub: events.NewPublisher(cfg.JS), tracer: otel.Tracer("github.com/quell-dev/quell/internal/worker")}, nil
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
	// Acks and naks are not waited for one by one: make sure the last ones
	// (messages handed back at stop) reached the server before the caller
	// closes the connection.
	fctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if ferr := w.cfg.NC.FlushWithContext(fctx); ferr != nil {
		w.cfg.Logger.Warn("flush at stop failed; unsettled messages will be redelivered after ack_wait", "error", ferr)
	}
	return err
}
