package telemetry

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel"
)

// With no exporter configured, spans are not recorded but still carry
// valid ids, which the logger adds to every line.
func TestNoExporterStillGivesTraceIDsToLogs(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_TRACES_EXPORTER", "")
	tel, err := Setup(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	defer tel.Shutdown(context.Background())
	ctx, span := otel.Tracer("t").Start(context.Background(), "op")
	defer span.End()
	if span.IsRecording() || !span.SpanContext().IsValid() {
		t.Fatalf("recording=%v valid=%v", span.IsRecording(), span.SpanContext().IsValid())
	}
	var buf bytes.Buffer
	NewLogger(&buf, "json", "info").InfoContext(ctx, "hello")
	if !strings.Contains(buf.String(), `"trace_id":"`+span.SpanContext().TraceID().String()) {
		t.Fatalf("log line lacks the trace id: %s", buf.String())
	}
}
