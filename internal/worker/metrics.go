package worker

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"

	"github.com/quell-dev/quell/internal/telemetry"

	"github.com/quell-dev/quell/internal/actions"
)

// Metrics are the worker's instruments.
type Metrics struct {
	planned  metric.Int64Counter
	actions  metric.Int64Counter
	duration metric.Float64Histogram
	dlq      metric.Int64Counter
	guarded  metric.Int64Counter
	retries  metric.Int64Counter
}

// NewMetrics creates the instruments on m (a no-op meter when nil).
func NewMetrics(m metric.Meter) *Metrics {
	if m == nil {
		m = noop.NewMeterProvider().Meter("")
	}
	planned, _ := m.Int64Counter("quell.events.planned", metric.WithDescription("Events evaluated by the planner, by type"))
	acts, _ := m.Int64Counter("quell.actions", metric.WithDescription("Actions finished, by target, action and outcome"))
	dur, _ := m.Float64Histogram("quell.action.duration", metric.WithUnit("s"), metric.WithExplicitBucketBoundaries(telemetry.SecondsBuckets...),
		metric.WithDescription("Time from the start of an action's delivery to its outcome"))
	dlq, _ := m.Int64Counter("quell.dlq.messages", metric.WithDescription("Messages dead-lettered, by stage"))
	guarded, _ := m.Int64Counter("quell.actions.guarded",
		metric.WithDescription("Actions a safety guard stopped (protected account), by target and action"))
	retries, _ := m.Int64Counter("quell.action.retries",
		metric.WithDescription("Retries of transient target errors within a delivery, by target and action"))
	return &Metrics{planned: planned, actions: acts, duration: dur, dlq: dlq, guarded: guarded, retries: retries}
}

func (m *Metrics) eventPlanned(ctx context.Context, typ string) {
	m.planned.Add(ctx, 1, metric.WithAttributes(attribute.String("type", typ)))
}

func (m *Metrics) actionDone(ctx context.Context, a actions.Action, s actions.Status, d time.Duration) {
	attrs := metric.WithAttributes(attribute.String("target", a.Target), attribute.String("action", string(a.Kind)),
		attribute.String("outcome", string(s)))
	m.actions.Add(ctx, 1, attrs)
	m.duration.Record(ctx, d.Seconds(), attrs)
}

func (m *Metrics) guard(ctx context.Context, a actions.Action) {
	m.guarded.Add(ctx, 1, metric.WithAttributes(attribute.String("target", a.Target), attribute.String("action", string(a.Kind))))
}

// Retry counts one retry of a transient error ([executor.Config].OnRetry).
func (m *Metrics) Retry(ctx context.Context, a actions.Action) {
	m.retries.Add(ctx, 1, metric.WithAttributes(attribute.String("target", a.Target), attribute.String("action", string(a.Kind))))
}

func (m *Metrics) deadLettered(ctx context.Context, stage string) {
	m.dlq.Add(ctx, 1, metric.WithAttributes(attribute.String("stage", stage)))
}
