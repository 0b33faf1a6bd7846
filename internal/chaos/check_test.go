package chaos

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/pam/simkit"
)

// world is a small consistent run: one alert about jdoe, accepted, planned
// as one quarantine on bi, completed by one write. Each case breaks it.
func world() *Observed {
	it := &Item{Kind: KindAlert, Scenario: "workers", ID: "d1", User: "jdoe", Severity: 90, Attempts: 1, Accepted: true, IDs: []string{"d1"}}
	cause := events.SourceFor("siem") + " d1"
	acts := map[string]actions.Action{}
	res := map[string][]events.ActionResult{}
	for _, t := range []string{"bi", "cv", "tf"} {
		a := actions.Action{ID: "act_" + t, Kind: actions.Quarantine, Target: t, User: actions.UserRef{Username: "jdoe"}, Cause: "d1"}
		acts[a.ID] = a
		res[a.ID] = []events.ActionResult{{Action: a, Status: actions.StatusCompleted}}
	}
	write := func(t string) simkit.Effect {
		return simkit.Effect{Method: "POST", Path: "/Users/7/Quarantine", Status: 200, ActionID: "act_" + t, Key: "user/7", Name: "jdoe",
			Before: json.RawMessage(`{"q":false}`), After: json.RawMessage(`{"q":true}`), Changed: true}
	}
	return &Observed{Items: []*Item{it}, Scenarios: []string{"workers"}, Events: map[string]bool{cause: true},
		Actions: acts, Results: res, Protected: map[string]bool{"vip": true},
		Effects: map[string][]simkit.Effect{"bi": {write("bi")}, "cv": {write("cv")}, "tf": {write("tf")}}}
}

func TestCheck(t *testing.T) {
	cases := []struct {
		name   string
		break_ func(o *Observed)
		want   string // a problem that must be reported; "" = passes
		field  func(r Row) int
	}{
		{name: "consistent run passes"},
		{name: "a second write for the same action is a duplicate effect", want: "DUPLICATE", field: func(r Row) int { return r.Duplicates },
			break_: func(o *Observed) {
				again := o.Effects["bi"][0]
				again.Before, again.Changed = again.After, false
				o.Effects["bi"] = append(o.Effects["bi"], again)
			}},
		{name: "an action without a final result is lost", want: "LOST", field: func(r Row) int { return r.Lost },
			break_: func(o *Observed) { delete(o.Results, "act_cv") }},
		{name: "a 202 whose event was never stored is lost", want: "LOST", field: func(r Row) int { return r.Lost },
			break_: func(o *Observed) { o.Events = map[string]bool{} }},
		{name: "a write on a protected account is wrong", want: "WRONG", field: func(r Row) int { return r.Wrong },
			break_: func(o *Observed) { o.Effects["tf"][0].Name = "vip" }},
		{name: "a write no action asked for is wrong", want: "WRONG", field: func(r Row) int { return r.Wrong },
			break_: func(o *Observed) { o.Effects["tf"][0].ActionID = "" }},
		{name: "a write on another user than the action's is wrong", want: "WRONG", field: func(r Row) int { return r.Wrong },
			break_: func(o *Observed) { o.Effects["cv"][0].Name = "asmith" }},
		{name: "a completion with no write of its own is unbacked", want: "UNBACKED", field: func(r Row) int { return r.Unbacked },
			break_: func(o *Observed) { o.Effects["cv"] = nil }},
		{name: "two final results for one action fail", want: "final results", field: func(r Row) int { return r.MultiFinal },
			break_: func(o *Observed) {
				o.Results["act_bi"] = append(o.Results["act_bi"], events.ActionResult{Action: o.Actions["act_bi"], Status: actions.StatusFailed})
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := world()
			if c.break_ != nil {
				c.break_(o)
			}
			rep := Check(o)
			if c.want == "" {
				if !rep.OK() || len(rep.Problems) > 0 {
					t.Fatalf("consistent run fails: %v", rep.Problems)
				}
				if tot := rep.Total(); tot.Planned != 3 || tot.Final != 3 || tot.Effects != 3 {
					t.Fatalf("totals %+v", tot)
				}
				return
			}
			if rep.OK() {
				t.Fatalf("check passed; want a failure with %q", c.want)
			}
			if got := c.field(rep.Total()); got != 1 {
				t.Errorf("counted %d, want 1", got)
			}
			if !strings.Contains(strings.Join(rep.Problems, "\n"), c.want) {
				t.Errorf("problems %v do not name %q", rep.Problems, c.want)
			}
		})
	}
}

// The same seed plans the same load and the same nemesis schedule.
func TestSeedReplaysSchedule(t *testing.T) {
	o := Options{Alerts: 200, Users: 50, Protected: 3, Seed: 42, AckWait: 10e9, MaxElapsed: 6e9, Timeout: 4e9}
	render := func(seed uint64) string {
		o.Seed = seed
		scs := scenarios(4 * 60e9)
		var b strings.Builder
		for _, f := range schedule(newRand(seed, 2), o, scs, 3, 2) {
			b.WriteString(f.String() + "\n")
		}
		for _, it := range plan(newRand(seed, 1), o, scs) {
			b.WriteString(it.ID + " " + it.User + " " + string(it.Body) + "\n")
		}
		return b.String()
	}
	if first, again := render(42), render(42); first != again {
		t.Fatal("the same seed gave two schedules")
	}
	if render(42) == render(43) {
		t.Fatal("two seeds gave the same schedule")
	}
}
