package pam_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
)

// Every request names its action; a write is not sent once the fence
// (the action's lease) fails, and the error says nothing reached the
// target, so it is neither a failed attempt nor an unanswered write.
func TestActionTransportNamesActionAndFencesWrites(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.Header.Get(pam.ActionIDHeader))
		mu.Unlock()
	}))
	defer srv.Close()
	hc := pam.NewHTTPClient("t", 0)
	fenced := false
	ctx := actions.WithFence(actions.WithActionID(context.Background(), "act_1"), func(context.Context) error {
		if fenced {
			return errors.New("lease taken over")
		}
		return nil
	})
	do := func(method string) error {
		req, _ := http.NewRequestWithContext(ctx, method, srv.URL, strings.NewReader("x"))
		resp, err := hc.Do(req)
		if err == nil {
			_ = resp.Body.Close()
		}
		return err
	}
	if err := do(http.MethodPost); err != nil {
		t.Fatal(err)
	}
	fenced = true
	if err := do(http.MethodGet); err != nil {
		t.Fatalf("a read is not fenced: %v", err)
	}
	err := do(http.MethodPut)
	if !errors.Is(err, actions.ErrFenced) || !errors.Is(err, actions.ErrTargetUnavailable) {
		t.Fatalf("fenced write: %v", err)
	}
	if got := pam.MarkUnanswered(actions.Call{Method: "PUT", Path: "x"}, 0, &pam.TransportError{Err: err}); !errors.Is(got, actions.ErrFenced) {
		t.Fatalf("not the fence error: %v", got)
	} else if _, unanswered := actions.UnansweredCall(got); unanswered {
		t.Fatal("a fenced write, never sent, is marked unanswered")
	}
	if want := "POST act_1,GET act_1"; strings.Join(seen, ",") != want {
		t.Fatalf("target saw %v, want %s", seen, want)
	}
}
