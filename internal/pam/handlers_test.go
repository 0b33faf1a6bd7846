package pam_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
)

// fakeClient records which handler functions ran.
type fakeClient struct{ ran []string }

func TestHandlersExecute(t *testing.T) {
	errBad := actions.Permanent(errors.New("bad parameter"))
	hs := pam.Handlers[*fakeClient]{
		actions.Quarantine: {
			Run: func(c *fakeClient, _ context.Context, a actions.Action) (actions.Outcome, error) {
				c.ran = append(c.ran, "run")
				return actions.Outcome{Status: actions.StatusCompleted}, nil
			},
			Plan: func(actions.Action) []actions.Call { return []actions.Call{{Method: "POST", Path: "q"}} },
		},
		actions.UpdateAttributes: {
			Check: func(a actions.Action) error {
				if a.Params["x"] != nil {
					return errBad
				}
				return nil
			},
			Run: func(c *fakeClient, _ context.Context, _ actions.Action) (actions.Outcome, error) {
				c.ran = append(c.ran, "update")
				return actions.Outcome{}, nil
			},
			Plan: func(actions.Action) []actions.Call { return nil },
		},
	}
	if !hs.Supports(actions.Quarantine) || hs.Supports(actions.AddGroup) {
		t.Error("Supports does not follow the table")
	}
	user := actions.UserRef{Username: "jdoe"}
	cases := []struct {
		name   string
		a      actions.Action
		status actions.Status
		err    func(error) bool
		ran    string
	}{
		{"run", actions.Action{Kind: actions.Quarantine, User: user}, actions.StatusCompleted, nil, "run"},
		{"dry run", actions.Action{Kind: actions.Quarantine, User: user, DryRun: true}, actions.StatusSkipped, nil, ""},
		{"unsupported", actions.Action{Kind: actions.AddGroup, User: user},
			"", func(err error) bool {
				return errors.Is(err, actions.ErrUnsupported) && strings.Contains(err.Error(), "fake cannot add_group")
			}, ""},
		{"no user", actions.Action{Kind: actions.Quarantine},
			"", func(err error) bool { return err.Error() == "quarantine: no user identifier given" }, ""},
		{"bad parameter", actions.Action{Kind: actions.UpdateAttributes, User: user, Params: map[string]any{"x": 1}},
			"", func(err error) bool { return errors.Is(err, errBad) }, ""},
		{"bad parameter, dry run", actions.Action{Kind: actions.UpdateAttributes, User: user, Params: map[string]any{"x": 1}, DryRun: true},
			"", func(err error) bool { return errors.Is(err, errBad) }, ""},
	}
	for _, tc := range cases {
		c := &fakeClient{}
		out, err := hs.Execute(context.Background(), c, "fake", tc.a)
		if tc.err != nil {
			if err == nil || !actions.IsPermanent(err) || !tc.err(err) {
				t.Errorf("%s: got %v", tc.name, err)
			}
		} else if err != nil || out.Status != tc.status {
			t.Errorf("%s: got %+v, %v", tc.name, out, err)
		}
		if got := strings.Join(c.ran, ","); got != tc.ran {
			t.Errorf("%s: ran %q, want %q", tc.name, got, tc.ran)
		}
	}
	out, _ := hs.Execute(context.Background(), &fakeClient{}, "fake", actions.Action{Kind: actions.Quarantine, User: user, DryRun: true})
	if out.Reason != "dry run" || len(out.Calls) != 1 || out.Calls[0].Path != "q" {
		t.Errorf("dry run outcome %+v", out)
	}
}
