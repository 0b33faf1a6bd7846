package pam_test

import (
	"context"
	"fmt"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
)

// demoClient stands for a vendor's *Client: here its "API" is a map of
// usernames to whether the account is disabled.
type demoClient struct {
	disabled map[string]bool
	writes   int
}

// quarantine is a Run function as a vendor writes it in quarantine.go:
// resolve the user, read the state, write only if it differs.
func (c *demoClient) quarantine(_ context.Context, a actions.Action) (actions.Outcome, error) {
	disabled, ok := c.disabled[a.User.Username]
	if !ok {
		return actions.Outcome{}, actions.Permanent(fmt.Errorf("%w: %s", actions.ErrUserNotFound, a.User))
	}
	if disabled {
		return actions.Outcome{Status: actions.StatusSkipped, Reason: "already disabled"}, nil
	}
	c.disabled[a.User.Username] = true // the one write
	c.writes++
	return actions.Outcome{Status: actions.StatusCompleted, Reason: "user disabled",
		Before: map[string]any{"enabled": true}, After: map[string]any{"enabled": false}}, nil
}

// A vendor package keeps one such table in actions.go: the kinds it lists
// are the actions the target kind supports, each with its Check, Run and
// Plan functions (one file per action). The client's Execute is then one
// line: handlers.Execute(ctx, c, Kind, a).
func ExampleHandlers() {
	handlers := pam.Handlers[*demoClient]{
		actions.Quarantine: {
			Check: func(a actions.Action) error {
				return actions.CheckParams("demo", a.Kind, a.Params, actions.ParamReason)
			},
			Run: (*demoClient).quarantine,
			Plan: func(a actions.Action) []actions.Call {
				return []actions.Call{{Method: "GET", Path: "users?name=" + a.User.Username}, {Method: "PUT", Path: "users/{id}"}}
			},
		},
		actions.UpdateAttributes: {
			Check: func(a actions.Action) error {
				return actions.CheckParams("demo", a.Kind, a.Params, actions.AttrEmail)
			},
			Run: func(*demoClient, context.Context, actions.Action) (actions.Outcome, error) {
				return actions.Outcome{Status: actions.StatusSkipped, Reason: "email already set"}, nil
			},
			Plan: func(actions.Action) []actions.Call { return nil },
		},
	}

	fmt.Println("supports quarantine:", handlers.Supports(actions.Quarantine))
	fmt.Println("supports add_group:", handlers.Supports(actions.AddGroup))

	c := &demoClient{disabled: map[string]bool{"jdoe": false}}
	ctx := context.Background()
	quarantine := actions.Action{Kind: actions.Quarantine, Target: "demo1", User: actions.UserRef{Username: "jdoe"}}

	// Read before write: the second run finds the state as wanted.
	for range 2 {
		out, err := handlers.Execute(ctx, c, "demo", quarantine)
		fmt.Println(out.Status, out.Reason, err, "writes:", c.writes)
	}

	// A dry run sends nothing: skipped, with the calls Plan lists.
	dry := quarantine
	dry.DryRun = true
	out, _ := handlers.Execute(ctx, c, "demo", dry)
	fmt.Println(out.Status, out.Reason, len(out.Calls), "planned calls")

	// A kind not in the table is refused, permanently, before Run.
	_, err := handlers.Execute(ctx, c, "demo", actions.Action{Kind: actions.AddGroup, User: actions.UserRef{Username: "jdoe"}})
	fmt.Println(err)
	fmt.Println("permanent:", actions.IsPermanent(err))

	// So is a parameter Check refuses, in a dry run too.
	_, err = handlers.Execute(ctx, c, "demo", actions.Action{Kind: actions.UpdateAttributes, DryRun: true,
		User: actions.UserRef{Username: "jdoe"}, Params: map[string]any{"phone": "555"}})
	fmt.Println(err)
	fmt.Println("permanent:", actions.IsPermanent(err))
	// Output:
	// supports quarantine: true
	// supports add_group: false
	// completed user disabled <nil> writes: 1
	// skipped already disabled <nil> writes: 1
	// skipped dry run 2 planned calls
	// action not supported by target: demo cannot add_group
	// permanent: true
	// demo update_attributes: cannot set phone (it can set email)
	// permanent: true
}
