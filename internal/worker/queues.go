package worker

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/quell-dev/quell/internal/events"
)

// ObserveQueues exports what waits: the DLQ's size, each consumer's
// backlog (not yet delivered) and the actions parked for approval. They
// are read from JetStream when /metrics is scraped.
func ObserveQueues(m metric.Meter, js jetstream.JetStream) error {
	dlqSize, err := m.Int64ObservableGauge("quell.dlq.size", metric.WithDescription("Messages in QUELL_DLQ"))
	if err != nil {
		return err
	}
	pending, err := m.Int64ObservableGauge("quell.consumer.pending",
		metric.WithDescription("Messages a consumer has not been delivered yet (its lag), by consumer"))
	if err != nil {
		return err
	}
	parked, err := m.Int64ObservableGauge("quell.parked.actions", metric.WithDescription("Actions parked for approval"))
	if err != nil {
		return err
	}
	_, err = m.RegisterCallback(func(ctx context.Context, o metric.Observer) error {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		if s, err := js.Stream(ctx, events.StreamDLQ); err == nil {
			if info, err := s.Info(ctx); err == nil {
				o.ObserveInt64(dlqSize, int64(info.State.Msgs))
			}
		}
		for stream, name := range map[string]string{events.StreamEvents: events.ConsumerPlanner, events.StreamActions: events.ConsumerExecutor} {
			if c, err := js.Consumer(ctx, stream, name); err == nil {
				if info, err := c.Info(ctx); err == nil {
					o.ObserveInt64(pending, int64(info.NumPending), metric.WithAttributes(attribute.String("consumer", name)))
				}
			}
		}
		if kv, err := js.KeyValue(ctx, events.BucketParked); err == nil {
			if st, err := kv.Status(ctx); err == nil {
				o.ObserveInt64(parked, int64(st.Values()))
			}
		}
		return nil
	}, dlqSize, pending, parked)
	return err
}
