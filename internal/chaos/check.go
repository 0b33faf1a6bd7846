package chaos

import (
	"fmt"
	"sort"
	"strings"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/events"
)

// Row is one scenario's table.
type Row struct {
	Scenario   string
	Sent       int // requests sent (alerts, HR updates, manual actions)
	Alerts     int
	Accepted   int // answered 2xx (202)
	Retried    int // needed more than one attempt
	Refused    int // answers that were not 2xx (503, no answer), each retried
	Stored     int // accepted requests found stored (events, or manual actions)
	Planned    int
	Final      int // planned actions with exactly one final result
	Completed  int
	Skipped    int
	Failed     int
	Effects    int
	Duplicates int
	Lost       int
	Wrong      int
	MultiFinal int
	// Unbacked counts completed results with no write of their own in the
	// target's effect log: a claim of an effect Quell did not make.
	Unbacked int
	DLQ      int
}

// Report is the checker's verdict.
type Report struct {
	Rows []*Row
	// Problems lists every lost action, duplicate or wrong effect, and
	// action with several final results.
	Problems []string
	// DLQReasons counts DLQ entries by stage and reason.
	DLQReasons map[string]int
}

// OK is the suite's pass condition.
func (r *Report) OK() bool {
	for _, row := range r.Rows {
		if row.Lost > 0 || row.Duplicates > 0 || row.Wrong > 0 || row.MultiFinal > 0 || row.Unbacked > 0 || row.Final != row.Planned {
			return false
		}
	}
	return true
}

// Total sums the rows.
func (r *Report) Total() Row {
	t := Row{Scenario: "total"}
	for _, x := range r.Rows {
		t.Sent += x.Sent
		t.Alerts += x.Alerts
		t.Accepted += x.Accepted
		t.Retried += x.Retried
		t.Refused += x.Refused
		t.Stored += x.Stored
		t.Planned += x.Planned
		t.Final += x.Final
		t.Completed += x.Completed
		t.Skipped += x.Skipped
		t.Failed += x.Failed
		t.Effects += x.Effects
		t.Duplicates += x.Duplicates
		t.Lost += x.Lost
		t.Wrong += x.Wrong
		t.MultiFinal += x.MultiFinal
		t.Unbacked += x.Unbacked
		t.DLQ += x.DLQ
	}
	return t
}

// checker holds the indexes [Check] builds.
type checker struct {
	obs      *Observed
	rep      *Report
	rows     map[string]*Row
	scenario map[string]string // action id -> scenario
	dlqByID  map[string]bool   // action ids and event ids with a DLQ entry
	byCause  map[string][]string
}

// Check compares what was sent with what Quell stored, reported and did.
func Check(obs *Observed) *Report {
	c := &checker{obs: obs, rep: &Report{DLQReasons: map[string]int{}}, rows: map[string]*Row{},
		scenario: map[string]string{}, dlqByID: map[string]bool{}, byCause: map[string][]string{}}
	for _, s := range append(append([]string{}, obs.Scenarios...), "other") {
		c.rows[s] = &Row{Scenario: s}
		c.rep.Rows = append(c.rep.Rows, c.rows[s])
	}
	c.indexDLQ()
	c.indexCauses()
	for _, it := range obs.Items {
		c.item(it)
	}
	c.unattributedActions()
	c.effects()
	c.backedCompletions()
	if r := c.rows["other"]; *r == (Row{Scenario: "other"}) {
		c.rep.Rows = c.rep.Rows[:len(c.rep.Rows)-1]
	}
	return c.rep
}

func (c *checker) indexDLQ() {
	for _, e := range c.obs.DLQ {
		c.rep.DLQReasons[e.Stage+": "+e.Reason]++
		if e.Action != nil {
			c.dlqByID[e.Action.ID] = true
		}
		c.dlqByID[e.EventID] = true
	}
}

// causeOf is the Nats-Msg-Id, and the planned actions' cause, of a
// webhook's event.
func causeOf(it *Item) string {
	src := "siem"
	if it.Kind == KindHR {
		src = "hr"
	}
	return events.SourceFor(src) + " " + eventID(it)
}

