package worker_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/dlq"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/executor"
	"github.com/quell-dev/quell/internal/policy"
	"github.com/quell-dev/quell/internal/quelltest"
	"github.com/quell-dev/quell/internal/worker"
)

// The tests in this package that run whole workers share the bundle below:
// each (sub)test gets its own embedded NATS server with Quell's streams and a
// worker on it whose policy and executor are scripted, so that a test says
// what the planner and the executor answer and asserts what lands on the
// streams and how often the executor saw each action.

// scriptedPlanner is a [worker.Planner] that answers with PlanFunc (nothing
// planned when nil) and records every event it was asked about. PlanFunc is
// set before the worker starts and not changed after.
type scriptedPlanner struct {
	PlanFunc func(ev cloudevents.Event, now time.Time) ([]policy.RuleResult, error)

	mu    sync.Mutex
	calls []cloudevents.Event
}

func (p *scriptedPlanner) Plan(ev cloudevents.Event, now time.Time) ([]policy.RuleResult, error) {
	p.mu.Lock()
	p.calls = append(p.calls, ev)
	p.mu.Unlock()
	if p.PlanFunc == nil {
		return nil, nil
	}
	return p.PlanFunc(ev, now)
}

// Calls returns the events Plan was called with, in order.
func (p *scriptedPlanner) Calls() []cloudevents.Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]cloudevents.Event(nil), p.calls...)
}

// executeCall is one call of a scriptedExecutor.
type executeCall struct {
	Action   actions.Action
	Delivery executor.Delivery
	// Start and End are when Execute was entered and returned.
	Start, End time.Time
	Decision   executor.Decision
	// CtxErr is the context's error when Execute returned.
	CtxErr error
}

// scriptedExecutor is a [worker.Executor] that answers with ExecuteFunc
// (finish, see finished, when nil) and records every call once it returns.
// Started counts calls as they begin. ExecuteFunc is set before the worker
// starts and not changed after.
type scriptedExecutor struct {
	ExecuteFunc func(ctx context.Context, a actions.Action, d executor.Delivery) executor.Decision

	mu      sync.Mutex
	started []actions.Action
	calls   []executeCall
}

func (e *scriptedExecutor) Execute(ctx context.Context, a actions.Action, d executor.Delivery) executor.Decision {
	c := executeCall{Action: a, Delivery: d, Start: time.Now()}
	e.mu.Lock()
	e.started = append(e.started, a)
	e.mu.Unlock()
	if e.ExecuteFunc == nil {
		c.Decision = finished(a, d)
	} else {
		c.Decision = e.ExecuteFunc(ctx, a, d)
	}
	c.End, c.CtxErr = time.Now(), ctx.Err()
	e.mu.Lock()
	e.calls = append(e.calls, c)
	e.mu.Unlock()
	return c.Decision
}

// Calls returns the calls that have returned, in order.
func (e *scriptedExecutor) Calls() []executeCall {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]executeCall(nil), e.calls...)
}

// Started returns how many calls have begun.
func (e *scriptedExecutor) Started() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.started)
}

// CallsFor returns the returned calls for action id.
func (e *scriptedExecutor) CallsFor(id string) []executeCall {
	var out []executeCall
	for _, c := range e.Calls() {
		if c.Action.ID == id {
			out = append(out, c)
		}
	}
	return out
}

// executorOwner is the lease owner the scripted executor writes into its
// results; the worker's own ID differs, to show the worker publishes the
// executor's result as it is.
const (
	executorOwner = "scripted-executor"
	workerID      = "worker-under-test"
)

// testTime is the scripted results' clock: fixed, whole seconds, UTC, so a
// result survives the JSON round trip unchanged.
var testTime = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// finished is what executor.Executor answers for an action that completed:
// a Finish with the delivery copied into the result.
func finished(a actions.Action, d executor.Delivery) executor.Decision {
	return executor.Decision{Verdict: executor.Finish, Result: actions.Result{
		Action: a, Status: actions.StatusCompleted, Reason: "done by the script", Attempts: 1,
		Outcome:    actions.Outcome{Status: actions.StatusCompleted, Reason: "done by the script"},
		Deliveries: d.Num, Replays: d.Replays, Worker: executorOwner,
		StartedAt: testTime, FinishedAt: testTime.Add(1500 * time.Millisecond),
	}}
}

// testBundle is one test's NATS, scripted planner and executor, and the
// configuration its workers run with.
type testBundle struct {
	nats     *quelltest.NATS
	js       jetstream.JetStream
	planner  *scriptedPlanner
	exec     *scriptedExecutor
	cfg      worker.Config
	metrics  *sdkmetric.ManualReader
	logs     *quelltest.SyncBuffer
	worker   *runningWorker
	terminal *advisories
}

