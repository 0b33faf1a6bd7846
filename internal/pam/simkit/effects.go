package simkit

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ActionIDHeader carries the id of the Quell action a request belongs to
// (set by Quell's target HTTP client), so an effect can be traced to the
// action that caused it.
const ActionIDHeader = "X-Quell-Action-Id"

// Effect is one state-changing request a simulator served: what a checker
// needs to prove at-most-once (one write per action id) and safety (no write
// on a protected account, none that no action asked for).
type Effect struct {
	Seq      int64     `json:"seq"`
	Time     time.Time `json:"time"`
	Method   string    `json:"method"`
	Path     string    `json:"path"`
	Status   int       `json:"status"`
	ActionID string    `json:"action_id,omitempty"`
	// Key names the object the request changed ("user/12"), when the
	// simulator's [StateOf] knows it; Before and After are its snapshots.
	Key     string          `json:"key,omitempty"`
	Before  json.RawMessage `json:"before,omitempty"`
	After   json.RawMessage `json:"after,omitempty"`
	Changed bool            `json:"changed"`
	// Name is the account name of the object, when [StateOf] knows it.
	Name string `json:"name,omitempty"`
}

// State is what a simulator's [StateOf] says about the object a request
// changes: its key, its account name and how to snapshot it.
type State struct {
	Key      string
	Name     func() string
	Snapshot func() any
}

// StateOf maps a write (method and full path segments) onto the object it
// changes; ok false means the request changes no tracked object (a sign-in)
// and is not an effect.
type StateOf func(method string, segs []string) (State, bool)

// Effects is the effect log of one simulator. Without a [StateOf] every
// non-GET request answered 2xx is an effect, without state.
type Effects struct {
	stateOf StateOf

	mu   sync.Mutex
	seq  int64
	list []Effect
}

// NewEffects returns an empty effect log; stateOf may be nil.
func NewEffects(stateOf StateOf) *Effects { return &Effects{stateOf: stateOf} }

// List returns a copy of the effects, oldest first.
func (e *Effects) List() []Effect {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Effect(nil), e.list...)
}

// Wrap records the effects of the requests next serves. A write counts
// when it was answered 2xx or when it changed the object's snapshot (a
// write whose answer was lost or dropped still took effect).
func (e *Effects) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		segs := splitPath(r.URL.Path)
		st, tracked := State{}, e.stateOf == nil
		if e.stateOf != nil {
			st, tracked = e.stateOf(r.Method, segs)
		}
		if !tracked {
			next.ServeHTTP(w, r)
			return
		}
		before := snapshot(st)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			after := snapshot(st)
			changed := string(before) != string(after)
			if (sw.status >= 200 && sw.status < 300) || changed {
				e.add(Effect{Time: time.Now().UTC(), Method: r.Method, Path: r.URL.Path, Status: sw.status,
					ActionID: r.Header.Get(ActionIDHeader), Key: st.Key, Name: nameOf(st),
					Before: before, After: after, Changed: changed})
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

func (e *Effects) add(ef Effect) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seq++
	ef.Seq = e.seq
	e.list = append(e.list, ef)
}

func snapshot(st State) json.RawMessage {
	if st.Snapshot == nil {
		return nil
	}
	b, err := json.Marshal(st.Snapshot())
	if err != nil {
		return nil
	}
	return b
}

func nameOf(st State) string {
	if st.Name == nil {
		return ""
	}
	return st.Name()
}

// UserIDAfter finds the numeric id that follows one of the given segment
// names ("Users", "user", "addUser"), case-insensitively: the user a vendor
// API path writes to. It is the usual core of a simulator's [StateOf].
func UserIDAfter(segs []string, names ...string) (int, bool) {
	for i := len(segs) - 2; i >= 0; i-- {
		for _, n := range names {
			if strings.EqualFold(segs[i], n) {
				if id, err := strconv.Atoi(segs[i+1]); err == nil {
					return id, true
				}
			}
		}
	}
	return 0, false
}

// statusWriter remembers the first status written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

// WriteHeader remembers the status, then passes it on.
func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

// Write reports an implicit 200.
func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets [http.ResponseController] hijack the connection beneath (the
// [Kit]'s dropped-connection faults).
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
