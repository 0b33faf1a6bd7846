package pam_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
)

// login is one login of the fake API: its number.
type login struct{ n int64 }

// fakeAPI answers 401 to any login but the current one.
type fakeAPI struct {
	opened  atomic.Int64
	current atomic.Int64
}

func (f *fakeAPI) open(context.Context) (*login, error) {
	n := f.opened.Add(1)
	f.current.Store(n)
	return &login{n: n}, nil
}

func (f *fakeAPI) send(l *login) (int, error) {
	if l.n != f.current.Load() {
		return http.StatusUnauthorized, actions.Permanent(errors.New("401"))
	}
	return http.StatusOK, nil
}

func TestSessionLogsInOnceAndRenewsOnceFor401s(t *testing.T) {
	api := &fakeAPI{}
	s := pam.NewSession("t", "sign in", "signing in", api.open)
	if s.Current() != nil {
		t.Fatal("logged in before use")
	}
	run := func() {
		var wg sync.WaitGroup
		for range 32 {
			wg.Go(func() {
				if status, err := s.Call(context.Background(), api.send); status != 200 || err != nil {
					t.Errorf("Call = %d, %v", status, err)
				}
			})
		}
		wg.Wait()
	}
	run()
	if n := api.opened.Load(); n != 1 {
		t.Fatalf("%d logins on first use, want 1", n)
	}
	api.current.Store(0) // every login in use ends: each goroutine gets a 401
	run()
	if n := api.opened.Load(); n != 2 {
		t.Errorf("%d logins after the 401s, want 2", n)
	}
}

func TestSessionSecond401(t *testing.T) {
	api := &fakeAPI{}
	s := pam.NewSession("t", "log in", "logging in", api.open)
	calls := 0
	status, err := s.Call(context.Background(), func(*login) (int, error) {
		calls++
		return http.StatusUnauthorized, actions.Permanent(errors.New("POST /x: 401 Unauthorized"))
	})
	if status != 401 || !actions.IsPermanent(err) || err.Error() != "still unauthorized after logging in again: POST /x: 401 Unauthorized" {
		t.Errorf("got %d, %v", status, err)
	}
	if calls != 2 || api.opened.Load() != 2 {
		t.Errorf("%d sends, %d logins; want 2 and 2", calls, api.opened.Load())
	}
}

func TestSessionLoginFailure(t *testing.T) {
	failing := errors.New("sign in to t: refused")
	s := pam.NewSession("t", "sign in", "signing in", func(context.Context) (*login, error) { return nil, failing })
	sent := false
	status, err := s.Call(context.Background(), func(*login) (int, error) { sent = true; return 200, nil })
	if status != 0 || !errors.Is(err, failing) || sent || s.Current() != nil {
		t.Errorf("got %d, %v, sent %v", status, err, sent)
	}
}

func TestSessionEnd(t *testing.T) {
	api := &fakeAPI{}
	s := pam.NewSession("t", "sign in", "signing in", api.open)
	var ended []*login
	end := func(l *login) error { ended = append(ended, l); return nil }
	if err := s.End(context.Background(), end); err != nil || len(ended) != 1 || ended[0] != nil {
		t.Fatalf("End before use: %v, %v", err, ended)
	}
	if _, err := s.Call(context.Background(), api.send); err != nil {
		t.Fatal(err)
	}
	in := s.Current()
	if err := s.End(context.Background(), end); err != nil || ended[1] != in || s.Current() != nil {
		t.Fatalf("End: %v, ended %v, current %v", err, ended, s.Current())
	}
	// Usable afterwards: the next call logs in afresh.
	if _, err := s.Call(context.Background(), api.send); err != nil || api.opened.Load() != 2 {
		t.Errorf("after End: %v, %d logins", err, api.opened.Load())
	}
}

func TestSessionWaitHonoursContext(t *testing.T) {
	arrived, release := make(chan struct{}), make(chan struct{})
	s := pam.NewSession("bi", "sign in", "signing in", func(context.Context) (*login, error) {
		close(arrived)
		<-release
		return &login{n: 1}, nil
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = s.Ensure(context.Background())
	}()
	<-arrived // the login holds the turn
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := s.End(ctx, func(*login) error { return nil })
	if !errors.Is(err, context.DeadlineExceeded) || actions.IsPermanent(err) || !strings.HasPrefix(err.Error(), "wait to sign in to bi: ") {
		t.Errorf("End while logging in: %v, want transient deadline exceeded", err)
	}
	close(release)
	<-done
}
