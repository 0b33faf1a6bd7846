package pam

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"

	"github.com/quell-dev/quell/internal/actions"
)

// Session is the login a target client shares between all its goroutines,
// for APIs that sign in once and then send a session credential (a cookie,
// a token) with every call. T is the vendor's record of one login; each
// successful login is a new *T, and Session tells logins apart by that
// pointer, so T must not be a zero-size type.
//
// Its rules are the ones every such client follows:
//   - the first call logs in; later calls use the login in use;
//   - one login (or logout) runs at a time, and waiting for the turn
//     honours the caller's context;
//   - a 401 means the login ended (idle timeout, server restart): the client
//     logs in again once and repeats the call once, and of many goroutines
//     that saw the same 401 only the first logs in, the others use its
//     login;
//   - a second 401 is permanent: the credentials no longer work.
//
// How to log in and how a call carries the login are the vendor's (the
// open function and the send functions passed to Call).
type Session[T any] struct {
	target string // the target's name, for messages
	verb   string // "sign in", "log in": the vendor's word
	gerund string // "signing in", "logging in"
	open   func(ctx context.Context) (*T, error)

	// turn admits one login or logout at a time; a channel rather than a
	// mutex so that a waiting caller still honours its context.
	turn    chan struct{}
	current atomic.Pointer[T]
}

// NewSession returns a [Session] of target that logs in with open. verb and
// gerund are the vendor's words for logging in ("sign in", "signing in"),
// used in messages. open's error should say what it tried; it is returned
// as it is.
func NewSession[T any](target, verb, gerund string, open func(ctx context.Context) (*T, error)) *Session[T] {
	return &Session[T]{target: target, verb: verb, gerund: gerund, open: open, turn: make(chan struct{}, 1)}
}

// Current returns the login in use, nil when logged out.
func (s *Session[T]) Current() *T { return s.current.Load() }

// Ensure returns the login in use, logging in when there is none. The fast
// path is one atomic load.
func (s *Session[T]) Ensure(ctx context.Context) (*T, error) {
	if cur := s.current.Load(); cur != nil {
		return cur, nil
	}
	return s.Renew(ctx, nil)
}

// Renew logs in again, unless another goroutine already replaced the login
// stale (the one the caller saw fail) while this one waited for its turn:
// then that newer login is used, so a burst of 401s costs one login.
func (s *Session[T]) Renew(ctx context.Context, stale *T) (*T, error) {
	if err := s.acquire(ctx); err != nil {
		return nil, err
	}
	defer s.release()
	if cur := s.current.Load(); cur != nil && cur != stale {
		return cur, nil
	}
	s.current.Store(nil)
	next, err := s.open(ctx)
	if err != nil {
		return nil, err
	}
	s.current.Store(next)
	return next, nil
}

// Call runs send with the login in use, logging in first if there is none.
// send returns the HTTP status it got (0 for none) and its classified
// error. A 401 makes Call log in again (see Renew) and run send once more;
// a second 401 is reported as still unauthorized, with send's error.
func (s *Session[T]) Call(ctx context.Context, send func(*T) (int, error)) (int, error) {
	login, err := s.Ensure(ctx)
	if err != nil {
		return 0, err
	}
	status, err := send(login)
	if status != http.StatusUnauthorized {
		return status, err
	}
	if login, err = s.Renew(ctx, login); err != nil {
		return 0, err
	}
	status, err = send(login)
	if status == http.StatusUnauthorized {
		return status, fmt.Errorf("still unauthorized after %s again: %w", s.gerund, err)
	}
	return status, err
}

// End ends the session for a client's Close: it waits for its turn (so no
// login runs meanwhile), forgets the login in use and calls end with it, or
// with nil when there was none, before giving the turn back. A later Call
// logs in afresh, so the client stays usable.
func (s *Session[T]) End(ctx context.Context, end func(ended *T) error) error {
	if err := s.acquire(ctx); err != nil {
		return err
	}
	defer s.release()
	return end(s.current.Swap(nil))
}

func (s *Session[T]) acquire(ctx context.Context) error {
	select {
	case s.turn <- struct{}{}:
		return nil
	case <-ctx.Done():
		return actions.Transient(fmt.Errorf("wait to %s to %s: %w", s.verb, s.target, ctx.Err()), 0)
	}
}

func (s *Session[T]) release() { <-s.turn }
