package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/events"
)

// Paging limits of the list endpoints.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
	// maxScan bounds the messages one page may read when filters reject
	// most of them: the page then ends early with a cursor to go on.
	maxScan = 5000
	// defaultSince is how far back a list without since or cursor looks.
	defaultSince = 24 * time.Hour
	// storeSlack is how long after finishing a result may be stored (a
	// worker retrying the publish) and still be found by until.
	storeSlack = time.Minute
)

// ResultRow is one outcome in GET /v1/actions.
type ResultRow struct {
	ActionID    string          `json:"action_id"`
	Action      actions.Kind    `json:"action"`
	Target      string          `json:"target"`
	User        actions.UserRef `json:"user"`
	Status      actions.Status  `json:"status"`
	Guard       string          `json:"guard,omitempty"`
	Reason      string          `json:"reason,omitempty"`
	Rule        string          `json:"rule,omitempty"`
	Cause       string          `json:"cause,omitempty"`
	RequestedBy string          `json:"requested_by,omitempty"`
	ApprovedBy  string          `json:"approved_by,omitempty"`
	DryRun      bool            `json:"dry_run,omitempty"`
	FinishedAt  time.Time       `json:"finished_at"`
	// Seq is the result's position in the results stream.
	Seq uint64 `json:"seq"`
}

func rowOf(r events.ActionResult, seq uint64) ResultRow {
	a := r.Action
	return ResultRow{ActionID: a.ID, Action: a.Kind, Target: a.Target, User: a.User, Status: r.Status, Guard: r.Guard,
		Reason: r.Reason, Rule: a.Rule, Cause: a.Cause, RequestedBy: a.RequestedBy, ApprovedBy: a.ApprovedBy,
		DryRun: a.DryRun, FinishedAt: r.FinishedAt, Seq: seq}
}

// Page is a list response. NextCursor, when set, continues the listing.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// listQuery is GET /v1/actions's parameters.
type listQuery struct {
	user, target, status, rule string
	since, until               time.Time
	limit                      int
	// after is the last results stream sequence already returned.
	after uint64
}

func (q listQuery) match(r events.ActionResult) bool {
	return (q.target == "" || r.Action.Target == q.target) && (q.status == "" || string(r.Status) == q.status) &&
		(q.rule == "" || r.Action.Rule == q.rule) && !r.FinishedAt.Before(q.since) && (q.until.IsZero() || r.FinishedAt.Before(q.until))
}

func (a *API) listActions(ctx context.Context, c call) (int, any, error) {
	q, err := a.parseList(c.r.URL.Query())
	if err != nil {
		return 0, nil, err
	}
	var page Page[ResultRow]
	if q.user != "" {
		page, err = a.listByUser(ctx, c.deps, q)
	} else {
		page, err = a.listByTime(ctx, c.deps, q)
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, page, nil
}

func (a *API) parseList(v url.Values) (listQuery, error) {
	q := listQuery{user: v.Get("user"), target: v.Get("target"), status: v.Get("status"), rule: v.Get("rule")}
	var problems []string
	if q.status != "" && q.status != string(actions.StatusCompleted) && q.status != string(actions.StatusFailed) && q.status != string(actions.StatusSkipped) {
		problems = append(problems, "status: want completed, failed or skipped")
	}
	if q.target != "" && !events.ValidToken(q.target) {
		problems = append(problems, "target: not a target name")
	}
	var err error
	now := a.cfg.Now()
	if q.since, err = parseTime(v.Get("since"), now); err != nil {
		problems = append(problems, "since: "+err.Error())
	}
	if q.until, err = parseTime(v.Get("until"), now); err != nil {
		problems = append(problems, "until: "+err.Error())
	}
	if q.limit, err = parseLimit(v.Get("limit")); err != nil {
		problems = append(problems, "limit: "+err.Error())
	}
	if q.after, err = parseCursor(v.Get("cursor")); err != nil {
		problems = append(problems, "cursor: "+err.Error())
	}
	if len(problems) > 0 {
		return q, badRequest(strings.Join(problems, "; "))
	}
	if q.since.IsZero() && q.after == 0 {
		q.since = now.Add(-defaultSince)
	}
	return q, nil
}

// parseTime reads RFC 3339, or a duration meaning that long ago ("1h").
func parseTime(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return t, fmt.Errorf("%q: want RFC 3339 (2025-01-31T12:00:00Z) or a duration ago (24h)", s)
	}
	return t, nil
}

