package policy_test

import (
	"strings"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/config"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/policy"
)

var targets = []config.Target{{Name: "bi", Kind: "beyondinsight"}}

func quarantineOnly(_ string, k actions.Kind) bool { return k == actions.Quarantine }

func engine(t *testing.T, rules ...config.Rule) *policy.Engine {
	t.Helper()
	e, err := policy.Compile(config.Policy{Rules: rules}, targets, quarantineOnly)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func alert(t *testing.T, id string, sev int, user actions.UserRef) events.Alert {
	t.Helper()
	return events.Alert{SourceKind: "generic", SourceName: "demo", Severity: sev, User: user}
}

func TestPlan(t *testing.T) {
	high := config.Rule{Name: "high", When: `event.type == "dev.quell.alert.v1" && data.severity >= 70`,
		Actions: []config.RuleAction{{Action: "quarantine", Target: "bi", User: "data.user"}}}
	byName := config.Rule{Name: "by-name", When: "true",
		Actions: []config.RuleAction{{Action: "quarantine", Target: "bi", User: `"CORP\\" + data.user.username`}}}
	cases := []struct {
		name     string
		rule     config.Rule
		severity int
		user     actions.UserRef
		want     []actions.UserRef
		wantErr  string
	}{
		{"matches at threshold", high, 70, actions.UserRef{Username: "jdoe"}, []actions.UserRef{{Username: "jdoe"}}, ""},
		{"below threshold", high, 69, actions.UserRef{Username: "jdoe"}, nil, ""},
		{"string with domain", byName, 1, actions.UserRef{Username: "bwayne"}, []actions.UserRef{{Domain: "CORP", Username: "bwayne"}}, ""},
		{"no user", high, 90, actions.UserRef{}, nil, "no identifier"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev, err := events.New(events.SourceFor("demo"), "e1", events.TypeAlert, time.Now(), alert(t, "e1", c.severity, c.user))
			if err != nil {
				t.Fatal(err)
			}
			res, err := engine(t, c.rule).Plan(ev, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			var got []actions.UserRef
			for _, a := range res[0].Actions {
				got = append(got, a.User)
				if a.Rule != c.rule.Name || a.Cause != "e1" || a.RequestedBy != "policy" || !strings.HasPrefix(a.ID, "act_") {
					t.Errorf("action fields: %+v", a)
				}
			}
			if len(got) != len(c.want) || (len(got) > 0 && got[0] != c.want[0]) {
				t.Errorf("users %+v, want %+v", got, c.want)
			}
			errs := strings.Join(res[0].Errors, ";")
			if (c.wantErr == "") != (errs == "") || !strings.Contains(errs, c.wantErr) {
				t.Errorf("errors %q, want %q", errs, c.wantErr)
			}
		})
	}
}

func TestActionIDsAreDeterministic(t *testing.T) {
	rule := config.Rule{Name: "all", When: "true", Actions: []config.RuleAction{{Action: "quarantine", Target: "bi", User: "data.user"}}}
	e := engine(t, rule)
	plan := func(source, id, user string) string {
		ev, err := events.New(events.SourceFor(source), id, events.TypeAlert, time.Now(), alert(t, id, 80, actions.UserRef{Username: user}))
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.Plan(ev, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return res[0].Actions[0].ID
	}
	a := plan("demo", "e1", "jdoe")
	if a != plan("demo", "e1", "jdoe") {
		t.Fatal("same event planned different ids")
	}
	for _, other := range []string{plan("demo", "e2", "jdoe"), plan("other", "e1", "jdoe"), plan("demo", "e1", "asmith")} {
		if other == a {
			t.Fatal("different cause or user planned the same id")
		}
	}
}

func TestCompileReportsEveryProblem(t *testing.T) {
	rules := []config.Rule{
		{Name: "syntax", When: "data.severity >=", Actions: []config.RuleAction{{Action: "quarantine", Target: "bi", User: "data.user"}}},
		{Name: "not-bool", When: `"yes"`, Actions: []config.RuleAction{{Action: "quarantine", Target: "bi", User: "data.user"}}},
		{Name: "unsupported", When: "true", Actions: []config.RuleAction{{Action: "rotate_client_secret", Target: "bi", User: "data.user"}}},
		{Name: "unknown-action", When: "true", Actions: []config.RuleAction{{Action: "nuke", Target: "bi", User: "data.user"}}},
		{Name: "undeclared", When: "true", Actions: []config.RuleAction{{Action: "quarantine", Target: "bi", User: "payload.user"}}},
	}
	_, err := policy.Compile(config.Policy{Rules: rules}, targets, quarantineOnly)
	if err == nil {
		t.Fatal("want error")
	}
	for _, want := range []string{
		"policy.rules[0] (syntax).when: ERROR: <input>:1:",
		"policy.rules[1] (not-bool).when: must be bool",
		"target bi (beyondinsight) cannot rotate_client_secret",
		`unknown action "nuke"`,
		"policy.rules[4] (undeclared).actions[0].user: ERROR: <input>:1:1: undeclared reference to 'payload'",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}

func TestFanOutAndChangedAttributesOnly(t *testing.T) {
	all := []config.Target{{Name: "bi", Kind: "beyondinsight"}, {Name: "cv", Kind: "commvault"}, {Name: "tf", Kind: "threadfix"}}
	supports := func(kind string, k actions.Kind) bool {
		return k == actions.Quarantine || (kind == "commvault" && k == actions.UpdateAttributes)
	}
	e, err := policy.Compile(config.Policy{Rules: []config.Rule{
		{Name: "terminated", When: `data.change == "terminated"`,
			Actions: []config.RuleAction{{Action: "quarantine", Target: "*", User: "data.user"}}},
		{Name: "changed", When: `data.change == "updated"`,
			Actions: []config.RuleAction{{Action: "update_attributes", Target: "*", User: "data.user",
				Params: map[string]string{"email": "data.changed_fields.workEmail", "full_name": "data.changed_fields.displayName"}}}},
	}}, all, supports)
	if err != nil {
		t.Fatal(err)
	}
	plan := func(data events.HREmployee) []actions.Action {
		ev, err := events.New(events.SourceFor("hr"), "e-"+data.Change, events.TypeHREmployee, time.Now(), data)
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.Plan(ev, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		var out []actions.Action
		for _, r := range res {
			if len(r.Errors) > 0 {
				t.Fatalf("rule %s: %v", r.Rule, r.Errors)
			}
			out = append(out, r.Actions...)
		}
		return out
	}
	user := actions.UserRef{Email: "jdoe@example.com", UPN: "jdoe@example.com"}
	term := plan(events.HREmployee{Change: "terminated", User: user})
	if len(term) != 3 || !term[0].OnlyIfExists || term[0].Target == term[1].Target {
		t.Fatalf("termination fan-out: %+v", term)
	}
	upd := plan(events.HREmployee{Change: "updated", User: user, ChangedFields: map[string]any{"workEmail": "john.doe@example.com"}})
	if len(upd) != 1 || upd[0].Target != "cv" || len(upd[0].Params) != 1 || upd[0].Params["email"] != "john.doe@example.com" {
		t.Fatalf("changed fields only: %+v", upd)
	}
	if none := plan(events.HREmployee{Change: "updated", User: user, ChangedFields: map[string]any{"department": "Sales"}}); len(none) != 0 {
		t.Fatalf("an update touching no mapped field planned %+v", none)
	}
}

func TestPlanReportsWhatItCannotDo(t *testing.T) {
	rules := []config.Rule{
		{Name: "by-employee", When: "true", Actions: []config.RuleAction{{Action: "quarantine", Target: "bi", User: "data.user"}}},
		{Name: "not-bool", When: "data.severity", Actions: []config.RuleAction{{Action: "quarantine", Target: "bi", User: "data.user"}}},
		{Name: "null-attr", When: "true", Actions: []config.RuleAction{{Action: "quarantine", Target: "bi", User: `"jdoe"`,
			Params: map[string]string{"reason": "data.changed_fields.note"}}}},
	}
	e, err := policy.Compile(config.Policy{Rules: rules}, targets, func(string, actions.Kind) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	ev, _ := events.New(events.SourceFor("hr"), "e1", events.TypeHREmployee, time.Now(), map[string]any{
		"severity": 5, "user": map[string]any{"employee_id": "E-1"}, "changed_fields": map[string]any{"note": nil}})
	res, err := e.Plan(ev, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"by-employee": "no username, email, UPN or target id", "not-bool": "not a bool", "null-attr": "gave null"}
	for _, r := range res {
		if len(r.Actions) != 0 || len(r.Errors) != 1 || !strings.Contains(r.Errors[0], want[r.Rule]) {
			t.Errorf("%s: actions %v errors %v, want %q", r.Rule, r.Actions, r.Errors, want[r.Rule])
		}
	}
}

// safety.dry_run is given at Compile, not set on the engine afterwards.
func TestWithDryRun(t *testing.T) {
	rule := config.Rule{Name: "all", When: "true", Actions: []config.RuleAction{{Action: "quarantine", Target: "bi", User: "data.user"}}}
	ev, err := events.New(events.SourceFor("demo"), "e1", events.TypeAlert, time.Now(), alert(t, "e1", 80, actions.UserRef{Username: "jdoe"}))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		opts []policy.Option
		want bool
	}{
		{"default", nil, false},
		{"off", []policy.Option{policy.WithDryRun(false)}, false},
		{"on", []policy.Option{policy.WithDryRun(true)}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := policy.Compile(config.Policy{Rules: []config.Rule{rule}}, targets, quarantineOnly, c.opts...)
			if err != nil {
				t.Fatal(err)
			}
			res, err := e.Plan(ev, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if got := res[0].Actions[0].DryRun; got != c.want {
				t.Fatalf("planned dry run %v, want %v", got, c.want)
			}
		})
	}
}
