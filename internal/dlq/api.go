package dlq

import (
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// HeaderReplayedBy names who asked for a replay (the HTTP API's token); it
// travels with the replayed message, so the trail shows who sent it back.
const HeaderReplayedBy = "Quell-Dlq-Replayed-By"

// EntryOf reads a message of the DLQ stream as an [Entry], for readers that
// page through the stream with a consumer instead of [List].
func EntryOf(m *jetstream.RawStreamMsg) Entry { return entryOf(m) }

// SetReplayedBy records who asks for e's replay; [Replay] carries the header
// onto the republished message.
func (e *Entry) SetReplayedBy(who string) {
	if e.raw == nil {
		return
	}
	if e.raw.Header == nil {
		e.raw.Header = nats.Header{}
	}
	e.raw.Header.Set(HeaderReplayedBy, who)
}
