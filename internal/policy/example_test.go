package policy_test

import (
	"fmt"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/config"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/policy"
)

// A rule that quarantines the user named in any alert of severity 70 or more.
func ExampleEngine_Plan() {
	rules := config.Policy{Rules: []config.Rule{{
		Name:    "quarantine-high-severity",
		When:    `event.type == "dev.quell.alert.v1" && data.severity >= 70`,
		Actions: []config.RuleAction{{Action: "quarantine", Target: "bi", User: "data.user"}},
	}}}
	engine, err := policy.Compile(rules, []config.Target{{Name: "bi", Kind: "beyondinsight"}}, nil)
	if err != nil {
		panic(err)
	}
	ev, _ := events.New(events.SourceFor("demo"), "alert-1", events.TypeAlert, time.Now(),
		events.Alert{Severity: 85, User: actions.UserRef{Username: "jdoe"}})
	results, _ := engine.Plan(ev, time.Now())
	for _, r := range results {
		for _, a := range r.Actions {
			fmt.Println(r.Rule, a.Kind, a.Target, a.User)
		}
	}
	// Output: quarantine-high-severity quarantine bi jdoe
}