// setup starts an embedded NATS server with Quell's streams and a worker
// with a scripted planner and executor on it, and stops both when the test
// ends. edit, if not nil, adjusts the bundle (scripts, configuration)
// before the worker starts.
func setup(t *testing.T, edit func(*testBundle)) *testBundle {
	t.Helper()
	n := quelltest.StartNATS(t)
	// StartNATS has created the streams already; EnsureStreams is
	// idempotent, and called here as every Quell process calls it.
	if err := events.EnsureStreams(t.Context(), n.JS, events.DefaultStreamOptions()); err != nil {
		t.Fatal(err)
	}
	b := &testBundle{
		nats: n, js: n.JS, planner: &scriptedPlanner{}, exec: &scriptedExecutor{},
		metrics: sdkmetric.NewManualReader(), logs: &quelltest.SyncBuffer{},
	}
	b.terminal = watchTerminated(t, n.Conn)
	b.cfg = worker.Config{
		NC: n.Conn, JS: n.JS, Policy: b.planner, Executor: b.exec,
		Concurrency: 2, MaxDeliveries: 10,
		// Short, so that a message left unsettled would come back within a
		// test; the hand-back tests set it long.
		AckWait: 1500 * time.Millisecond,
		Drain:   2 * time.Second,
		Logger:  slog.New(slog.NewTextHandler(b.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Metrics: worker.NewMetrics(sdkmetric.NewMeterProvider(sdkmetric.WithReader(b.metrics)).Meter("test")),
		ID:      workerID,
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("worker logs:\n%s", b.logs.String())
		}
	})
	if edit != nil {
		edit(b)
	}
	b.worker = b.start(t, b.cfg)
	return b
}

// runningWorker is a worker started with Run in a goroutine.
type runningWorker struct {
	cancel   context.CancelFunc
	done     chan struct{}
	err      error
	returned time.Time
}

// start runs a worker with cfg until stop is called or the test ends, and
// returns once its consumers exist.
func (b *testBundle) start(t *testing.T, cfg worker.Config) *runningWorker {
	t.Helper()
	ready := make(chan struct{})
	cfg.Ready = func() { close(ready) }
	w, err := worker.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &runningWorker{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.err = w.Run(ctx)
		r.returned = time.Now()
	}()
	t.Cleanup(func() {
		if err := r.stop(30 * time.Second); err != nil {
			t.Errorf("worker: %v", err)
		}
	})
	select {
	case <-ready:
	case <-r.done:
		t.Fatalf("worker stopped before it was ready: %v", r.err)
	case <-time.After(15 * time.Second):
		t.Fatal("worker not ready after 15s")
	}
	return r
}

// stop cancels Run's context and waits up to timeout for Run to return; it
// returns Run's error. It may be called more than once.
func (r *runningWorker) stop(timeout time.Duration) error {
	r.cancel()
	select {
	case <-r.done:
		return r.err
	case <-time.After(timeout):
		return fmt.Errorf("Run did not return within %s of its context's end", timeout)
	}
}

// advisories records JetStream's MSG_TERMINATED advisories: a message the
// worker terminated, and why.
type advisories struct {
	mu   sync.Mutex
	list []terminatedAdvisory
}

type terminatedAdvisory struct {
	Stream     string `json:"stream"`
	Consumer   string `json:"consumer"`
	StreamSeq  uint64 `json:"stream_seq"`
	Deliveries uint64 `json:"deliveries"`
	Reason     string `json:"reason"`
}

