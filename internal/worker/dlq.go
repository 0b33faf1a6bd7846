package worker

import (
	"github.com/nats-io/nats.go/jetstream"
)

// rawOf describes a consumed message as the stream holds it.
func rawOf(msg jetstream.Msg) (*jetstream.RawStreamMsg, uint64) {
	raw := &jetstream.RawStreamMsg{Subject: msg.Subject(), Header: msg.Headers(), Data: msg.Data()}
	var deliveries uint64
	if md, err := msg.Metadata(); err == nil {
		raw.Sequence = md.Sequence.Stream
		deliveries = md.NumDelivered
	}
	return raw, deliveries
}
