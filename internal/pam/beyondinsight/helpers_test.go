package beyondinsight_test

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
)

// withParams is action with parameters.
func withParams(kind actions.Kind, ref actions.UserRef, params map[string]any) actions.Action {
	a := action(kind, ref)
	a.Params = params
	return a
}

// writes counts the requests that could change state: every method but
// GET, outside Auth/ (signing in changes no user).
func (e *env) writes() int {
	n := 0
	for _, r := range e.sim.Requests() {
		if r.Method != "GET" && !strings.HasPrefix(strings.ToLower(r.RelPath), "auth/") {
			n++
		}
	}
	return n
}

// lastBody is the body of the last request the simulator logged for route.
func (e *env) lastBody(t *testing.T, method, relPath string) string {
	t.Helper()
	reqs := e.sim.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Method == method && reqs[i].RelPath == relPath {
			return reqs[i].Body
		}
	}
	t.Fatalf("no %s %s logged", method, relPath)
	return ""
}

// lastQuery is the query of the last request the simulator logged for route.
func (e *env) lastQuery(t *testing.T, method, relPath string) string {
	t.Helper()
	reqs := e.sim.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Method == method && reqs[i].RelPath == relPath {
			return reqs[i].Query
		}
	}
	t.Fatalf("no %s %s logged", method, relPath)
	return ""
}

// modeName names a simulator mode in subtests.
func modeName(strict bool) string {
	if strict {
		return "Strict"
	}
	return "Lenient"
}

// jsonOf is v as JSON, for comparing call bodies of unexported types.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// failure is what a test expects of a failed Execute.
type failure struct {
	permanent bool
	notFound  bool   // errors.Is(err, actions.ErrUserNotFound)
	status    int    // the *pam.StatusError's status; 0: none expected
	contains  string // a substring of the message
}

// check fails t unless err matches f.
func (f failure) check(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("want an error, got none")
	}
	if actions.IsPermanent(err) != f.permanent {
		t.Errorf("permanent = %v, want %v: %v", !f.permanent, f.permanent, err)
	}
	if errors.Is(err, actions.ErrUserNotFound) != f.notFound {
		t.Errorf("ErrUserNotFound = %v, want %v: %v", !f.notFound, f.notFound, err)
	}
	var se *pam.StatusError
	if f.status != 0 && (!errors.As(err, &se) || se.StatusCode != f.status) {
		t.Errorf("want StatusError %d, got %v", f.status, err)
	}
	if !strings.Contains(err.Error(), f.contains) {
		t.Errorf("error %q lacks %q", err, f.contains)
	}
}

// dryRun executes a as a dry run and checks that nothing was sent and the
// planned calls are want.
func (e *env) dryRun(t *testing.T, a actions.Action, want []actions.Call) {
	t.Helper()
	a.DryRun = true
	out, err := e.client.Execute(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != actions.StatusSkipped || out.Reason != "dry run" || len(out.Calls) != len(want) {
		t.Fatalf("outcome %+v, want %d calls", out, len(want))
	}
	for i := range want {
		if jsonOf(t, out.Calls[i]) != jsonOf(t, want[i]) {
			t.Errorf("call %d = %s, want %s", i, jsonOf(t, out.Calls[i]), jsonOf(t, want[i]))
		}
	}
	if n := len(e.sim.Requests()); n != 0 {
		t.Errorf("dry run sent %d requests", n)
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func itoa(n int) string { return strconv.Itoa(n) }