func parseLimit(s string) (int, error) {
	if s == "" {
		return DefaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxLimit {
		return 0, fmt.Errorf("%q: want 1 to %d", s, MaxLimit)
	}
	return n, nil
}

// Cursors are opaque to clients; inside they are the last stream sequence
// returned, so a page never re-reads what came before.
func parseCursor(s string) (uint64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(strings.TrimPrefix(s, "c"), 10, 64)
	if err != nil || !strings.HasPrefix(s, "c") || n == 0 {
		return 0, errors.New("not a cursor from a previous page")
	}
	return n, nil
}

func cursor(seq uint64) string { return "c" + strconv.FormatUint(seq, 10) }

// listByUser pages through the user's index keys: no stream is scanned.
func (a *API) listByUser(ctx context.Context, d *deps, q listQuery) (Page[ResultRow], error) {
	hits, err := d.index.ByUser(ctx, q.user, q.since, q.until)
	if err != nil {
		return Page[ResultRow]{}, err
	}
	page := Page[ResultRow]{Items: []ResultRow{}}
	for i, h := range hits {
		if h.Seq <= q.after {
			continue
		}
		if len(page.Items) == q.limit {
			page.NextCursor = cursor(hits[i-1].Seq)
			break
		}
		r, err := readResult(ctx, d, h.Seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue // aged out
		}
		if err != nil {
			return page, err
		}
		if q.match(r) {
			page.Items = append(page.Items, rowOf(r, h.Seq))
		}
	}
	return page, nil
}

// listByTime reads the results stream from since (or the cursor), through
// a subject filter when a target is given, for at most one page: the
// stream's size does not matter, only the page's.
func (a *API) listByTime(ctx context.Context, d *deps, q listQuery) (Page[ResultRow], error) {
	filter := "quell.results.>"
	if q.target != "" {
		filter = "quell.results." + q.target + ".*" // target is a validated token
	}
	// since and until are about finished_at; a result is stored just after
	// it finished, so its stream time bounds the scan (with some slack).
	stop := q.until
	if !stop.IsZero() {
		stop = stop.Add(storeSlack)
	}
	page := Page[ResultRow]{Items: []ResultRow{}}
	last, more, err := scan(ctx, d.streams[events.StreamResults], filter, q.since, q.after, stop,
		func(m jetstream.Msg, seq uint64) bool {
			if r, err := decode[events.ActionResult](m.Data()); err == nil && q.match(r) {
				page.Items = append(page.Items, rowOf(r, seq))
			}
			return len(page.Items) < q.limit
		})
	if err != nil {
		return page, err
	}
	if more {
		page.NextCursor = cursor(last)
	}
	return page, nil
}

// scan reads stream messages on filter from since, or after the sequence
// after, calling each until it returns false, maxScan messages were read,
// a message is at or past until, or nothing is left. It returns the last
// sequence read and whether more messages may follow.
func scan(ctx context.Context, s jetstream.Stream, filter string, since time.Time, after uint64, until time.Time,
	each func(jetstream.Msg, uint64) bool) (uint64, bool, error) {
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}, DeliverPolicy: jetstream.DeliverAllPolicy}
	switch {
	case after > 0:
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, after+1
	case !since.IsZero():
		cfg.DeliverPolicy, cfg.OptStartTime = jetstream.DeliverByStartTimePolicy, &since
	}
	cons, err := s.OrderedConsumer(ctx, cfg)
	if err != nil {
		return 0, false, fmt.Errorf("read %s: %w", filter, err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return 0, false, fmt.Errorf("read %s: %w", filter, err)
	}
	pending, last, read := info.NumPending, after, 0
	for pending > 0 && read < maxScan {
		batch, err := cons.Fetch(int(min(pending, 256, uint64(maxScan-read))), jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return last, true, fmt.Errorf("read %s: %w", filter, err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			meta, err := m.Metadata()
			if err != nil {
				continue
			}
			if !until.IsZero() && !meta.Timestamp.Before(until) {
				return last, false, nil
			}
			last, pending = meta.Sequence.Stream, meta.NumPending
			read++
			if !each(m, last) {
				return last, pending > 0, nil
			}
		}
		if n == 0 {
			break
		}
	}
	return last, pending > 0, nil
}
