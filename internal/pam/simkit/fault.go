package simkit

import (
	"net/http"
	"time"
)

// Fault is a misbehaviour injected into the answers of one route.
//
// Latency delays the request; with Status 0 and Drop false the request then
// reaches the real handler (a slow but working API). Drop closes the
// connection without an answer. Otherwise Status is answered with Body
// (default: the status text) as text/plain and, when set, a Retry-After
// header: the handler is not run, so state does not change.
type Fault struct {
	Latency    time.Duration
	Status     int
	Times      int // how many requests the fault applies to; 0 = every request until cleared
	RetryAfter string
	Body       string
	Drop       bool
	// LoseAnswer handles the request (its effect takes place) and then
	// closes the connection without an answer: a write that took effect
	// while the client heard nothing, as when an answer is held past the
	// client's timeout or a proxy drops it.
	LoseAnswer bool
}

// activeFault is an injected fault with its pattern and remaining uses.
type activeFault struct {
	pattern
	fault     Fault
	remaining int // -1 = forever
}

// Inject adds a fault for the requests matching route (see the package doc
// for the pattern syntax). Faults apply in the order they were injected: the
// first one that matches a request and has uses left answers it, so
// Inject(r, 503 x2) then Inject(r, 429 x1) gives 503, 503, 429, then normal
// answers. An invalid pattern panics, as it is a bug in the test.
func (k *Kit) Inject(route string, f Fault) {
	p, err := parsePattern(route, true)
	if err != nil {
		panic(err)
	}
	remaining := f.Times
	if remaining <= 0 {
		remaining = -1
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.faults = append(k.faults, &activeFault{pattern: p, fault: f, remaining: remaining})
}

// ClearFaults removes every injected fault.
func (k *Kit) ClearFaults() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.faults = nil
}

// takeFault returns the fault that applies to this request, using up one of
// its uses, and drops faults that have none left.
func (k *Kit) takeFault(method string, segs []string) (Fault, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for i, af := range k.faults {
		if _, ok := af.match(method, segs); !ok {
			continue
		}
		if af.remaining > 0 {
			af.remaining--
			if af.remaining == 0 {
				k.faults = append(k.faults[:i:i], k.faults[i+1:]...)
			}
		}
		return af.fault, true
	}
	return Fault{}, false
}

// wait applies the fault's latency. It reports false when the client gave
// up meanwhile, leaving nothing to answer.
func (f Fault) wait(r *http.Request) bool {
	if f.Latency <= 0 {
		return true
	}
	t := time.NewTimer(f.Latency)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// answer writes the fault's status, if it has one, and reports whether it
// did (so the real handler must not run).
func (f Fault) answer(w http.ResponseWriter) bool {
	if f.Status == 0 {
		return false
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	body := f.Body
	if body == "" {
		body = http.StatusText(f.Status)
	}
	http.Error(w, body, f.Status)
	return true
}

// drop closes the connection with no answer. Hijacking gives the client a
// clean EOF on HTTP/1; where hijacking is impossible (HTTP/2) the
// ErrAbortHandler panic makes net/http reset the stream instead.
func drop(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
