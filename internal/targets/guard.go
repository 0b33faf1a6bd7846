package targets

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/sony/gobreaker/v2"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"golang.org/x/time/rate"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/config"
)

// limitedTransport holds every request to a target to its rate and
// concurrency limits, so that Quell never floods a product its people rely on.
type limitedTransport struct {
	next    http.RoundTripper
	limiter *rate.Limiter
	slots   chan struct{}
}

func limit(rt http.RoundTripper, l config.Limits) http.RoundTripper {
	if rt == nil {
		rt = http.DefaultTransport
	}
	t := &limitedTransport{next: rt}
	// 0 never reaches here (defaults); -1 means unlimited.
	if l.Rate > 0 {
		t.limiter = rate.NewLimiter(rate.Limit(l.Rate), max(1, l.Burst))
	}
	if l.Concurrency > 0 {
		t.slots = make(chan struct{}, l.Concurrency)
	}
	return t
}

func (t *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if t.slots != nil {
		select {
		case t.slots <- struct{}{}:
			defer func() { <-t.slots }()
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if t.limiter != nil {
		if err := t.limiter.Wait(ctx); err != nil {
			return nil, err
		}
	}
	return t.next.RoundTrip(req)
}

// guarded wraps a target with a circuit breaker: after Circuit.Failures
// consecutive transient failures it stops calling the target for OpenFor,
// then lets one probe through. While open, actions fail with
// [actions.ErrTargetUnavailable] and wait for a later delivery without
// counting as failed attempts, so an outage loses nothing. The probe is a
// real call: when it fails, it is a failed attempt of its action.
type guarded struct {
	actions.Target
	cb      *gobreaker.CircuitBreaker[actions.Outcome]
	openFor time.Duration

	mu       sync.Mutex
	openedAt time.Time
}

func guard(t actions.Target, c config.Circuit, log *slog.Logger) *guarded {
	g := &guarded{Target: t, openFor: c.OpenFor}
	g.cb = gobreaker.NewCircuitBreaker[actions.Outcome](gobreaker.Settings{
		Name:        t.Name(),
		MaxRequests: 1,
		Timeout:     c.OpenFor,
		ReadyToTrip: func(n gobreaker.Counts) bool { return n.ConsecutiveFailures >= uint32(c.Failures) },
		// Only transient errors say something about the target's health; a
		// 404 for one user or a refused parameter does not.
		IsSuccessful: func(err error) bool { return err == nil || actions.IsPermanent(err) },
		IsExcluded:   func(err error) bool { return errors.Is(err, context.Canceled) },
		OnStateChange: func(name string, from, to gobreaker.State) {
			g.mu.Lock()
			if to == gobreaker.StateOpen {
				g.openedAt = time.Now()
			}
			g.mu.Unlock()
			log.Warn("circuit state changed", "target", name, "from", from.String(), "to", to.String())
		},
	})
	return g
}

// Execute implements [actions.Target]. Dry runs never reach the target and
// pass through.
func (g *guarded) Execute(ctx context.Context, a actions.Action) (actions.Outcome, error) {
	if a.DryRun {
		return g.Target.Execute(ctx, a)
	}
	probe := g.cb.State() == gobreaker.StateHalfOpen
	out, err := g.cb.Execute(func() (actions.Outcome, error) { return g.Target.Execute(ctx, a) })
	if probe && err != nil && !actions.IsPermanent(err) {
		// The probe reached the target and failed: a failed attempt of this
		// action like any other call, which waits for the circuit's next
		// half-open before it tries again.
		wait := g.untilHalfOpen()
		return out, actions.Transient(fmt.Errorf("probe of %s failed, circuit open again: %w", g.Name(), err), wait)
	}
	switch {
	case errors.Is(err, gobreaker.ErrOpenState):
		wait := g.untilHalfOpen()
		return out, actions.Transient(fmt.Errorf("%w: circuit of %s is open for %s more", actions.ErrTargetUnavailable, g.Name(), wait.Round(time.Second)), wait)
	case errors.Is(err, gobreaker.ErrTooManyRequests):
		return out, actions.Transient(fmt.Errorf("%w: circuit of %s is probing", actions.ErrTargetUnavailable, g.Name()), time.Second)
	}
	return out, err
}

func (g *guarded) untilHalfOpen() time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	return max(time.Until(g.openedAt.Add(g.openFor)), 100*time.Millisecond)
}

// CircuitState is "closed", "half-open" or "open".
func (g *guarded) CircuitState() string { return g.cb.State().String() }

// circuitLevels are the gauge values of the circuit states.
var circuitLevels = map[string]int64{"closed": 0, "half-open": 1, "open": 2}

// ObserveCircuits exports quell.target.circuit (0 closed, 1 half-open,
// 2 open) for every target of s.
func ObserveCircuits(m metric.Meter, s *Set) error {
	_, err := m.Int64ObservableGauge("quell.target.circuit",
		metric.WithDescription("Circuit breaker state per target: 0 closed, 1 half-open, 2 open"),
		metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
			for name, state := range s.CircuitStates() {
				o.Observe(circuitLevels[state], metric.WithAttributes(attribute.String("target", name)))
			}
			return nil
		}))
	return err
}

// UserGroups forwards to the target if it can read groups ([actions.GroupReader]).
func (g *guarded) UserGroups(ctx context.Context, u actions.UserRef) ([]string, error) {
	gr, ok := g.Target.(actions.GroupReader)
	if !ok {
		return nil, actions.Unsupported(g.Kind(), "read group memberships")
	}
	return gr.UserGroups(ctx, u)
}

// ReadsGroups reports whether the named target can read a user's groups,
// so that protected groups can be enforced on it.
func (s *Set) ReadsGroups(name string) bool {
	g, ok := s.circuits[name]
	if !ok {
		return false
	}
	_, reads := g.Target.(actions.GroupReader)
	return reads
}
