package executor_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/executor"
	"github.com/quell-dev/quell/internal/ledger"
	"github.com/quell-dev/quell/internal/quelltest"
	"github.com/quell-dev/quell/internal/secret"
)

// The tests follow the pattern of River's job executor tests: each test
// function starts one embedded NATS server with a real ledger, and each of
// its parallel subtests calls setup for a config builder and a bundle of
// scripted collaborators. Subtests stay independent because setup derives
// the action id and the user (so the user lock) from the subtest's name.

const (
	owner      = "worker-a"
	targetName = "bi"
	targetKind = "beyondinsight"
)

// testRetry keeps every wait in milliseconds so the suite runs in seconds.
func testRetry() executor.RetryPolicy {
	return executor.RetryPolicy{
		InitialInterval:   time.Millisecond,
		MaxInterval:       10 * time.Millisecond,
		Multiplier:        2,
		MaxElapsed:        50 * time.Millisecond,
		RetryAfterCeiling: 60 * time.Millisecond,
		RedeliveryDelay:   20 * time.Millisecond,
	}
}

// testBundle is what one subtest works with.
type testBundle struct {
	ctx    context.Context
	ledger *ledger.Ledger
	target *scriptedTarget
	safety *scriptedSafety
	sink   *scriptedSink
	// action is unique to the subtest: its id and its user (so its user
	// lock) come from the subtest's name.
	action actions.Action
	// retries counts OnRetry calls.
	retries atomic.Int32
}

// startLedger starts one embedded NATS server for a test function and opens
// the ledger on it; its subtests share it.
func startLedger(t *testing.T) *ledger.Ledger {
	t.Helper()
	n := quelltest.StartNATS(t)
	l, err := ledger.Open(t.Context(), n.JS, events.BucketLedger)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// setup returns a valid config using the real ledger (as the ledger and as
// the user locker) and a scripted target, and the bundle to script and
// inspect. Safety and Secrets are left nil; tests that need them set
// cfg.Safety = bundle.safety or cfg.Secrets = bundle.sink.
func setup(t *testing.T, led *ledger.Ledger) (executor.Config, *testBundle) {
	t.Helper()
	b := &testBundle{
		ctx:    t.Context(),
		ledger: led,
		target: &scriptedTarget{name: targetName, kind: targetKind},
		safety: &scriptedSafety{},
		sink:   &scriptedSink{},
	}
	b.action = actions.Action{
		Kind:        actions.Quarantine,
		Target:      targetName,
		User:        actions.UserRef{Username: "user " + t.Name()},
		Reason:      "test",
		RequestedBy: "policy",
		RequestedAt: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC),
	}
	b.action.AssignID(t.Name())
	cfg := executor.Config{
		Targets:     map[string]actions.Target{targetName: b.target},
		Ledger:      led,
		Locker:      led,
		OnRetry:     func(context.Context, actions.Action) { b.retries.Add(1) },
		Owner:       owner,
		Lease:       5 * time.Second,
		Retry:       testRetry(),
		MaxAttempts: 3,
		Logger:      slog.New(slog.DiscardHandler),
	}
	return cfg, b
}

func newExecutor(t *testing.T, cfg executor.Config) *executor.Executor {
	t.Helper()
	e, err := executor.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e
}

// entry returns the ledger entry of the bundle's action, nil if none.
func (b *testBundle) entry(t *testing.T) *ledger.Entry {
	t.Helper()
	e, err := b.ledger.Get(context.WithoutCancel(b.ctx), b.action.ID)
	if err != nil {
		t.Fatalf("ledger get: %v", err)
	}
	return e
}

// scriptedTarget is an actions.Target whose Execute runs execute (nil:
// complete at once) and records every call. call is 1-based and counts
// dry-run calls too.
type scriptedTarget struct {
	name, kind string
	supports   func(actions.Kind) bool
	execute    func(ctx context.Context, a actions.Action, call int) (actions.Outcome, error)

	mu    sync.Mutex
	calls []actions.Action
}

var _ actions.Target = (*scriptedTarget)(nil)

func (s *scriptedTarget) Name() string { return s.name }
func (s *scriptedTarget) Kind() string { return s.kind }

func (s *scriptedTarget) Supports(k actions.Kind) bool {
	return s.supports == nil || s.supports(k)
}

func (s *scriptedTarget) Execute(ctx context.Context, a actions.Action) (actions.Outcome, error) {
	s.mu.Lock()
	s.calls = append(s.calls, a)
	n := len(s.calls)
	s.mu.Unlock()
	if s.execute == nil {
		return actions.Outcome{Status: actions.StatusCompleted, Reason: "quarantined"}, nil
	}
	return s.execute(ctx, a, n)
}

