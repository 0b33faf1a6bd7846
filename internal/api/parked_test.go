package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/api"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/quelltest"
	"github.com/quell-dev/quell/internal/safety"
)

// park stores a as the blast-radius guard does when it parks an action.
func (e *env) park(a actions.Action) {
	e.t.Helper()
	kv, err := e.js.KeyValue(context.Background(), events.BucketParked)
	if err != nil {
		e.t.Fatal(err)
	}
	b, _ := json.Marshal(safety.Parked{Action: a, Reason: "past the blast radius", ParkedAt: time.Now().UTC()})
	if _, err := kv.Create(context.Background(), a.ID, b); err != nil {
		e.t.Fatal(err)
	}
	e.result(a, actions.StatusSkipped, actions.GuardParked, time.Now())
}

func TestParkedApproveFourEyes(t *testing.T) {
	e := newEnv(t, true)
	a := testAction("act_park1", "bi", "jdoe")
	a.RequestedBy = "approver:alice" // requested through POST /v1/actions with the approver token
	e.request(a)
	e.park(a)
	list := want[api.Page[safety.Parked]](t)(e.as("reader", "GET", "/v1/parked", nil))
	if len(list.Items) != 1 || list.Items[0].Action.ID != a.ID {
		t.Fatalf("parked: %+v", list)
	}
	reason := map[string]string{"reason": "INC-42: confirmed compromise"}
	if st, body := e.as("approver", "POST", "/v1/parked/act_park1/approve", reason); st != http.StatusForbidden || !contains(body, "four_eyes") {
		t.Fatalf("the requester approving its own action: %d %s, want 403 four_eyes", st, body)
	}
	if st, _ := e.as("approver2", "POST", "/v1/parked/act_park1/approve", map[string]string{}); st != http.StatusBadRequest {
		t.Fatalf("approval without a reason: %d, want 400", st)
	}
	d := want[api.Decided](t)(e.as("approver2", "POST", "/v1/parked/act_park1/approve", reason))
	if d.Decision != "approved" || d.By != "token:approver2" {
		t.Fatalf("approve: %+v", d)
	}
	// The released request carries the approving token.
	msgs := quelltest.StreamMsgs(t, e.js, events.StreamActions, "quell.actions.>")
	last, err := events.Decode(msgs[len(msgs)-1].Data)
	if err != nil {
		t.Fatal(err)
	}
	released, _ := events.DataAs[actions.Action](last)
	if released.ID != a.ID || released.ApprovedBy != "token:approver2" {
		t.Fatalf("released request: %+v", released)
	}
	if st, body := e.as("approver2", "POST", "/v1/parked/act_park1/approve", reason); st != http.StatusConflict {
		t.Fatalf("deciding again: %d %s, want 409", st, body)
	}
	if st, _ := e.as("approver2", "POST", "/v1/parked/act_nothing/approve", reason); st != http.StatusNotFound {
		t.Fatalf("unknown id: %d, want 404", st)
	}
	e.indexed()
	v := want[api.ActionView](t)(e.as("reader", "GET", "/v1/actions/act_park1", nil))
	if len(v.Decisions) != 1 || v.Decisions[0].Op != "approve" || v.Decisions[0].Token != "approver2" || v.Decisions[0].Reason != reason["reason"] {
		t.Fatalf("recorded decisions: %+v", v.Decisions)
	}
}

func TestParkedFourEyesOff(t *testing.T) {
	e := newEnv(t, false)
	a := testAction("act_park2", "bi", "jdoe")
	a.RequestedBy = "approver"
	e.park(a)
	if st, body := e.as("approver", "POST", "/v1/parked/act_park2/approve", map[string]string{"reason": "ok"}); st != http.StatusOK {
		t.Fatalf("four_eyes off: %d %s, want 200", st, body)
	}
}

func TestParkedReject(t *testing.T) {
	e := newEnv(t, true)
	a := testAction("act_park3", "bi", "jdoe")
	a.RequestedBy = "approver" // rejecting one's own request is allowed: it only stops it
	e.park(a)
	e.indexed()
	d := want[api.Decided](t)(e.as("approver", "POST", "/v1/parked/act_park3/reject", map[string]string{"reason": "false positive"}))
	if d.Decision != "rejected" || d.By != "token:approver" {
		t.Fatalf("reject: %+v", d)
	}
	if st, _ := e.as("approver", "POST", "/v1/parked/act_park3/reject", map[string]string{"reason": "again"}); st != http.StatusConflict {
		t.Fatalf("rejecting again: %d, want 409", st)
	}
	quelltest.Eventually(t, 10*time.Second, "the rejection as the result", func() bool {
		st, body := e.as("reader", "GET", "/v1/actions/act_park3", nil)
		v := mustDecode[api.ActionView](body)
		return st == http.StatusOK && v.Final && v.Result != nil && v.Result.Guard == actions.GuardRejected &&
			contains([]byte(v.Result.Reason), "token:approver") && len(v.Decisions) == 1 && v.Decisions[0].Op == "reject"
	})
}

func contains(b []byte, s string) bool { return strings.Contains(string(b), s) }
