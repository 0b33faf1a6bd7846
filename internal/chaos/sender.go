package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/quell-dev/quell/internal/secret"
	"github.com/quell-dev/quell/internal/sourceauth"
)

// [Item] kinds the sender sends.
const (
	KindAlert  = "alert"
	KindHR     = "hr"
	KindManual = "manual"
)

// Item is one request the sender delivers until it gets a 2xx.
type Item struct {
	Seq      int
	Kind     string
	Scenario string
	ID       string // webhook-id, or the manual action's idempotency key
	User     string
	Severity int // alerts
	Body     []byte
	At       time.Duration // when to send, from the start of the load
	// Filled in by the sender.
	Attempts int
	Status   map[int]int // answers by status (0: no answer)
	Accepted bool
	AcceptAt time.Time
	Ingest   int      // which ingest answered 202
	IDs      []string // event ids (webhooks) or action ids (manual)
}

// Expects reports how many actions the item should plan.
func (it *Item) Expects() int {
	switch it.Kind {
	case KindAlert:
		if it.Severity >= severityThreshold {
			return 3
		}
		return 0
	default:
		return 1
	}
}

const severityThreshold = 70

// plan builds every item of the load from the seed: users, severities, the
// mix of kinds and the send times are all drawn from rng.
func plan(rng *rand.Rand, o Options, scenarios []Scenario) []*Item {
	users := o.userNames()
	perm := rng.Perm(len(users))
	var items []*Item
	total := o.Alerts
	for i := range total {
		sc := scenarios[i*len(scenarios)/total]
		first := (sc.Index*total + len(scenarios) - 1) / len(scenarios)
		n := ((sc.Index+1)*total+len(scenarios)-1)/len(scenarios) - first
		// The last tenth of each scenario is left for the faults to heal.
		at := sc.Start + time.Duration(float64(sc.Length)*0.9*float64(i-first)/float64(max(n, 1)))
		user := users[perm[i%len(users)]]
		if i >= len(users) {
			user = users[rng.IntN(len(users))]
		}
		if rng.IntN(100) < 2 {
			user = o.protectedNames()[rng.IntN(o.Protected)]
		}
		it := &Item{Seq: len(items), Scenario: sc.Name, User: user, At: at}
		switch r := rng.IntN(100); {
		case r < 6:
			it.Kind, it.ID = KindHR, fmt.Sprintf("chaos-%d-hr-%05d", o.Seed, i)
			it.Body = mustJSON(map[string]any{"event_id": it.ID, "change": "updated", "username": user,
				"changed_fields": map[string]any{"full_name": fmt.Sprintf("Renamed %s %d", user, rng.IntN(1000))}})
		case r < 10:
			it.Kind, it.ID = KindManual, fmt.Sprintf("chaos-%d-manual-%05d", o.Seed, i)
			it.Body = mustJSON(map[string]any{"action": "quarantine", "target": []string{"bi", "cv", "tf"}[rng.IntN(3)],
				"user": map[string]any{"username": user}, "reason": "chaos: responder", "idempotency_key": it.ID})
		default:
			it.Kind, it.ID = KindAlert, fmt.Sprintf("chaos-%d-alert-%05d", o.Seed, i)
			it.Severity = 40 + rng.IntN(61)
			it.Body = mustJSON(map[string]any{"id": it.ID, "title": "chaos alert", "rule": "chaos", "severity": it.Severity,
				"user": map[string]any{"name": user}})
		}
		items = append(items, it)
	}
	return items
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// Sender delivers items like a SIEM: every answer that is not 2xx
// (timeout, reset, 503) is retried with the same delivery id, with
// exponential backoff, alternating ingests as a load balancer would.
type Sender struct {
	Ingests []string // base URLs
	Webhook secret.Secret
	Token   string
	client  *http.Client
	mu      sync.Mutex
}

// Run sends every item at its time, up to 24 at once, until all got a 2xx
// or ctx ends.
func (s *Sender) Run(ctx context.Context, start time.Time, items []*Item) {
	s.client = &http.Client{Timeout: 8 * time.Second}
	queue := make(chan *Item)
	var wg sync.WaitGroup
	for range 24 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range queue {
				s.deliver(ctx, it)
			}
		}()
	}
	for _, it := range items {
		if d := time.Until(start.Add(it.At)); d > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(d):
			}
		}
		if ctx.Err() != nil {
			break
		}
		queue <- it
	}
	close(queue)
	wg.Wait()
}

func (s *Sender) deliver(ctx context.Context, it *Item) {
	backoff := 100 * time.Millisecond
	for n := 0; ctx.Err() == nil; n++ {
		ingest := (it.Seq + n) % len(s.Ingests)
		status, body := s.send(ctx, ingest, it)
		s.mu.Lock()
		it.Attempts++
		if it.Status == nil {
			it.Status = map[int]int{}
		}
		it.Status[status]++
		s.mu.Unlock()
		if status >= 200 && status < 300 {
			var acc struct {
				IDs []string `json:"ids"`
				ID  string   `json:"id"`
			}
			_ = json.Unmarshal(body, &acc)
			if acc.ID != "" {
				acc.IDs = append(acc.IDs, acc.ID)
			}
			s.mu.Lock()
			it.Accepted, it.AcceptAt, it.Ingest, it.IDs = true, time.Now(), ingest, acc.IDs
			s.mu.Unlock()
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

func (s *Sender) send(ctx context.Context, ingest int, it *Item) (int, []byte) {
	url := s.Ingests[ingest]
	switch it.Kind {
	case KindAlert:
		url += "/v1/webhooks/siem"
	case KindHR:
		url += "/v1/webhooks/hr"
	default:
		url += "/v1/actions"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(it.Body))
	if err != nil {
		return 0, nil
	}
	req.Header.Set("Content-Type", "application/json")
	if it.Kind == KindManual {
		req.Header.Set("Authorization", "Bearer "+s.Token)
	} else {
		now := time.Now()
		sig, err := sourceauth.Sign(s.Webhook, it.ID, now, it.Body)
		if err != nil {
			return 0, nil
		}
		req.Header.Set("webhook-id", it.ID)
		req.Header.Set("webhook-timestamp", fmt.Sprint(now.Unix()))
		req.Header.Set("webhook-signature", sig)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, b
}