// numCalls counts Execute calls, dry runs included.
func (s *scriptedTarget) numCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.calls)
}

// numDryRunCalls counts the Execute calls made with a.DryRun set.
func (s *scriptedTarget) numDryRunCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, a := range s.calls {
		if a.DryRun {
			n++
		}
	}
	return n
}

// groupTarget is a scriptedTarget that is also an actions.GroupReader.
type groupTarget struct {
	*scriptedTarget
	userGroups func(ctx context.Context, u actions.UserRef, call int) ([]string, error)
	reads      atomic.Int32
}

var _ actions.GroupReader = (*groupTarget)(nil)

func (g *groupTarget) UserGroups(ctx context.Context, u actions.UserRef) ([]string, error) {
	n := int(g.reads.Add(1))
	return g.userGroups(ctx, u, n)
}

// scriptedSafety is an actions.Safety whose Check runs check (nil: allow).
type scriptedSafety struct {
	check func(ctx context.Context, a actions.Action, call int) (actions.SafetyVerdict, error)
	calls atomic.Int32
}

var _ actions.Safety = (*scriptedSafety)(nil)

func (s *scriptedSafety) Check(ctx context.Context, a actions.Action) (actions.SafetyVerdict, error) {
	n := int(s.calls.Add(1))
	if s.check == nil {
		return actions.SafetyVerdict{}, nil
	}
	return s.check(ctx, a, n)
}

// scriptedSink is an actions.SecretSink whose methods run the function
// fields (nil: succeed) and that keeps what it was given.
type scriptedSink struct {
	canDeliver func(a actions.Action) error
	deliver    func(ctx context.Context, a actions.Action, s secret.Secret) error

	mu        sync.Mutex
	delivered []secret.Secret
}

var _ actions.SecretSink = (*scriptedSink)(nil)

func (s *scriptedSink) CanDeliver(a actions.Action) error {
	if s.canDeliver == nil {
		return nil
	}
	return s.canDeliver(a)
}

func (s *scriptedSink) Deliver(ctx context.Context, a actions.Action, sec secret.Secret) error {
	if s.deliver != nil {
		if err := s.deliver(ctx, a, sec); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delivered = append(s.delivered, sec)
	return nil
}

func (s *scriptedSink) numDelivered() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.delivered)
}

// hookedLedger is the real ledger with Acquire and Finish replaceable, for
// the ledger's answers a real one gives only in races or outages.
type hookedLedger struct {
	*ledger.Ledger
	acquire func(ctx context.Context, a actions.Action, owner string, lease time.Duration) (actions.Lease, error)
	finish  func(ctx context.Context, l actions.Lease, r actions.Record) error
}

func (h *hookedLedger) Acquire(ctx context.Context, a actions.Action, owner string, lease time.Duration) (actions.Lease, error) {
	if h.acquire != nil {
		return h.acquire(ctx, a, owner, lease)
	}
	return h.Ledger.Acquire(ctx, a, owner, lease)
}

func (h *hookedLedger) Finish(ctx context.Context, l actions.Lease, r actions.Record) error {
	if h.finish != nil {
		if err := h.finish(ctx, l, r); err != nil {
			return err
		}
	}
	return h.Ledger.Finish(ctx, l, r)
}

// resultSummary is the part of a Result the decision tests compare whole.
type resultSummary struct {
	Status     actions.Status
	Guard      string
	Attempts   int
	Replayed   bool
	Deliveries int
	Replays    int
	Worker     string
	ErrorClass string
}

func summarize(r actions.Result) resultSummary {
	return resultSummary{Status: r.Status, Guard: r.Guard, Attempts: r.Attempts, Replayed: r.Replayed,
		Deliveries: r.Deliveries, Replays: r.Replays, Worker: r.Worker, ErrorClass: r.ErrorClass}
}

// requireVerdict fails the test unless dec has the verdict, with an error
// exactly when the verdict carries one.
func requireVerdict(t *testing.T, dec executor.Decision, want executor.Verdict) {
	t.Helper()
	if dec.Verdict != want {
		t.Fatalf("verdict = %s (err %v, result %+v), want %s", dec.Verdict, dec.Err, summarize(dec.Result), want)
	}
	if (dec.Err != nil) != (want != executor.Finish) {
		t.Fatalf("%s with err %v", dec.Verdict, dec.Err)
	}
}

func requireResult(t *testing.T, dec executor.Decision, want resultSummary) {
	t.Helper()
	if got := summarize(dec.Result); got != want {
		t.Fatalf("result:\n got %+v\nwant %+v\n(reason %q, err %v)", got, want, dec.Result.Reason, dec.Err)
	}
}

