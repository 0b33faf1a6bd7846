package ingest

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"

	"github.com/quell-dev/quell/internal/telemetry"
)

// Metrics are the ingest's instruments.
type Metrics struct {
	requests metric.Int64Counter
	latency  metric.Float64Histogram
}

// NewMetrics creates the instruments on m (a no-op meter when nil).
func NewMetrics(m metric.Meter) *Metrics {
	if m == nil {
		m = noop.NewMeterProvider().Meter("")
	}
	req, _ := m.Int64Counter("quell.ingest.requests", metric.WithDescription("Ingest requests by source and outcome"))
	lat, _ := m.Float64Histogram("quell.ingest.duration", metric.WithUnit("s"), metric.WithExplicitBucketBoundaries(telemetry.SecondsBuckets...),
		metric.WithDescription("Time to accept or reject a request, including the JetStream publish"))
	return &Metrics{requests: req, latency: lat}
}

func (m *Metrics) request(ctx context.Context, source, outcome string, d time.Duration) {
	attrs := metric.WithAttributes(attribute.String("source", source), attribute.String("outcome", outcome))
	m.requests.Add(ctx, 1, attrs)
	m.latency.Record(ctx, d.Seconds(), attrs)
}
