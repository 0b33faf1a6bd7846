package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/clock"
	"github.com/quell-dev/quell/internal/dlq"
	"github.com/quell-dev/quell/internal/events"
)

// HeaderRoute marks a result dead-lettered by one route: replayed from the
// DLQ, it is sent again to that route only, and readers of the audit
// trail skip the copy.
const HeaderRoute = "Quell-Notify-Route"

// Config wires a [Notifier].
type Config struct {
	JS     jetstream.JetStream
	Routes []*Route
	// ConsoleURL is the console's base (…/ui); messages link to the
	// action's page under it. Empty: no link.
	ConsoleURL string
	// MaxAttempts is how many deliveries of one result a route tries
	// before dead-lettering it.
	MaxAttempts int
	// Retry spaces the attempts (initial, max, multiplier).
	Retry  backoff.ExponentialBackOff
	Client *http.Client
	Logger *slog.Logger
	Now    func() time.Time
}

// Notifier runs one durable consumer per route on the results stream.
type Notifier struct{ cfg Config }

// New checks cfg and returns a [Notifier].
func New(cfg Config) (*Notifier, error) {
	if cfg.JS == nil {
		return nil, errors.New("notify: no JetStream")
	}
	if cfg.MaxAttempts < 1 {
		return nil, fmt.Errorf("notify: max attempts %d, want at least 1", cfg.MaxAttempts)
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: sendTimeout}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Retry.InitialInterval == 0 {
		cfg.Retry = *backoff.NewExponentialBackOff(backoff.WithInitialInterval(2*time.Second), backoff.WithMaxInterval(5*time.Minute))
	}
	return &Notifier{cfg: cfg}, nil
}

// Stage is the DLQ stage of a route's undeliverable results:
// quell.dlq.notify-<route>. One stage per route keeps two routes' dead
// letters of one result apart.
func Stage(route string) string { return "notify-" + route }

// ConsumerName is the durable consumer of a route.
func ConsumerName(route string) string { return "quell-notify-" + route }

// Run consumes until ctx is done. A route's consumer starts at the results
// published after it was first created: a new route is not flooded with
// history.
func (n *Notifier) Run(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	for _, r := range n.cfg.Routes {
		cons, err := n.cfg.JS.CreateOrUpdateConsumer(ctx, events.StreamResults, jetstream.ConsumerConfig{
			Durable: ConsumerName(r.cfg.Name), FilterSubject: "quell.results.>", DeliverPolicy: jetstream.DeliverNewPolicy,
			AckPolicy: jetstream.AckExplicitPolicy, AckWait: 2 * sendTimeout, MaxDeliver: -1,
		})
		if err != nil {
			return fmt.Errorf("notify route %s: consumer: %w", r.cfg.Name, err)
		}
		g.Go(func() error { n.consume(gctx, r, cons); return nil })
	}
	return g.Wait()
}

// consume handles one route's messages in order, one at a time, so chat
// messages arrive in the order the results happened.
func (n *Notifier) consume(ctx context.Context, r *Route, cons jetstream.Consumer) {
	for ctx.Err() == nil {
		batch, err := cons.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			n.cfg.Logger.WarnContext(ctx, "notify fetch failed", "route", r.cfg.Name, "error", err)
			clock.Sleep(ctx, time.Second)
			continue
		}
		for msg := range batch.Messages() {
			n.handle(ctx, r, msg)
		}
	}
}

func (n *Notifier) handle(ctx context.Context, r *Route, msg jetstream.Msg) {
	if route := msg.Headers().Get(HeaderRoute); route != "" && route != r.cfg.Name {
		_ = msg.Ack() // another route's replayed copy
		return
	}
	ev, err := events.Decode(msg.Data())
	if err != nil {
		_ = msg.Ack() // not a result event: nothing to say about it
		return
	}
	res, err := events.DataAs[events.ActionResult](ev)
	var asMap map[string]any
	if err != nil || json.Unmarshal(ev.Data(), &asMap) != nil || !r.Matches(asMap) {
		_ = msg.Ack()
		return
	}
	err = n.send(ctx, r, msg.Data(), ev.ID(), summarize(res, n.cfg.ConsoleURL))
	log := n.cfg.Logger.With("route", r.cfg.Name, "kind", r.cfg.Kind, "action_id", res.Action.ID, "result", ev.ID())
	if err == nil {
		log.InfoContext(ctx, "notification sent")
		_ = msg.Ack()
		return
	}
	n.failed(ctx, r, msg, log, err)
}

// failed retries with backoff, or dead-letters a refusal and a result
// whose attempts are used up.
func (n *Notifier) failed(ctx context.Context, r *Route, msg jetstream.Msg, log *slog.Logger, err error) {
	if ctx.Err() != nil {
		_ = msg.Nak()
		return
	}
	md, _ := msg.Metadata()
	attempt := 1
	if md != nil {
		attempt = int(md.NumDelivered)
	}
	class, retryAfter := actions.Classify(err)
	if class == actions.ClassTransient && attempt < n.cfg.MaxAttempts {
		delay := max(n.delay(attempt), retryAfter)
		log.WarnContext(ctx, "notification failed, will retry", "attempt", attempt, "delay", delay.String(), "error", err)
		_ = msg.NakWithDelay(delay)
		return
	}
	reason := fmt.Sprintf("route %s (%s): %v after %d attempt(s)", r.cfg.Name, r.cfg.Kind, err, attempt)
	header := nats.Header{}
	for k, v := range msg.Headers() {
		header[k] = append([]string(nil), v...)
	}
	raw := &jetstream.RawStreamMsg{Subject: msg.Subject(), Header: header, Data: msg.Data()}
	if md != nil {
		raw.Sequence = md.Sequence.Stream
	}
	raw.Header.Set(HeaderRoute, r.cfg.Name)
	if werr := dlq.Write(ctx, n.cfg.JS, Stage(r.cfg.Name), raw, uint64(attempt), class, reason); werr != nil {
		log.ErrorContext(ctx, "dead-letter failed; notification will be retried", "error", werr)
		_ = msg.NakWithDelay(n.delay(attempt))
		return
	}
	log.ErrorContext(ctx, "notification dead-lettered", "attempt", attempt, "error", err)
	_ = msg.Term()
}

// delay is the wait before attempt+1: exponential with jitter.
func (n *Notifier) delay(attempt int) time.Duration {
	b := n.cfg.Retry
	b.Reset()
	d := b.InitialInterval
	for range attempt {
		if next := b.NextBackOff(); next != backoff.Stop {
			d = next
		}
	}
	return d
}