// eventID is the id the ingest gave the webhook's event.
func eventID(it *Item) string {
	if len(it.IDs) > 0 {
		return it.IDs[0]
	}
	return it.ID
}

func (c *checker) item(it *Item) {
	row := c.rows[it.Scenario]
	row.Sent++
	if it.Kind == KindAlert {
		row.Alerts++
	}
	if it.Attempts > 1 {
		row.Retried++
	}
	for status, n := range it.Status {
		if status < 200 || status >= 300 {
			row.Refused += n
		}
	}
	if !it.Accepted {
		return
	}
	row.Accepted++
	var planned []string
	if it.Kind == KindManual {
		planned = it.IDs
		if len(planned) > 0 && c.has(planned[0]) {
			row.Stored++
		}
	} else {
		cause := causeOf(it)
		if c.obs.Events[cause] {
			row.Stored++
		} else {
			c.lost(row, fmt.Sprintf("%s %s: answered 202 but not stored", it.Kind, it.ID))
			return
		}
		planned = c.byCause[eventID(it)]
		if len(planned) < it.Expects() && !c.dlqByID[eventID(it)] {
			c.lost(row, fmt.Sprintf("%s %s: %d of %d actions planned", it.Kind, it.ID, len(planned), it.Expects()))
		}
	}
	for _, id := range planned {
		c.scenario[id] = it.Scenario
		c.action(row, id)
	}
}

func (c *checker) has(id string) bool { _, ok := c.obs.Actions[id]; return ok }

// indexCauses maps each event id to the actions planned for it (the
// planner's Action.Cause is the event's id).
func (c *checker) indexCauses() {
	for id, a := range c.obs.Actions {
		if a.Cause != "" {
			c.byCause[a.Cause] = append(c.byCause[a.Cause], id)
		}
	}
	for _, ids := range c.byCause {
		sort.Strings(ids)
	}
}

// action checks that a planned action has exactly one final result.
func (c *checker) action(row *Row, id string) {
	if !c.has(id) {
		c.lost(row, fmt.Sprintf("action %s: accepted but never stored", id))
		return
	}
	row.Planned++
	final := finalResults(c.obs.Results[id])
	switch len(final) {
	case 0:
		c.lost(row, fmt.Sprintf("action %s (%s): no final result", id, describe(c.obs.Actions[id])))
		return
	case 1:
		row.Final++
	default:
		row.MultiFinal++
		c.problem(fmt.Sprintf("action %s (%s): %d final results: %s", id, describe(c.obs.Actions[id]), len(final), statuses(final)))
		return
	}
	switch final[0].Status {
	case actions.StatusCompleted:
		row.Completed++
	case actions.StatusSkipped:
		row.Skipped++
	case actions.StatusFailed:
		row.Failed++
		if c.dlqByID[id] {
			row.DLQ++
		}
	}
}

// unattributedActions checks actions no sent request explains.
func (c *checker) unattributedActions() {
	for id := range c.obs.Actions {
		if _, ok := c.scenario[id]; !ok {
			c.scenario[id] = "other"
			c.action(c.rows["other"], id)
		}
	}
}

// finalResults are an action's outcomes; a "parked" skip is a waypoint.
func finalResults(rs []events.ActionResult) []events.ActionResult {
	var out []events.ActionResult
	for _, r := range rs {
		if r.Guard != actions.GuardParked {
			out = append(out, r)
		}
	}
	return out
}

func statuses(rs []events.ActionResult) string {
	var s []string
	for _, r := range rs {
		s = append(s, string(r.Status)+" ("+r.Reason+")")
	}
	return strings.Join(s, ", ")
}

func describe(a actions.Action) string {
	return fmt.Sprintf("%s %s on %s", a.Kind, a.User, a.Target)
}

func (c *checker) lost(row *Row, msg string) {
	row.Lost++
	c.problem("LOST " + msg)
}

func (c *checker) problem(msg string) { c.rep.Problems = append(c.rep.Problems, msg) }
