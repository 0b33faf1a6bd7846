package events

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// StreamOptions sizes and places the streams. The zero value is not valid;
// start from [DefaultStreamOptions].
type StreamOptions struct {
	// Replicas is 1 on one machine, 3 on a cluster.
	Replicas int
	// Memory keeps streams in memory (tests); production uses file storage.
	Memory bool
	// DuplicateWindow is how long a Nats-Msg-Id is remembered for dedupe.
	DuplicateWindow time.Duration
	// EventsMaxAge bounds how far back stored events can be replayed.
	EventsMaxAge  time.Duration
	ActionsMaxAge time.Duration
	// ResultsMaxAge is how long the audit trail of results is kept.
	ResultsMaxAge time.Duration
	DLQMaxAge     time.Duration
	// LedgerTTL is how long an action id is remembered as done.
	LedgerTTL time.Duration
	// SecretsTTL is how long an encrypted rotated secret waits to be fetched.
	SecretsTTL time.Duration
}

// DefaultStreamOptions are the one-machine defaults.
func DefaultStreamOptions() StreamOptions {
	return StreamOptions{
		Replicas:        1,
		DuplicateWindow: time.Hour,
		EventsMaxAge:    7 * 24 * time.Hour,
		ActionsMaxAge:   7 * 24 * time.Hour,
		ResultsMaxAge:   90 * 24 * time.Hour,
		DLQMaxAge:       90 * 24 * time.Hour,
		LedgerTTL:       30 * 24 * time.Hour,
		SecretsTTL:      7 * 24 * time.Hour,
	}
}

// StreamConfigs returns the configuration of the four streams.
func StreamConfigs(o StreamOptions) []jetstream.StreamConfig {
	storage := jetstream.FileStorage
	if o.Memory {
		storage = jetstream.MemoryStorage
	}
	mk := func(name, subjects, desc string, maxAge time.Duration) jetstream.StreamConfig {
		return jetstream.StreamConfig{
			Name:        name,
			Description: desc,
			Subjects:    []string{subjects},
			Retention:   jetstream.LimitsPolicy,
			Storage:     storage,
			Replicas:    o.Replicas,
			MaxAge:      maxAge,
			Duplicates:  o.DuplicateWindow,
			Discard:     jetstream.DiscardOld,
		}
	}
	return []jetstream.StreamConfig{
		mk(StreamEvents, "quell.events.>", "Normalized alerts and HR events accepted by ingest", o.EventsMaxAge),
		mk(StreamActions, "quell.actions.>", "Action requests planned by policy or sent by responders", o.ActionsMaxAge),
		mk(StreamResults, "quell.results.>", "Action outcomes: the audit trail", o.ResultsMaxAge),
		mk(StreamDLQ, "quell.dlq.>", "Messages that could not be processed, with the reason", o.DLQMaxAge),
	}
}

// StatusInterval is how often a worker refreshes its entries in [BucketStatus].
const StatusInterval = 10 * time.Second

// BucketConfigs returns the configuration of the ledger and secrets buckets.
func BucketConfigs(o StreamOptions) []jetstream.KeyValueConfig {
	storage := jetstream.FileStorage
	if o.Memory {
		storage = jetstream.MemoryStorage
	}
	return []jetstream.KeyValueConfig{{
		Bucket:      BucketLedger,
		Description: "Action ledger: one key per action id, compare-and-set before any target call",
		History:     10,
		TTL:         o.LedgerTTL,
		Storage:     storage,
		Replicas:    o.Replicas,
	}, {
		Bucket:      BucketStatus,
		Description: "Worker reports (circuit state per target), refreshed every StatusInterval",
		History:     1,
		TTL:         3 * StatusInterval,
		Storage:     storage,
		Replicas:    o.Replicas,
	}, {
		Bucket:      BucketLimits,
		Description: "Blast-radius windows: counters per time slot per target and action, and a marker per admitted action id",
		History:     1,
		// Admission markers expire with their window (per-key TTL).
		LimitMarkerTTL: time.Minute,
		Storage:        storage,
		Replicas:       o.Replicas,
	}, {
		Bucket:      BucketParked,
		Description: "Actions parked for approval, by action id",
		History:     5,
		Storage:     storage,
		Replicas:    o.Replicas,
	}, {
		Bucket:      BucketSCIM,
		Description: "SCIM directory: provisioned users by SCIM id and a userName index, compare-and-set on every change",
		History:     1,
		Storage:     storage,
		Replicas:    o.Replicas,
	}, {
		Bucket:      BucketSecrets,
		Description: "Rotated secrets, age-encrypted to their configured recipient, by action id",
		History:     1,
		TTL:         o.SecretsTTL,
		Storage:     storage,
		Replicas:    o.Replicas,
	}, {
		Bucket:      BucketIndex,
		Description: "API index: results, requests and events by action id, user, time and event id; rebuilt from the streams",
		History:     1,
		// An index entry lives as long as the result it points to.
		TTL:      o.ResultsMaxAge,
		Storage:  storage,
		Replicas: o.Replicas,
	}}
}

