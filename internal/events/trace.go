package events

import (
	"context"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
)

// CloudEvents distributed tracing extension attribute names.
const (
	ExtTraceparent = "traceparent"
	ExtTracestate  = "tracestate"
)

// InjectTrace sets ev's traceparent/tracestate extensions from ctx, unless
// ev already carries a traceparent (the extension names the first hop).
func InjectTrace(ctx context.Context, ev *cloudevents.Event) {
	if v, ok := ev.Extensions()[ExtTraceparent]; ok && v != "" {
		return
	}
	carrier := propagation.MapCarrier{}
	otel.GetTextMapPropagator().Inject(ctx, carrier)
	if tp := carrier.Get("traceparent"); tp != "" {
		ev.SetExtension(ExtTraceparent, tp)
		if ts := carrier.Get("tracestate"); ts != "" {
			ev.SetExtension(ExtTracestate, ts)
		}
	}
}

// ExtractTrace returns ctx with the remote span context of a received
// message: from its NATS headers, or else from the event's extension.
func ExtractTrace(ctx context.Context, h nats.Header, ev *cloudevents.Event) context.Context {
	prop := otel.GetTextMapPropagator()
	if h != nil && HeaderCarrier(h).Get("traceparent") != "" {
		return prop.Extract(ctx, HeaderCarrier(h))
	}
	if ev == nil {
		return ctx
	}
	carrier := propagation.MapCarrier{}
	for _, name := range []string{ExtTraceparent, ExtTracestate} {
		if v, ok := ev.Extensions()[name]; ok {
			if s, ok := v.(string); ok {
				carrier.Set(name, s)
			}
		}
	}
	return prop.Extract(ctx, carrier)
}
