package app_test

import (
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/quell-dev/quell/internal/quelltest"
)

// TestOneTraceFromWebhookToTarget follows one alert: the ingest's HTTP
// span, the publish to QUELL_EVENTS, the planner, the publish to
// QUELL_ACTIONS, the executor and the call to the target must form one
// trace, each span the child of the one before. Not parallel: it installs
// the global tracer provider.
func TestOneTraceFromWebhookToTarget(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	quelltest.InstallTracer(t, sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))

	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{})
	acceptAlert(t, p, `{"user":"asmith","severity":90}`)
	p.WaitResults(t, 1, 15*time.Second)

	want := []string{"POST /v1/webhooks/{source}", "publish quell.events.alert.demo", "plan dev.quell.alert.v1",
		"publish quell.actions.bi.quarantine", "execute quarantine", "HTTP POST"}
	var chain []sdktrace.ReadOnlySpan
	quelltest.Eventually(t, 5*time.Second, "the span chain", func() bool {
		chain = findChain(rec.Ended(), want)
		return len(chain) == len(want)
	})
	for i := 1; i < len(chain); i++ {
		parent, child := chain[i-1], chain[i]
		if child.SpanContext().TraceID() != chain[0].SpanContext().TraceID() {
			t.Errorf("%q is in another trace", child.Name())
		}
		if child.Parent().SpanID() != parent.SpanContext().SpanID() {
			t.Errorf("%q is not a child of %q", child.Name(), parent.Name())
		}
	}
}

// findChain returns, for each name in order, a span with that name prefix
// whose parent is the span found for the previous name.
func findChain(spans []sdktrace.ReadOnlySpan, names []string) []sdktrace.ReadOnlySpan {
	var chain []sdktrace.ReadOnlySpan
	for i, name := range names {
		var found sdktrace.ReadOnlySpan
		for _, s := range spans {
			if !strings.HasPrefix(s.Name(), name) {
				continue
			}
			if i == 0 || s.Parent().SpanID() == chain[i-1].SpanContext().SpanID() {
				found = s
				break
			}
		}
		if found == nil {
			return chain
		}
		chain = append(chain, found)
	}
	return chain
}