// EnsureStreams creates or updates the streams and the ledger bucket. It is
// idempotent and safe to call from every process at start-up.
func EnsureStreams(ctx context.Context, js jetstream.JetStream, o StreamOptions) error {
	for _, cfg := range StreamConfigs(o) {
		if s, err := js.Stream(ctx, cfg.Name); err == nil && streamUpToDate(s.CachedInfo().Config, cfg) {
			continue
		}
		if _, err := js.CreateOrUpdateStream(ctx, cfg); err != nil {
			return fmt.Errorf("ensure stream %s: %w", cfg.Name, err)
		}
	}
	for _, cfg := range BucketConfigs(o) {
		if kv, err := js.KeyValue(ctx, cfg.Bucket); err == nil && bucketUpToDate(ctx, kv, cfg) {
			continue
		}
		if _, err := js.CreateOrUpdateKeyValue(ctx, cfg); err != nil {
			return fmt.Errorf("ensure bucket %s: %w", cfg.Bucket, err)
		}
	}
	return nil
}

// streamUpToDate compares what [StreamConfigs] sets. Every process calls
// [EnsureStreams] at start-up; updating a stream that needs nothing races,
// inside nats-server, with other processes creating consumers on it.
func streamUpToDate(have, want jetstream.StreamConfig) bool {
	return slices.Equal(have.Subjects, want.Subjects) && have.Description == want.Description &&
		have.Retention == want.Retention && have.Storage == want.Storage && have.Replicas == want.Replicas &&
		have.MaxAge == want.MaxAge && have.Duplicates == want.Duplicates && have.Discard == want.Discard
}

// bucketUpToDate compares what [BucketConfigs] sets.
func bucketUpToDate(ctx context.Context, kv jetstream.KeyValue, want jetstream.KeyValueConfig) bool {
	st, err := kv.Status(ctx)
	if err != nil {
		return false
	}
	bs, ok := st.(*jetstream.KeyValueBucketStatus)
	if !ok {
		return false
	}
	have := bs.StreamInfo().Config
	history := max(want.History, 1)
	return have.Description == want.Description && have.MaxMsgsPerSubject == int64(history) &&
		have.MaxAge == want.TTL && have.Storage == want.Storage && have.Replicas == max(want.Replicas, 1) &&
		have.AllowMsgTTL == (want.LimitMarkerTTL > 0) && have.SubjectDeleteMarkerTTL == want.LimitMarkerTTL
}

// ErrNATSUnavailable means the client is not connected to NATS.
var ErrNATSUnavailable = errors.New("NATS unavailable")

// Connected fails with [ErrNATSUnavailable] unless js's connection is up.
// While it is down a JetStream call could only fail or wait for a reconnect
// (its timeout), and before the first connect a publish fails with a
// misleading "headers not supported" (the client has no server INFO yet).
func Connected(js jetstream.JetStream) error {
	if st := js.Conn().Status(); st != nats.CONNECTED {
		return fmt.Errorf("%w: connection %s", ErrNATSUnavailable, strings.ToLower(st.String()))
	}
	return nil
}

// CheckStreams reports whether every stream and the ledger bucket exist; it
// backs the ingest's and the worker's /readyz. It answers at once while
// NATS is unreachable.
func CheckStreams(ctx context.Context, js jetstream.JetStream) error {
	if err := Connected(js); err != nil {
		return err
	}
	for _, name := range []string{StreamEvents, StreamActions, StreamResults, StreamDLQ} {
		if _, err := js.Stream(ctx, name); err != nil {
			return fmt.Errorf("stream %s: %w", name, err)
		}
	}
	for _, b := range []string{BucketLedger, BucketSecrets, BucketStatus, BucketLimits, BucketParked, BucketIndex, BucketSCIM} {
		if _, err := js.KeyValue(ctx, b); err != nil {
			return fmt.Errorf("bucket %s: %w", b, err)
		}
	}
	return nil
}

// Consumer names.
const (
	ConsumerPlanner  = "planner"
	ConsumerExecutor = "executor"
)

// ConsumerOptions tune a durable pull consumer.
type ConsumerOptions struct {
	AckWait       time.Duration
	MaxDeliver    int
	MaxAckPending int
}

// PlannerConsumer is the durable consumer the planner reads events with.
func PlannerConsumer(o ConsumerOptions) jetstream.ConsumerConfig {
	return consumer(ConsumerPlanner, "quell.events.>", o)
}

// ExecutorConsumer is the durable consumer the executor reads actions with.
func ExecutorConsumer(o ConsumerOptions) jetstream.ConsumerConfig {
	return consumer(ConsumerExecutor, "quell.actions.>", o)
}

func consumer(name, filter string, o ConsumerOptions) jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:       name,
		Description:   "Quell " + name,
		FilterSubject: filter,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       o.AckWait,
		MaxDeliver:    o.MaxDeliver,
		MaxAckPending: o.MaxAckPending,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	}
}
