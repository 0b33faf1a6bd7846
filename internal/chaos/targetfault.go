package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/quell-dev/quell/internal/clock"
	"github.com/quell-dev/quell/internal/pam/simkit"
)

// writeRoutes are the routes the lose-answer fault hits: the writes the
// chaos policy makes on each simulator.
var writeRoutes = map[string][]string{
	"bi": {"POST Users/{id}/Quarantine"},
	"cv": {"PUT V4/user/{userId}"},
	"tf": {"POST threadfix/rest/{version}/users/{userId}/update"},
}

func (n *Nemesis) targetFault(ctx context.Context, f *Fault) error {
	sim := n.Env.Sims[f.Victim]
	f.Hit = f.Victim
	last, err := sim.lastEffect(ctx)
	if err != nil {
		return err
	}
	var specs []simkit.FaultSpec
	switch f.Kind {
	case "503-burst":
		specs = []simkit.FaultSpec{{Route: "*", Status: http.StatusServiceUnavailable}}
	case "429":
		specs = []simkit.FaultSpec{{Route: "*", Status: http.StatusTooManyRequests, RetryAfter: "2"}}
	case "latency":
		specs = []simkit.FaultSpec{{Route: "*", LatencyMS: 3000}}
	case "drop":
		specs = []simkit.FaultSpec{{Route: "*", Drop: true}}
	case "lose-answer":
		for _, r := range writeRoutes[f.Victim] {
			specs = append(specs, simkit.FaultSpec{Route: r, LoseAnswer: true})
		}
	case "session-expiry":
	case "sim-restart":
		// A restart: every session forgotten, and the connections of the
		// moment dropped while it is down.
		specs = []simkit.FaultSpec{{Route: "*", Drop: true}}
	default:
		return fmt.Errorf("unknown fault %s", f.Kind)
	}
	if f.Kind == "session-expiry" || f.Kind == "sim-restart" {
		if err := sim.post(ctx, "/_sim/sessions/forget", nil); err != nil && f.Victim != "tf" {
			return err
		}
	}
	for _, s := range specs {
		if err := sim.post(ctx, "/_sim/faults", s); err != nil {
			return err
		}
	}
	clock.Sleep(ctx, f.Hold)
	if err := sim.clear(ctx); err != nil {
		return err
	}
	f.End = time.Now()
	return n.recover(ctx, f, func(c context.Context) bool {
		list, err := sim.Effects(c, last)
		return err == nil && len(list) > 0
	})
}

// SimAdmin is the admin surface of one simulator.
type SimAdmin struct {
	Name string
	URL  string // base: http://127.0.0.1:port
}

var adminClient = &http.Client{Timeout: 30 * time.Second}

func (s SimAdmin) post(ctx context.Context, path string, body any) error {
	var b []byte
	if body != nil {
		b = mustJSON(body)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	return s.do(req)
}

func (s SimAdmin) clear(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, s.URL+"/_sim/faults", nil)
	if err != nil {
		return err
	}
	return s.do(req)
}

func (s SimAdmin) do(req *http.Request) error {
	resp, err := adminClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s admin: %w", s.Name, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s admin %s %s: %s", s.Name, req.Method, req.URL.Path, resp.Status)
	}
	return nil
}

// Effects reads the simulator's effect log after seq since.
func (s SimAdmin) Effects(ctx context.Context, since int64) ([]simkit.Effect, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/_sim/effects?since=%d", s.URL, since), nil)
	if err != nil {
		return nil, err
	}
	resp, err := adminClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s effects: %w", s.Name, err)
	}
	defer func() { _ = resp.Body.Close() }()
	var out []simkit.Effect
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("%s effects: %w", s.Name, err)
	}
	return out, nil
}

func (s SimAdmin) lastEffect(ctx context.Context) (int64, error) {
	// The log only grows; reading it whole is cheap enough at this scale,
	// and "since" keeps the polling cheap once the base is known.
	list, err := s.Effects(ctx, 0)
	if err != nil || len(list) == 0 {
		return 0, err
	}
	return list[len(list)-1].Seq, nil
}
