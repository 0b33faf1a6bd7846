package simkit

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// AdminPrefix is the path prefix reserved for a simulator's admin surface
// (effects, request log, fault injection, session reset). No vendor API
// path starts with it.
const AdminPrefix = "/_sim/"

// FaultSpec is a [Fault] as sent to the admin surface.
type FaultSpec struct {
	Route      string `json:"route"`
	LatencyMS  int    `json:"latency_ms,omitempty"`
	Status     int    `json:"status,omitempty"`
	Times      int    `json:"times,omitempty"`
	RetryAfter string `json:"retry_after,omitempty"`
	Drop       bool   `json:"drop,omitempty"`
	LoseAnswer bool   `json:"lose_answer,omitempty"`
}

// Fault converts the spec.
func (f FaultSpec) Fault() Fault {
	return Fault{Latency: time.Duration(f.LatencyMS) * time.Millisecond, Status: f.Status, Times: f.Times,
		RetryAfter: f.RetryAfter, Drop: f.Drop, LoseAnswer: f.LoseAnswer}
}

// Admin is a simulator's admin surface, for a chaos harness or an operator
// driving a simulator from another process:
//
//	GET    /_sim/effects[?since=N]  the effect log (JSON array of Effect), after seq N
//	GET    /_sim/requests           the request log (JSON array of Entry)
//	POST   /_sim/faults             inject a fault (FaultSpec)
//	DELETE /_sim/faults             clear every fault
//	POST   /_sim/sessions/forget    end every session, as a restart would
//
// It has no authentication: serve it on loopback only.
type Admin struct {
	Kit     *Kit
	Effects *Effects
	// Forget ends every session; nil answers 501.
	Forget func()
}

// Wrap serves the admin surface under [AdminPrefix] and everything else with
// next, recording next's effects.
func (a Admin) Wrap(next http.Handler) http.Handler {
	api := next
	if a.Effects != nil {
		api = a.Effects.Wrap(next)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, AdminPrefix) {
			api.ServeHTTP(w, r)
			return
		}
		a.serve(w, r)
	})
}

func (a Admin) serve(w http.ResponseWriter, r *http.Request) {
	switch r.Method + " " + r.URL.Path {
	case "GET /_sim/effects":
		var list []Effect
		if a.Effects != nil {
			list = a.Effects.List()
		}
		// ?since=N: only the effects after sequence number N.
		if since, err := strconv.ParseInt(r.URL.Query().Get("since"), 10, 64); err == nil {
			i := sort.Search(len(list), func(i int) bool { return list[i].Seq > since })
			list = list[i:]
		}
		writeJSON(w, list)
	case "GET /_sim/requests":
		writeJSON(w, a.Kit.Requests())
	case "POST /_sim/faults":
		var f FaultSpec
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&f); err != nil {
			http.Error(w, "fault: "+err.Error(), http.StatusBadRequest)
			return
		}
		if err := inject(a.Kit, f); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case "DELETE /_sim/faults":
		a.Kit.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	case "POST /_sim/sessions/forget":
		if a.Forget == nil {
			http.Error(w, "this simulator keeps no sessions", http.StatusNotImplemented)
			return
		}
		a.Forget()
		w.WriteHeader(http.StatusNoContent)
	default:
		http.Error(w, "unknown admin request", http.StatusNotFound)
	}
}

// inject turns Inject's panic on a bad pattern into an error: here the
// pattern comes from another process, not from a test's own code.
func inject(k *Kit, f FaultSpec) error {
	if _, perr := parsePattern(f.Route, true); perr != nil {
		return fmt.Errorf("fault route: %w", perr)
	}
	k.Inject(f.Route, f.Fault())
	return nil
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
