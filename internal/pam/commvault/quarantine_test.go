package commvault_test

import (
	"context"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
)

func TestQuarantineCompletes(t *testing.T) {
	e := newEnv(t, nil)
	out, err := e.client.Execute(context.Background(), quarantine(actions.UserRef{Username: "bwayne", Domain: "CORP"}))
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != actions.StatusCompleted || out.Reason != "user disabled" || out.TargetUserID != "8" || len(out.Calls) != 1 {
		t.Fatalf("outcome %+v", out)
	}
	c := out.Calls[0]
	if c.Method != "PUT" || c.Path != "V4/user/8" || c.Status != 200 || bodyJSON(t, c.Body) != `{"enabled":false}` {
		t.Errorf("call %+v", c)
	}
	if out.Details["user_name"] != `CORP\bwayne` {
		t.Errorf("details %v", out.Details)
	}
	if u, _ := e.sim.User(8); u.Enabled {
		t.Error("simulator state unchanged")
	}
	if n := e.puts(); n != 1 {
		t.Errorf("%d PUTs, want exactly 1", n)
	}
	if got := e.putBodies(); len(got) != 1 || got[0] != `{"enabled":false}` {
		t.Errorf("PUT bodies on the wire %q", got)
	}
	// Repeating the action reads, finds it done, and writes nothing.
	out, err = e.client.Execute(context.Background(), quarantine(actions.UserRef{Username: "bwayne", Domain: "CORP"}))
	if err != nil || out.Status != actions.StatusSkipped || out.Reason != "already disabled" || len(out.Calls) != 0 {
		t.Fatalf("repeat: %+v, %v", out, err)
	}
	if n := e.puts(); n != 1 {
		t.Errorf("%d PUTs after the repeat, want 1", n)
	}
}

func TestQuarantineRefusesParams(t *testing.T) {
	e := newEnv(t, nil)
	_, err := e.client.Execute(context.Background(), action(actions.Quarantine, ref("jdoe"), map[string]any{"group": "x"}))
	if err == nil || !actions.IsPermanent(err) {
		t.Fatalf("got %v", err)
	}
	if _, err := e.client.Execute(context.Background(), action(actions.Quarantine, ref("jdoe"), map[string]any{actions.ParamReason: "alert 7"})); err != nil {
		t.Errorf("reason refused: %v", err)
	}
}
