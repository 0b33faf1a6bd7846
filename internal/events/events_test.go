package events_test

import (
	"context"
	"testing"
	"time"

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
