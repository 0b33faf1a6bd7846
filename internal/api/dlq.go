package api

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/api/index"
	"github.com/quell-dev/quell/internal/dlq"
	"github.com/quell-dev/quell/internal/events"
)

// ReplayRequest is the body of POST /v1/dlq/{seq}/replay.
type ReplayRequest struct {
	Reason string `json:"reason,omitempty"`
	// DryRun says what a replay would do and changes nothing.
	DryRun bool `json:"dry_run,omitempty"`
}

// Replayed is its answer.
type Replayed struct {
	Seq     uint64      `json:"seq"`
	Outcome dlq.Outcome `json:"outcome"`
	DryRun  bool        `json:"dry_run"`
	By      string      `json:"by"`
}

// stageRE matches the DLQ stages: the pipeline's, and one per notification
// route (route names are letters, digits, '-' and '_').
var stageRE = regexp.MustCompile(`^(plan|execute|notify-[A-Za-z0-9_-]+)$`)

// listDLQ pages through the DLQ stream from since or the cursor; the
// stage filter is a subject filter, so other stages are not read at all.
func (a *API) listDLQ(ctx context.Context, c call) (int, any, error) {
	v := c.r.URL.Query()
	stage := v.Get("stage")
	if stage != "" && !stageRE.MatchString(stage) {
		return 0, nil, badRequest("stage: want plan, execute or notify-<route>")
	}
	q, err := a.parseList(v)
	if err != nil {
		return 0, nil, err
	}
	if v.Get("since") == "" {
		q.since = time.Time{} // dead letters wait for someone: list them all by default
	}
	filter := "quell.dlq.>"
	if stage != "" {
		filter = events.DLQSubject(stage)
	}
	page := Page[dlq.Entry]{Items: []dlq.Entry{}}
	last, more, err := scan(ctx, c.deps.streams[events.StreamDLQ], filter, q.since, q.after, q.until,
		func(m jetstream.Msg, seq uint64) bool {
			meta, _ := m.Metadata()
			raw := &jetstream.RawStreamMsg{Subject: m.Subject(), Sequence: seq, Header: m.Headers(), Data: m.Data()}
			if meta != nil {
				raw.Time = meta.Timestamp
			}
			page.Items = append(page.Items, dlq.EntryOf(raw))
			return len(page.Items) < q.limit
		})
	if err != nil {
		return 0, nil, err
	}
	if more {
		page.NextCursor = cursor(last)
	}
	return http.StatusOK, page, nil
}

func (a *API) replay(ctx context.Context, c call) (int, any, error) {
	seq, err := strconv.ParseUint(c.r.PathValue("seq"), 10, 64)
	if err != nil || seq == 0 {
		return 0, nil, notFound("no DLQ entry " + c.r.PathValue("seq") + " (want the seq from GET /v1/dlq)")
	}
	var req ReplayRequest
	if err := decodeBody(c.r, &req); err != nil {
		return 0, nil, err
	}
	e, err := dlq.Get(ctx, a.cfg.JS, seq)
	if errors.Is(err, dlq.ErrNotFound) {
		return 0, nil, notFound("no DLQ entry " + strconv.FormatUint(seq, 10) + " (replayed already, or expired)")
	}
	if err != nil {
		return 0, nil, err
	}
	e.SetReplayedBy(who(c.token))
	out, err := dlq.Replay(ctx, a.cfg.JS, e, a.cfg.MaxReplays, req.DryRun)
	if err != nil {
		return 0, nil, err
	}
	if !req.DryRun {
		a.recordReplay(ctx, c, e, req.Reason, out)
	}
	return http.StatusOK, Replayed{Seq: seq, Outcome: out, DryRun: req.DryRun, By: who(c.token)}, nil
}

// recordReplay logs the replay with its token and, for a dead-lettered
// action, adds it to the action's decisions.
func (a *API) recordReplay(ctx context.Context, c call, e dlq.Entry, reason string, out dlq.Outcome) {
	a.cfg.Logger.InfoContext(ctx, "DLQ entry replayed", "seq", e.Seq, "outcome", out, "token", c.token.Name, "reason", reason)
	if e.Action == nil || !index.ValidID(e.Action.ID) {
		return
	}
	d := index.Decision{Op: "replay", Token: c.token.Name, Reason: strings.TrimSpace(reason), Ref: "dlq " + strconv.FormatUint(e.Seq, 10) + ": " + string(out)}
	if err := c.deps.index.Record(ctx, e.Action.ID, d); err != nil {
		a.cfg.Logger.WarnContext(ctx, "replay not recorded in the index", "action_id", e.Action.ID, "error", err)
	}
}