func watchTerminated(t *testing.T, nc *nats.Conn) *advisories {
	t.Helper()
	a := &advisories{}
	sub, err := nc.Subscribe("$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.>", func(m *nats.Msg) {
		var adv terminatedAdvisory
		if json.Unmarshal(m.Data, &adv) == nil {
			a.mu.Lock()
			a.list = append(a.list, adv)
			a.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	return a
}

// of returns the advisories about consumer.
func (a *advisories) of(consumer string) []terminatedAdvisory {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []terminatedAdvisory
	for _, adv := range a.list {
		if adv.Consumer == consumer {
			out = append(out, adv)
		}
	}
	return out
}

// newAction returns a valid action on target "bi" for user, with the
// deterministic id the policy would give it.
func newAction(cause, rule, user string) actions.Action {
	a := actions.Action{
		Kind: actions.Quarantine, Target: "bi", User: actions.UserRef{Username: user},
		Reason: "scripted", RequestedBy: "policy", Cause: cause, Rule: rule, RequestedAt: testTime,
	}
	a.AssignID(cause)
	return a
}

// newEvent returns an alert CloudEvent with id.
func newEvent(t *testing.T, id string) cloudevents.Event {
	t.Helper()
	ev, err := events.New(events.SourceFor("test"), id, events.TypeAlert, testTime,
		events.Alert{SourceKind: "generic", SourceName: "test", Severity: 90, User: actions.UserRef{Username: "jdoe"}})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// eventSubject is where the tests publish events.
var eventSubject = events.EventSubject(events.KindAlert, "test")

// publishEvent stores ev on the events stream as ingest does, and returns
// its stream sequence. With raw, it is stored without a Nats-Msg-Id, so
// the same event can be stored twice.
func (b *testBundle) publishEvent(t *testing.T, ev cloudevents.Event, raw bool) uint64 {
	t.Helper()
	msg, err := events.Message(t.Context(), eventSubject, ev)
	if err != nil {
		t.Fatal(err)
	}
	var opts []jetstream.PublishOpt
	if !raw {
		opts = append(opts, jetstream.WithMsgID(events.MsgID(ev)))
	}
	ack, err := b.js.PublishMsg(t.Context(), msg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return ack.Sequence
}

// requestAction publishes the action request of a, as the planner and the
// responder API do, with header added to the message; it returns the stream
// sequence.
func (b *testBundle) requestAction(t *testing.T, a actions.Action, header nats.Header) uint64 {
	t.Helper()
	ev, err := events.NewActionRequested(events.SourceResponder, a)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := events.Message(t.Context(), events.ActionSubject(a.Target, string(a.Kind)), ev)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		msg.Header[k] = v
	}
	ack, err := b.js.PublishMsg(t.Context(), msg, jetstream.WithMsgID(events.MsgID(ev)))
	if err != nil {
		t.Fatal(err)
	}
	return ack.Sequence
}

// publishRaw stores data as it is on subject.
func (b *testBundle) publishRaw(t *testing.T, subject string, data []byte) uint64 {
	t.Helper()
	ack, err := b.js.Publish(t.Context(), subject, data)
	if err != nil {
		t.Fatal(err)
	}
	return ack.Sequence
}

// storedEvent is a CloudEvent read back from a stream.
type storedEvent struct {
	Subject string
	Event   cloudevents.Event
}

// streamEvents decodes every message on stream.
func (b *testBundle) streamEvents(t *testing.T, stream string) []storedEvent {
	t.Helper()
	var out []storedEvent
	for _, m := range quelltest.StreamMsgs(t, b.js, stream, "") {
		ev, err := events.Decode(m.Data)
		if err != nil {
			t.Fatalf("%s seq %d: %v", stream, m.Sequence, err)
		}
		out = append(out, storedEvent{Subject: m.Subject, Event: ev})
	}
	return out
}

// streamCount is how many messages stream holds.
func (b *testBundle) streamCount(t *testing.T, stream string) uint64 {
	t.Helper()
	s, err := b.js.Stream(t.Context(), stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// dlqEntries lists the DLQ.
func (b *testBundle) dlqEntries(t *testing.T) []dlq.Entry {
	t.Helper()
	entries, err := dlq.List(t.Context(), b.js, dlq.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

// waitDLQ waits for n DLQ entries and returns them.
func (b *testBundle) waitDLQ(t *testing.T, n int) []dlq.Entry {
	t.Helper()
	var entries []dlq.Entry
	quelltest.Eventually(t, 10*time.Second, fmt.Sprintf("%d DLQ entries", n), func() bool {
		entries = b.dlqEntries(t)
		return len(entries) >= n
	})
	if len(entries) != n {
		t.Fatalf("%d DLQ entries, want %d: %+v", len(entries), n, entries)
	}
	return entries
}

// waitResults waits for n results on the results stream and returns them.
func (b *testBundle) waitResults(t *testing.T, n int) []storedEvent {
	t.Helper()
	quelltest.Eventually(t, 10*time.Second, fmt.Sprintf("%d results", n), func() bool {
		return b.streamCount(t, events.StreamResults) >= uint64(n)
	})
	res := b.streamEvents(t, events.StreamResults)
	if len(res) != n {
		t.Fatalf("%d results, want %d", len(res), n)
	}
	return res
}

// consumerInfo reads a consumer's state.
func (b *testBundle) consumerInfo(t *testing.T, stream, consumer string) *jetstream.ConsumerInfo {
	t.Helper()
	c, err := b.js.Consumer(t.Context(), stream, consumer)
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// waitSettled waits until the consumer has nothing pending or unacknowledged:
// every message it delivered was acked or terminated.
func (b *testBundle) waitSettled(t *testing.T, stream, consumer string) *jetstream.ConsumerInfo {
	t.Helper()
	var info *jetstream.ConsumerInfo
	quelltest.Eventually(t, 10*time.Second, consumer+" settled", func() bool {
		info = b.consumerInfo(t, stream, consumer)
		return info.NumPending == 0 && info.NumAckPending == 0 && info.NumRedelivered == 0 &&
			info.Delivered.Stream > 0 && info.AckFloor.Stream == info.Delivered.Stream
	})
	return info
}

// counter sums the data points of the Int64 counter name whose attributes
// include attrs.
func (b *testBundle) counter(t *testing.T, name string, attrs ...attribute.KeyValue) int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := b.metrics.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			sum, ok := m.Data.(metricdata.Sum[int64])
			if m.Name != name || !ok {
				continue
			}
		points:
			for _, dp := range sum.DataPoints {
				for _, kv := range attrs {
					if v, ok := dp.Attributes.Value(kv.Key); !ok || v != kv.Value {
						continue points
					}
				}
				total += dp.Value
			}
		}
	}
	return total
}

// consistently fails the test if cond stops holding within d.
func consistently(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if !cond() {
			t.Fatalf("%s stopped holding", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sameJSON reports whether a and b encode to the same JSON value.
func sameJSON(t *testing.T, a, b any) bool {
	t.Helper()
	return actions.CanonicalJSON(a) == actions.CanonicalJSON(b)
}

// errScripted is the error scripted failures return.
var errScripted = errors.New("scripted failure")
