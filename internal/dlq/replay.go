package dlq

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/events"
)

// Outcome says what [Replay] did with one entry.
type Outcome string

// [Replay] outcomes.
const (
	Replayed    Outcome = "replayed"     // back on its original subject
	WouldReplay Outcome = "would replay" // dry run
	LoopGuard   Outcome = "loop guard"   // replayed too often: back to the DLQ with that reason
	// AlreadyReplayed: another run, concurrent or interrupted, did the
	// republish (or the loop guard's write) first; JetStream dropped this
	// run's copy as a duplicate, so this run must not claim it.
	AlreadyReplayed Outcome = "already replayed"
)

// Replay puts e's original message back on its original subject, counting
// the replay in its headers, and removes e from the DLQ. The publish uses a
// message id derived from e, so a replay interrupted between the publish
// and the removal, and run again, is deduplicated: replays are resumable.
// An entry replayed maxReplays times already goes back to the DLQ instead,
// so a message that fails every time cannot loop forever. Of concurrent
// runs replaying the same entry, only the one whose publish JetStream
// stored reports [Replayed] (or [LoopGuard]); the others report [AlreadyReplayed].
func Replay(ctx context.Context, js jetstream.JetStream, e Entry, maxReplays int, dryRun bool) (Outcome, error) {
	if e.Subject == "" {
		return "", fmt.Errorf("DLQ entry %d has no original subject", e.Seq)
	}
	if e.Replays >= maxReplays {
		if dryRun {
			return LoopGuard, nil
		}
		reason := fmt.Sprintf("replayed %d times and failed again; not replayed automatically any more (last reason: %s)", e.Replays, e.Reason)
		origSeq, _ := strconv.ParseUint(e.raw.Header.Get(HeaderStreamSeq), 10, 64)
		orig := &jetstream.RawStreamMsg{Subject: e.Subject, Sequence: origSeq, Header: e.raw.Header, Data: e.raw.Data}
		// Its own message id: the entry is removed right after, so the
		// write must never be taken for a duplicate of another entry.
		ack, err := write(ctx, js, e.Stage, orig, uint64(e.Deliveries), actions.ClassPermanent, reason,
			fmt.Sprintf("loop guard for dlq %d", e.Seq))
		if err != nil {
			return "", err
		}
		return outcomeOf(ack, LoopGuard), remove(ctx, js, e.Seq)
	}
	if dryRun {
		return WouldReplay, nil
	}
	msg := nats.NewMsg(e.Subject)
	msg.Data = e.raw.Data
	for k, v := range e.raw.Header {
		switch k {
		case HeaderReason, HeaderStage, HeaderClass, HeaderSubject, HeaderStreamSeq, HeaderDeliveries, "Nats-Msg-Id":
		default:
			msg.Header[k] = v
		}
	}
	msg.Header.Set(HeaderReplays, strconv.Itoa(e.Replays+1))
	ack, err := js.PublishMsg(ctx, msg, jetstream.WithMsgID(fmt.Sprintf("replay %d of dlq %d", e.Replays+1, e.Seq)))
	if err != nil {
		return "", fmt.Errorf("replay DLQ entry %d: %w", e.Seq, err)
	}
	return outcomeOf(ack, Replayed), remove(ctx, js, e.Seq)
}

// outcomeOf is done, unless JetStream recognised the publish as a
// duplicate: then another run's copy is the one that was stored.
func outcomeOf(ack *jetstream.PubAck, done Outcome) Outcome {
	if ack.Duplicate {
		return AlreadyReplayed
	}
	return done
}

func remove(ctx context.Context, js jetstream.JetStream, seq uint64) error {
	s, err := js.Stream(ctx, events.StreamDLQ)
	if err != nil {
		return err
	}
	err = s.DeleteMsg(ctx, seq)
	if err != nil {
		// The server answers a generic error for a message already gone;
		// gone is what we wanted (an earlier run of the same replay).
		if _, gerr := s.GetMsg(ctx, seq); errors.Is(gerr, jetstream.ErrMsgNotFound) {
			return nil
		}
		return fmt.Errorf("remove DLQ entry %d after replaying it: %w", seq, err)
	}
	return nil
}
