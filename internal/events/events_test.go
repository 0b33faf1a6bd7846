package events_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/quelltest"
)

func TestPublishDedupesOnSourceAndID(t *testing.T) {
	n := quelltest.StartNATS(t)
	pub := events.NewPublisher(n.JS)
	ctx := context.Background()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

	alert := events.Alert{SourceKind: "generic", SourceName: "demo", Severity: 80, User: actions.UserRef{Username: "jdoe"}}
	first, err := events.New(events.SourceFor("demo"), "evt-1", events.TypeAlert, at, alert)
	if err != nil {
		t.Fatal(err)
	}
	sameIDOtherSource, err := events.New(events.SourceFor("other"), "evt-1", events.TypeAlert, at, alert)
	if err != nil {
		t.Fatal(err)
	}
	subject := events.EventSubject(events.KindAlert, "demo")
	for _, s := range []struct {
		name    string
		pubEv   func() (events.Published, error)
		wantDup bool
	}{
		{"first delivery", func() (events.Published, error) { return pub.Publish(ctx, subject, first) }, false},
		{"repeat", func() (events.Published, error) { return pub.Publish(ctx, subject, first) }, true},
		{"same id, other source", func() (events.Published, error) { return pub.Publish(ctx, subject, sameIDOtherSource) }, false},
	} {
		got, err := s.pubEv()
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got.Duplicate != s.wantDup {
			t.Errorf("%s: duplicate = %v, want %v", s.name, got.Duplicate, s.wantDup)
		}
	}
	msgs := quelltest.StreamMsgs(t, n.JS, events.StreamEvents, "quell.events.alert.>")
	if len(msgs) != 2 {
		t.Fatalf("stored %d events, want 2", len(msgs))
	}
	ev, err := events.Decode(msgs[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	got, err := events.DataAs[events.Alert](ev)
	if err != nil {
		t.Fatal(err)
	}
	if ev.ID() != "evt-1" || ev.Source() != "/quell/sources/demo" || got.User.Username != "jdoe" || got.Severity != 80 {
		t.Fatalf("round trip lost data: id=%s source=%s data=%+v", ev.ID(), ev.Source(), got)
	}
	if msgs[0].Header.Get("Nats-Msg-Id") != events.MsgID(first) {
		t.Fatalf("Nats-Msg-Id = %q", msgs[0].Header.Get("Nats-Msg-Id"))
	}
}

func TestTraceContextTravelsInHeadersAndExtension(t *testing.T) {
	n := quelltest.StartNATS(t)
	tp := sdktrace.NewTracerProvider()
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	ctx, span := tp.Tracer("test").Start(context.Background(), "ingest")
	defer span.End()

	ev, err := events.New(events.SourceFor("demo"), "evt-trace", events.TypeAlert, time.Now(), events.Alert{Severity: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := events.NewPublisher(n.JS).Publish(ctx, events.EventSubject("alert", "demo"), ev); err != nil {
		t.Fatal(err)
	}
	msgs := quelltest.StreamMsgs(t, n.JS, events.StreamEvents, "")
	if len(msgs) != 1 {
		t.Fatalf("want 1 message, got %d", len(msgs))
	}
	stored, err := events.Decode(msgs[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := stored.Extensions()[events.ExtTraceparent]; !ok {
		t.Fatal("traceparent extension missing")
	}
	for name, got := range map[string]context.Context{
		"headers":   events.ExtractTrace(context.Background(), msgs[0].Header, &stored),
		"extension": events.ExtractTrace(context.Background(), nil, &stored),
	} {
		sc := trace.SpanContextFromContext(got)
		if sc.TraceID() != span.SpanContext().TraceID() {
			t.Errorf("%s: trace id %s, want %s", name, sc.TraceID(), span.SpanContext().TraceID())
		}
	}
}

func TestSubjectsEscapeWildcards(t *testing.T) {
	cases := map[string]string{
		events.EventSubject("alert", "demo"):     "quell.events.alert.demo",
		events.ActionSubject("bi", "quarantine"): "quell.actions.bi.quarantine",
		events.EventSubject("alert", "a.b>*"):    "quell.events.alert.a_b__",
		events.DLQSubject(events.StageExecute):   "quell.dlq.execute",
	}
	for got, want := range cases {
		if got != want {
			t.Errorf("subject %q, want %q", got, want)
		}
	}
}

// Every process ensures the streams at start-up: a second run with the
// same options updates nothing (an update races, inside nats-server, with
// consumers being created on the stream), and a changed option updates
// exactly what changed.
func TestEnsureStreamsUpdatesOnlyWhatChanged(t *testing.T) {
	t.Parallel()
	n := quelltest.StartNATS(t)
	var mu sync.Mutex
	var updates []string
	sub, err := n.Conn.Subscribe("$JS.API.STREAM.UPDATE.>", func(m *nats.Msg) {
		mu.Lock()
		updates = append(updates, m.Subject)
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	ctx := context.Background()
	o := events.DefaultStreamOptions()
	if err := events.EnsureStreams(ctx, n.JS, o); err != nil {
		t.Fatal(err)
	}
	o.DLQMaxAge = 24 * time.Hour
	if err := events.EnsureStreams(ctx, n.JS, o); err != nil {
		t.Fatal(err)
	}
	_ = n.Conn.Flush()
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(updates) != 1 || updates[0] != "$JS.API.STREAM.UPDATE."+events.StreamDLQ {
		t.Fatalf("updates %v, want only %s", updates, events.StreamDLQ)
	}
}