func requireContains(t *testing.T, what, s, sub string) {
	t.Helper()
	if !strings.Contains(s, sub) {
		t.Fatalf("%s %q does not contain %q", what, s, sub)
	}
}

func transient(msg string) error { return actions.Transient(errors.New(msg), 0) }

func TestNew(t *testing.T) {
	t.Parallel()

	valid := func() executor.Config {
		return executor.Config{Ledger: &ledger.Ledger{}, Owner: owner, Lease: time.Second, Retry: testRetry(), MaxAttempts: 1}
	}
	tests := []struct {
		name      string
		configure func(*executor.Config)
		// wantProblems are all in the error, in this order; none: valid.
		wantProblems []string
	}{
		{name: "valid", configure: func(*executor.Config) {}},
		{name: "valid without clock or logger", configure: func(c *executor.Config) { c.Now, c.Logger = nil, nil }},
		{name: "multiplier of exactly one", configure: func(c *executor.Config) { c.Retry.Multiplier = 1 }},
		{name: "nil ledger", configure: func(c *executor.Config) { c.Ledger = nil },
			wantProblems: []string{"no ledger: actions could run more than once"}},
		{name: "zero max attempts", configure: func(c *executor.Config) { c.MaxAttempts = 0 },
			wantProblems: []string{"max attempts 0: must be at least 1"}},
		{name: "negative max attempts", configure: func(c *executor.Config) { c.MaxAttempts = -2 },
			wantProblems: []string{"max attempts -2: must be at least 1"}},
		{name: "multiplier below one", configure: func(c *executor.Config) { c.Retry.Multiplier = 0.5 },
			wantProblems: []string{"retry multiplier 0.5: must be at least 1"}},
		{name: "zero multiplier", configure: func(c *executor.Config) { c.Retry.Multiplier = 0 },
			wantProblems: []string{"retry multiplier 0: must be at least 1"}},
		{name: "lease equal to the retry budget", configure: func(c *executor.Config) { c.Lease = c.Retry.MaxElapsed },
			wantProblems: []string{"lease 50ms: must cover a whole delivery, longer than the retry budget 50ms"}},
		{name: "lease shorter than the retry budget", configure: func(c *executor.Config) { c.Lease = 10 * time.Millisecond },
			wantProblems: []string{"lease 10ms: must cover a whole delivery, longer than the retry budget 50ms"}},
		{name: "no retry budget", configure: func(c *executor.Config) { c.Retry.MaxElapsed = 0 },
			wantProblems: []string{"retry budget 0s: must be positive (backoff treats 0 as no limit)"}},
		{name: "every problem at once", configure: func(c *executor.Config) {
			c.Ledger, c.MaxAttempts, c.Retry.Multiplier, c.Lease = nil, 0, 0.9, 0
		}, wantProblems: []string{
			"no ledger", "max attempts 0", "retry multiplier 0.9", "lease 0s: must cover a whole delivery",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := valid()
			tc.configure(&cfg)
			e, err := executor.New(cfg)
			if len(tc.wantProblems) == 0 {
				if err != nil || e == nil {
					t.Fatalf("New = %v, %v; want an executor", e, err)
				}
				return
			}
			if e != nil || err == nil {
				t.Fatalf("New = %v, %v; want an error", e, err)
			}
			if !errors.Is(err, executor.ErrInvalidConfig) {
				t.Fatalf("error %v does not wrap ErrInvalidConfig", err)
			}
			msg := err.Error()
			rest := msg
			for _, p := range tc.wantProblems {
				i := strings.Index(rest, p)
				if i < 0 {
					t.Fatalf("error %q does not name %q (after the earlier problems)", msg, p)
				}
				rest = rest[i+len(p):]
			}
			if got, want := strings.Count(msg, "; "), len(tc.wantProblems)-1; got != want {
				t.Fatalf("error %q lists %d problems, want %d", msg, got+1, want+1)
			}
		})
	}
}

func TestVerdictString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v    executor.Verdict
		want string
	}{
		{executor.Finish, "finish"},
		{executor.Redeliver, "redeliver"},
		{executor.DeadLetter, "dead-letter"},
		{executor.Verdict(3), "Verdict(3)"},
		{executor.Verdict(-1), "Verdict(-1)"},
	}
	for _, tc := range tests {
		if got := tc.v.String(); got != tc.want {
			t.Errorf("Verdict(%d).String() = %q, want %q", int(tc.v), got, tc.want)
		}
	}
}
