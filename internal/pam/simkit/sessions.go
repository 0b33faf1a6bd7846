package simkit

import (
	"sync"
	"time"
)

// Sessions is a simulator's table of live sessions (a cookie value, a
// token), each ending after an idle timeout counted from its last request
// by the simulator's clock, as vendor APIs end idle sessions. Issuing the
// session value and carrying it (cookie or header) is the simulator's. It
// is safe for concurrent use.
type Sessions struct {
	now     func() time.Time
	timeout time.Duration

	mu   sync.Mutex
	last map[string]time.Time // value -> last request
}

// NewSessions returns an empty table whose sessions end after timeout
// without requests by the clock now.
func NewSessions(now func() time.Time, timeout time.Duration) *Sessions {
	return &Sessions{now: now, timeout: timeout, last: map[string]time.Time{}}
}

// Open records a new session with value v, live from now.
func (s *Sessions) Open(v string) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last[v] = now
}

// Touch reports whether v is a live session, and extends it: the timeout
// counts from the last request. A session past its timeout is forgotten.
func (s *Sessions) Touch(v string) bool {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	last, ok := s.last[v]
	if !ok {
		return false
	}
	if now.Sub(last) >= s.timeout {
		delete(s.last, v)
		return false
	}
	s.last[v] = now
	return true
}

// End ends session v (a sign-out).
func (s *Sessions) End(v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.last, v)
}

// EndAll ends every session at once, as a server restart would.
func (s *Sessions) EndAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.last)
}

// Live counts the sessions still alive by the clock.
func (s *Sessions) Live() int {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, last := range s.last {
		if now.Sub(last) < s.timeout {
			n++
		}
	}
	return n
}
