package sim_test

import (
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/pam/beyondinsight/sim"
)

func TestTerminateRequests(t *testing.T) {
	e := newEnv(t, sim.Options{})
	e.signIn(t)
	other := e.sim.AddRequest(sim.ActiveRequest{UserID: 13, SystemName: "db", AccountName: "sa"})
	if other.RequestID != 103 || len(e.sim.ActiveRequests(12)) != 2 {
		t.Fatalf("seed: %+v, jdoe %+v", other, e.sim.ActiveRequests(12))
	}
	steps := []struct {
		path, body string
		want       int
		jdoeLeft   int
	}{
		{"/Users/12/Requests/Terminate", `{"Reason":"` + strings.Repeat("é", sim.MaxTerminateReason+1) + `"}`, 400, 2},
		{"/Users/12/Requests/Terminate", `{"Reason":`, 400, 2},
		{"/Users/12/Requests/Terminate", `["x"]`, 400, 2},
		{"/Users/999/Requests/Terminate", ``, 404, 2},
		{"/users/12/requests/terminate", `{"Reason":"` + strings.Repeat("é", sim.MaxTerminateReason) + `"}`, 204, 0},
		{"/Users/12/Requests/Terminate", ``, 204, 0}, // nothing left: still 204
	}
	for i, s := range steps {
		status, body := e.send(t, "POST", s.path, s.body)
		if status != s.want || (status == 204 && body != "") {
			t.Errorf("step %d: %d %q, want %d", i, status, body, s.want)
		}
		if n := len(e.sim.ActiveRequests(12)); n != s.jdoeLeft {
			t.Errorf("step %d: jdoe has %d requests, want %d", i, n, s.jdoeLeft)
		}
	}
	if left := e.sim.ActiveRequests(13); len(left) != 1 || left[0] != other {
		t.Errorf("asmith's request was touched: %+v", left)
	}
}

func TestRequestOptions(t *testing.T) {
	e := newEnv(t, sim.Options{Requests: []sim.ActiveRequest{}})
	if n := len(e.sim.ActiveRequests(12)); n != 0 {
		t.Errorf("an empty Requests option left jdoe %d requests", n)
	}
}
