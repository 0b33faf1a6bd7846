package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/api"
)

func TestGetAction(t *testing.T) {
	e := newEnv(t, true)
	a := testAction("act_get1", "bi", `CORP\jdoe`)
	e.request(a)
	e.indexed()
	v := want[api.ActionView](t)(e.as("reader", "GET", "/v1/actions/act_get1", nil))
	if v.State != api.StateRequested || v.Final || v.Action == nil || v.Action.ID != a.ID || v.Result != nil {
		t.Fatalf("before the result: %+v", v)
	}
	e.result(a, actions.StatusCompleted, "", time.Now())
	e.indexed()
	v = want[api.ActionView](t)(e.as("reader", "GET", "/v1/actions/act_get1", nil))
	if v.State != "completed" || !v.Final || v.Result == nil || v.Result.Status != actions.StatusCompleted {
		t.Fatalf("after the result: %+v", v)
	}
	for _, id := range []string{"act_unknown", "not%20an%20id"} {
		if st, body := e.as("reader", "GET", "/v1/actions/"+id, nil); st != http.StatusNotFound {
			t.Errorf("%s: %d %s, want 404", id, st, body)
		}
	}
	for _, w := range []string{"banana", "-1s", "2m"} {
		if st, _ := e.as("reader", "GET", "/v1/actions/act_get1?wait="+w, nil); st != http.StatusBadRequest {
			t.Errorf("wait=%s: %d, want 400", w, st)
		}
	}
}

// TestGetActionWait: a long poll returns as soon as the final result is
// indexed, skips the parked step, and times out with what is known.
func TestGetActionWait(t *testing.T) {
	e := newEnv(t, true)
	a := testAction("act_wait1", "bi", "jdoe")
	e.request(a)
	type answer struct {
		v       api.ActionView
		elapsed time.Duration
	}
	got := make(chan answer, 1)
	start := time.Now()
	go func() {
		st, body := e.as("reader", "GET", "/v1/actions/act_wait1?wait=20s", nil)
		var v api.ActionView
		if st == http.StatusOK {
			v = mustDecode[api.ActionView](body)
		}
		got <- answer{v, time.Since(start)}
	}()
	time.Sleep(300 * time.Millisecond)
	e.result(a, actions.StatusSkipped, actions.GuardParked, time.Now())
	select {
	case ans := <-got:
		t.Fatalf("returned on a parked result: %+v", ans.v)
	case <-time.After(500 * time.Millisecond):
	}
	e.result(a, actions.StatusCompleted, "", time.Now())
	ans := <-got
	if ans.v.State != "completed" || !ans.v.Final {
		t.Fatalf("long poll answered %+v", ans.v)
	}
	if ans.elapsed > 10*time.Second {
		t.Fatalf("long poll took %s: it did not return when the result landed", ans.elapsed)
	}
	// Nothing final comes: the wait ends and says so.
	b := testAction("act_wait2", "bi", "jdoe")
	e.request(b)
	e.indexed()
	start = time.Now()
	v := want[api.ActionView](t)(e.as("reader", "GET", "/v1/actions/act_wait2?wait=700ms", nil))
	if v.Final || v.State != api.StateRequested || time.Since(start) < 700*time.Millisecond {
		t.Fatalf("timed-out long poll: %+v after %s", v, time.Since(start))
	}
}

func TestListActions(t *testing.T) {
	e := newEnv(t, true)
	base := time.Now().Add(-30 * time.Second).UTC()
	for i := range 25 {
		target, user := "bi", fmt.Sprintf("user%d", i%5)
		if i%2 == 1 {
			target = "tf"
		}
		a := testAction(fmt.Sprintf("act_list%02d", i), target, user)
		if i%5 == 0 {
			a.User = actions.UserRef{Domain: "CORP", Username: "user0", Email: "user0@example.com"}
		}
		a.Rule = map[bool]string{true: "r-even", false: "r-odd"}[i%2 == 0]
		status := actions.StatusCompleted
		if i%3 == 0 {
			status = actions.StatusFailed
		}
		e.result(a, status, "", base.Add(time.Duration(i)*time.Second))
	}
	e.indexed()
	// Every page, through the cursor, in order, nothing twice.
	seen := pages(t, e, url.Values{"since": {"2h"}, "limit": {"7"}})
	if len(seen) != 25 {
		t.Fatalf("paged through %d results, want 25: %v", len(seen), seen)
	}
	for i, id := range seen {
		if id != fmt.Sprintf("act_list%02d", i) {
			t.Fatalf("item %d is %s", i, id)
		}
	}
	cases := []struct {
		name string
		q    url.Values
		want int
	}{
		{"target", url.Values{"since": {"2h"}, "target": {"tf"}}, 12},
		{"status", url.Values{"since": {"2h"}, "status": {"failed"}}, 9},
		{"rule", url.Values{"since": {"2h"}, "rule": {"r-odd"}}, 12},
		{"user by username", url.Values{"since": {"2h"}, "user": {"USER3"}}, 5},
		{"user by email", url.Values{"since": {"2h"}, "user": {"user0@example.com"}}, 5},
		{`user by DOMAIN\name`, url.Values{"since": {"2h"}, "user": {`corp\user0`}}, 5},
		{"user and status", url.Values{"since": {"2h"}, "user": {"user0"}, "status": {"failed"}}, 2},
		{"user paged", url.Values{"since": {"2h"}, "user": {"user1"}, "limit": {"2"}}, 5},
		{"since", url.Values{"since": {base.Add(20 * time.Second).Format(time.RFC3339)}}, 5},
		{"until", url.Values{"since": {"2h"}, "until": {base.Add(10 * time.Second).Format(time.RFC3339)}}, 10},
		{"user until", url.Values{"since": {"2h"}, "user": {"user2"}, "until": {base.Add(10 * time.Second).Format(time.RFC3339)}}, 2},
		{"default window is 24h", url.Values{}, 25},
		{"outside the window", url.Values{"since": {time.Now().Add(time.Hour).Format(time.RFC3339)}}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := pages(t, e, c.q); len(got) != c.want {
				t.Fatalf("%d results, want %d: %v", len(got), c.want, got)
			}
		})
	}
	for _, q := range []string{"status=done", "limit=0", "limit=1001", "since=yesterday", "cursor=zz", "target=a.b"} {
		if st, _ := e.as("reader", "GET", "/v1/actions?"+q, nil); st != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", q, st)
		}
	}
}

// pages follows next_cursor to the end and returns every action id.
func pages(t *testing.T, e *env, q url.Values) []string {
	t.Helper()
	var ids []string
	for range 100 {
		p := want[api.Page[api.ResultRow]](t)(e.as("reader", "GET", "/v1/actions?"+q.Encode(), nil))
		for _, r := range p.Items {
			ids = append(ids, r.ActionID)
		}
		if p.NextCursor == "" {
			return ids
		}
		q.Set("cursor", p.NextCursor)
	}
	t.Fatal("the cursor never ended")
	return nil
}
