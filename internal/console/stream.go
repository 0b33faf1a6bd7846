package console

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/events"
)

// keepAlive is how often an idle stream sends a comment, so proxies do
// not close it and a dead client is noticed.
const keepAlive = 15 * time.Second

// update is one result as the page's script gets it.
type update struct {
	ID         string    `json:"id"`
	State      string    `json:"state"`
	Action     string    `json:"action"`
	Target     string    `json:"target"`
	User       string    `json:"user"`
	Reason     string    `json:"reason,omitempty"`
	FinishedAt time.Time `json:"finished_at"`
}

// stream sends each result stored from now on as a Server-Sent Event, so
// pages update while actions complete. Each stream reads the results
// stream through its own ordered consumer (ephemeral, flow-controlled,
// gone with the connection); a console has a handful of viewers, not
// thousands. It ends when the client goes or the server stops.
func (c *Console) stream(ctx context.Context, q *req) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(c.cfg.Stop, cancel)()
	cons, err := c.cfg.JS.OrderedConsumer(ctx, events.StreamResults, startAt(q.r))
	if err != nil {
		return fmt.Errorf("results consumer: %w", err)
	}
	msgs := make(chan jetstream.Msg, 64)
	cc, err := cons.Consume(func(m jetstream.Msg) {
		select {
		case msgs <- m:
		case <-ctx.Done():
		}
	})
	if err != nil {
		return fmt.Errorf("consume results: %w", err)
	}
	defer cc.Stop()
	rc := http.NewResponseController(q.w)
	// The server's write timeout is for requests, not for a stream that
	// lasts as long as the page is open.
	_ = rc.SetWriteDeadline(time.Time{})
	q.w.Header().Set("Content-Type", "text/event-stream")
	q.w.WriteHeader(http.StatusOK)
	_, _ = fmt.Fprint(q.w, ": live\n\n")
	if err := rc.Flush(); err != nil {
		return nil // the client went away
	}
	return c.pump(ctx, q.w, rc, msgs)
}

func (c *Console) pump(ctx context.Context, w http.ResponseWriter, rc *http.ResponseController, msgs <-chan jetstream.Msg) error {
	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	for {
		var frame string
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			frame = ": keep-alive\n\n"
		case m := <-msgs:
			u, ok := updateOf(m.Data())
			if !ok {
				continue
			}
			b, _ := json.Marshal(u)
			frame = "event: result\nid: " + seqOf(m) + "\ndata: " + string(b) + "\n\n"
		}
		if _, err := fmt.Fprint(w, frame); err != nil {
			return nil
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
	}
}

func seqOf(m jetstream.Msg) string {
	meta, err := m.Metadata()
	if err != nil {
		return ""
	}
	return strconv.FormatUint(meta.Sequence.Stream, 10)
}

// startAt starts the stream after the browser's last event (a reconnect
// sends Last-Event-ID) or after the page's snapshot (?since=), else now.
func startAt(r *http.Request) jetstream.OrderedConsumerConfig {
	for _, s := range []string{r.Header.Get("Last-Event-ID"), r.URL.Query().Get("since")} {
		if seq, err := strconv.ParseUint(s, 10, 64); err == nil {
			return jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: seq + 1}
		}
	}
	return jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverNewPolicy}
}

// updateOf decodes a stored result; a message that is not one is skipped.
func updateOf(data []byte) (update, bool) {
	ev, err := events.Decode(data)
	if err != nil {
		return update{}, false
	}
	r, err := events.DataAs[events.ActionResult](ev)
	if err != nil {
		return update{}, false
	}
	state := string(r.Status)
	if r.Status == actions.StatusSkipped && r.Guard == actions.GuardParked {
		state = "parked"
	}
	return update{ID: r.Action.ID, State: state, Action: string(r.Action.Kind), Target: r.Action.Target,
		User: r.Action.User.String(), Reason: r.Reason, FinishedAt: r.FinishedAt}, true
}
