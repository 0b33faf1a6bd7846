package worker

import (
	"context"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// RunLoop runs the consume loop the planner and executor use, with h as
// the handler.
func RunLoop(stop, work context.Context, cons jetstream.Consumer, concurrency int, ackWait time.Duration,
	log *slog.Logger, h func(context.Context, jetstream.Msg)) error {
	return loop{name: "test", cons: cons, concurrency: concurrency, ackWait: ackWait, log: log, handle: h}.run(stop, work)
}
