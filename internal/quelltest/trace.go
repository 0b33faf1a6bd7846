package quelltest

import (
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// InstallTracer makes tp the global tracer provider, with W3C trace
// context propagation, until the test ends; then the previous ones are
// back. Tests that call it must not run in parallel with others that trace.
func InstallTracer(t testing.TB, tp trace.TracerProvider) {
	prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	t.Cleanup(func() { otel.SetTracerProvider(prevTP); otel.SetTextMapPropagator(prevProp) })
}
