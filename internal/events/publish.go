package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Header names set on every message besides the trace context.
const (
	HeaderContentType = "Content-Type"
	HeaderType        = "ce-type"
	HeaderID          = "ce-id"
	HeaderSource      = "ce-source"
	contentType       = "application/cloudevents+json"
)

// ErrInvalidEvent is returned for an event that fails CloudEvents validation.
var ErrInvalidEvent = errors.New("invalid event")

// MsgID is the JetStream message id of ev: its (source, id) pair, the
// identity CloudEvents defines, so two senders' equal ids never collide.
func MsgID(ev cloudevents.Event) string { return ev.Source() + " " + ev.ID() }

// Publisher publishes CloudEvents to JetStream and waits for the ack.
type Publisher struct {
	js      jetstream.JetStream
	tracer  trace.Tracer
	latency metric.Float64Histogram
}

// publishBuckets are histogram boundaries in seconds for an acknowledged
// publish: from a local in-memory store to a replicated write under load.
var publishBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}

// NewPublisher returns a [Publisher] on js.
func NewPublisher(js jetstream.JetStream) *Publisher {
	lat, _ := otel.Meter("github.com/quell-dev/quell").Float64Histogram("quell.publish.duration", metric.WithUnit("s"),
		metric.WithDescription("Time from publishing an event to JetStream's acknowledgement, by stream"),
		metric.WithExplicitBucketBoundaries(publishBuckets...))
	return &Publisher{js: js, tracer: otel.Tracer("github.com/quell-dev/quell/internal/events"), latency: lat}
}

// Published is what JetStream acknowledged.
type Published struct {
	Sequence uint64
	// Duplicate is true when the stream already held this event's [MsgID].
	Duplicate bool
}

// Publish stores ev on subject and returns once JetStream has acknowledged it.
// The trace context of ctx travels in the NATS headers; the CloudEvents
// traceparent extension is set from ctx only when ev does not already carry
// one, since it names the trace of the event's first hop.
func (p *Publisher) Publish(ctx context.Context, subject string, ev cloudevents.Event) (Published, error) {
	ctx, span := p.startSpan(ctx, subject, ev)
	defer span.End()
	msg, err := Message(ctx, subject, ev)
	if err != nil {
		span.RecordError(err)
		return Published{}, err
	}
	start := time.Now()
	ack, err := p.js.PublishMsg(ctx, msg, jetstream.WithMsgID(MsgID(ev)))
	if err == nil {
		p.latency.Record(ctx, time.Since(start).Seconds(), metric.WithAttributes(attribute.String("stream", ack.Stream)))
	}
	if err != nil {
		span.RecordError(err)
		return Published{}, fmt.Errorf("publish %s %s: %w", ev.Type(), ev.ID(), err)
	}
	return Published{Sequence: ack.Sequence, Duplicate: ack.Duplicate}, nil
}

// Outgoing is one event to publish and the subject it goes to.
type Outgoing struct {
	Subject string
	Event   cloudevents.Event
}

// PublishAll stores every event and returns once JetStream has acknowledged
// them all, in the order given. The writes go out together and their acks
// are awaited together, so n events cost about one round trip, not n. On
// the first failure it returns the error; events stored before it stay
// stored and a retry of the whole batch is deduplicated.
func (p *Publisher) PublishAll(ctx context.Context, out []Outgoing) ([]Published, error) {
	if len(out) == 1 {
		pub, err := p.Publish(ctx, out[0].Subject, out[0].Event)
		return []Published{pub}, err
	}
	start := time.Now()
	futures := make([]jetstream.PubAckFuture, len(out))
	spans := make([]trace.Span, len(out))
	defer func() {
		for _, sp := range spans {
			if sp != nil {
				sp.End()
			}
		}
	}()
	for i, o := range out {
		var sctx context.Context
		sctx, spans[i] = p.startSpan(ctx, o.Subject, o.Event)
		msg, err := Message(sctx, o.Subject, o.Event)
		if err == nil {
			futures[i], err = p.js.PublishMsgAsync(msg, jetstream.WithMsgID(MsgID(o.Event)))
		}
		if err != nil {
			spans[i].RecordError(err)
			return nil, fmt.Errorf("publish %s %s: %w", o.Event.Type(), o.Event.ID(), err)
		}
	}
	res := make([]Published, len(out))
	for i, f := range futures {
		ack, err := awaitAck(ctx, f)
		if err != nil {
			spans[i].RecordError(err)
			return nil, fmt.Errorf("publish %s %s: %w", out[i].Event.Type(), out[i].Event.ID(), err)
		}
		p.latency.Record(ctx, time.Since(start).Seconds(), metric.WithAttributes(attribute.String("stream", ack.Stream)))
		res[i] = Published{Sequence: ack.Sequence, Duplicate: ack.Duplicate}
	}
	return res, nil
}

func awaitAck(ctx context.Context, f jetstream.PubAckFuture) (*jetstream.PubAck, error) {
	select {
	case ack := <-f.Ok():
		return ack, nil
	case err := <-f.Err():
		return nil, err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (p *Publisher) startSpan(ctx context.Context, subject string, ev cloudevents.Event) (context.Context, trace.Span) {
	return p.tracer.Start(ctx, "publish "+subject, trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(attribute.String("messaging.system", "nats"),
			attribute.String("messaging.destination.name", subject),
			attribute.String("cloudevents.event_id", ev.ID()),
			attribute.String("cloudevents.event_type", ev.Type())))
}

// Message encodes ev as a NATS message on subject in structured mode, with
// trace context from ctx in its headers.
func Message(ctx context.Context, subject string, ev cloudevents.Event) (*nats.Msg, error) {
	InjectTrace(ctx, &ev)
	if err := ev.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidEvent, err)
	}
	// MarshalJSON, not json.Marshal: the SDK's encoder already writes
	// compact JSON, and json.Marshal would validate and compact it all again.
	body, err := ev.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("encode event %s: %w", ev.ID(), err)
	}
	msg := nats.NewMsg(subject)
	msg.Data = body
	msg.Header.Set(HeaderContentType, contentType)
	msg.Header.Set(HeaderType, ev.Type())
	msg.Header.Set(HeaderID, ev.ID())
	msg.Header.Set(HeaderSource, ev.Source())
	otel.GetTextMapPropagator().Inject(ctx, HeaderCarrier(msg.Header))
	return msg, nil
}

// Decode parses a message published by [Message].
func Decode(data []byte) (cloudevents.Event, error) {
	ev := cloudevents.NewEvent()
	if err := json.Unmarshal(data, &ev); err != nil {
		return ev, fmt.Errorf("%w: %v", ErrInvalidEvent, err)
	}
	if err := ev.Validate(); err != nil {
		return ev, fmt.Errorf("%w: %v", ErrInvalidEvent, err)
	}
	return ev, nil
}

// HeaderCarrier adapts NATS headers to OpenTelemetry propagation. NATS
// headers are case-sensitive, so keys are used exactly as the W3C names them.
type HeaderCarrier nats.Header

// Get returns the first value of key.
func (c HeaderCarrier) Get(key string) string {
	if v := c[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Set replaces key's value.
func (c HeaderCarrier) Set(key, value string) { c[key] = []string{value} }

// Keys lists the header names.
func (c HeaderCarrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}

var _ propagation.TextMapCarrier = HeaderCarrier{}
