package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/dlq"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/notify"
	"github.com/quell-dev/quell/internal/quelltest"
	"github.com/quell-dev/quell/internal/secret"
	"github.com/quell-dev/quell/internal/sourceauth"
)

const (
	console   = "https://quell.example.com/ui"
	whsec     = "whsec_cXVlbGwtbm90aWZ5LXRlc3Qtc2VjcmV0LTEyMzQ1Ng=="
	urlSecret = "T000/B000/s3cr3t-xoxb-webhook-token"
)

// receiver is a local destination that records what it got and answers
// from a script (then 200).
type receiver struct {
	mu      sync.Mutex
	bodies  [][]byte
	headers []http.Header
	answers []int
	srv     *httptest.Server
}

func newReceiver(t *testing.T, answers ...int) *receiver {
	r := &receiver{answers: answers}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.bodies, r.headers = append(r.bodies, b), append(r.headers, req.Header.Clone())
		code := http.StatusOK
		if len(r.answers) > 0 {
			code, r.answers = r.answers[0], r.answers[1:]
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) url() string { return r.srv.URL + "/services/" + urlSecret }

func (r *receiver) got() ([][]byte, []http.Header) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte(nil), r.bodies...), append([]http.Header(nil), r.headers...)
}

type bundle struct {
	n    *quelltest.NATS
	logs *quelltest.SyncBuffer
}

func setup(t *testing.T, maxAttempts int, routes ...notify.RouteConfig) *bundle {
	t.Helper()
	b := &bundle{n: quelltest.StartNATS(t), logs: &quelltest.SyncBuffer{}}
	compiled, err := notify.Compile(routes)
	if err != nil {
		t.Fatal(err)
	}
	nt, err := notify.New(notify.Config{JS: b.n.JS, Routes: compiled, ConsoleURL: console, MaxAttempts: maxAttempts,
		Retry:  *backoff.NewExponentialBackOff(backoff.WithInitialInterval(20*time.Millisecond), backoff.WithMaxInterval(100*time.Millisecond)),
		Logger: slog.New(slog.NewJSONHandler(b.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = nt.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	for _, r := range routes {
		quelltest.Eventually(t, 10*time.Second, "consumer "+r.Name, func() bool {
			_, err := b.n.JS.Consumer(context.Background(), events.StreamResults, notify.ConsumerName(r.Name))
			return err == nil
		})
	}
	return b
}

func (b *bundle) publish(t *testing.T, r events.ActionResult) {
	t.Helper()
	ev, err := events.NewResult(r)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := events.NewPublisher(b.n.JS).Publish(context.Background(), events.ResultSubject(r.Action.Target, string(r.Action.Kind)), ev); err != nil {
		t.Fatal(err)
	}
}

func result(id string, status actions.Status, guard string) events.ActionResult {
	return events.ActionResult{Action: actions.Action{ID: id, Kind: actions.Quarantine, Target: "bi",
		User: actions.UserRef{Username: "jdoe"}, Rule: "quarantine-high-severity", RequestedBy: "policy"},
		Status: status, Guard: guard, Reason: "parked for approval: more than 20 quarantine on bi within 10m0s",
		FinishedAt: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
}

func waitBodies(t *testing.T, r *receiver, n int) [][]byte {
	t.Helper()
	var bodies [][]byte
	quelltest.Eventually(t, 15*time.Second, "notifications", func() bool { bodies, _ = r.got(); return len(bodies) >= n })
	return bodies
}

// A parked action reaches Slack as a Block Kit message: header, facts,
// reason, a button to the action's console page, context; a completed one
// is not sent by the default filter.
func TestSlackBlockKit(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t)
	b := setup(t, 3, notify.RouteConfig{Name: "soc-slack", Kind: notify.KindSlack, URL: secret.New(rcv.url())})
	b.publish(t, result("act_done", actions.StatusCompleted, ""))
	b.publish(t, result("act_parked", actions.StatusSkipped, actions.GuardParked))
	body := waitBodies(t, rcv, 1)[0]
	var msg struct {
		Text   string           `json:"text"`
		Blocks []map[string]any `json:"blocks"`
	}
	if err := json.Unmarshal(body, &msg); err != nil || msg.Text == "" || len(msg.Blocks) < 3 {
		t.Fatalf("not a Block Kit message: %v %s", err, body)
	}
	allowed := map[string]bool{"header": true, "section": true, "actions": true, "context": true}
	for _, bl := range msg.Blocks {
		if !allowed[bl["type"].(string)] {
			t.Fatalf("block type %v", bl["type"])
		}
	}
	head := msg.Blocks[0]["text"].(map[string]any)
	if msg.Blocks[0]["type"] != "header" || head["type"] != "plain_text" || len(head["text"].(string)) > 150 ||
		!strings.Contains(head["text"].(string), "Approval needed") {
		t.Fatalf("header %v", msg.Blocks[0])
	}
	if !bytes.Contains(body, []byte(`"url":"`+console+`/actions/act_parked"`)) || bytes.Contains(body, []byte("act_done")) {
		t.Fatalf("link or filter wrong: %s", body)
	}
	time.Sleep(200 * time.Millisecond)
	if bodies, _ := rcv.got(); len(bodies) != 1 {
		t.Fatalf("%d messages, want only the parked one", len(bodies))
	}
}

// A failed action reaches Teams as a workflow message with one Adaptive
// Card attachment.
func TestTeamsAdaptiveCard(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t)
	b := setup(t, 3, notify.RouteConfig{Name: "teams", Kind: notify.KindTeams, URL: secret.New(rcv.url())})
	b.publish(t, result("act_failed", actions.StatusFailed, ""))
	var msg struct {
		Type        string `json:"type"`
		Attachments []struct {
			ContentType string `json:"contentType"`
			Content     struct {
				Type    string           `json:"type"`
				Version string           `json:"version"`
				Body    []map[string]any `json:"body"`
				Actions []map[string]any `json:"actions"`
			} `json:"content"`
		} `json:"attachments"`
	}
	body := waitBodies(t, rcv, 1)[0]
	if err := json.Unmarshal(body, &msg); err != nil || msg.Type != "message" || len(msg.Attachments) != 1 {
		t.Fatalf("not a Teams workflow message: %v %s", err, body)
	}
	c := msg.Attachments[0]
	if c.ContentType != "application/vnd.microsoft.card.adaptive" || c.Content.Type != "AdaptiveCard" || c.Content.Version != "1.4" ||
		len(c.Content.Body) < 2 || c.Content.Body[0]["type"] != "TextBlock" || c.Content.Body[1]["type"] != "FactSet" ||
		len(c.Content.Actions) != 1 || c.Content.Actions[0]["type"] != "Action.OpenUrl" || c.Content.Actions[0]["url"] != console+"/actions/act_failed" {
		t.Fatalf("card %+v", c)
	}
}

// A SOAR receives every result, signed with Standard Webhooks: the body is
// the result event, and the signature verifies with the shared secret.
func TestSignedWebhookEveryResult(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t)
	b := setup(t, 3, notify.RouteConfig{Name: "soar", Kind: notify.KindWebhook, URL: secret.New(rcv.url()),
		SigningSecret: secret.New(whsec), When: "true"})
	b.publish(t, result("act_done", actions.StatusCompleted, ""))
	body := waitBodies(t, rcv, 1)[0]
	_, headers := rcv.got()
	v, err := sourceauth.New(sourceauth.Config{Scheme: sourceauth.SchemeStandardWebhooks, Secrets: []secret.Secret{secret.New(whsec)}})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	req.Header = headers[0]
	if _, err := v.Verify(req, body); err != nil {
		t.Fatalf("signature does not verify: %v", err)
	}
	ev, err := events.Decode(body)
	if err != nil || ev.Type() != events.TypeActionCompleted {
		t.Fatalf("body is not the result event: %v %s", err, body)
	}
}

// A receiver that fails twice gets the message on the third attempt, once.
func TestTransientFailuresAreRetried(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, 503, 429)
	b := setup(t, 5, notify.RouteConfig{Name: "flaky", Kind: notify.KindSlack, URL: secret.New(rcv.url())})
	b.publish(t, result("act_failed", actions.StatusFailed, ""))
	waitBodies(t, rcv, 3)
	time.Sleep(300 * time.Millisecond)
	if bodies, _ := rcv.got(); len(bodies) != 3 {
		t.Fatalf("%d attempts, want 3 (two failures, one success)", len(bodies))
	}
	if n := len(quelltest.StreamMsgs(t, b.n.JS, events.StreamDLQ, "")); n != 0 {
		t.Fatalf("%d DLQ entries after a recovered destination", n)
	}
}

// A refusal is dead-lettered at once, and retries used up after
// MaxAttempts; the reason names the route and never the URL, a secret.
func TestUndeliverableNotificationsAreDeadLettered(t *testing.T) {
	t.Parallel()
	gone := newReceiver(t, 404)
	down := newReceiver(t, 503, 503, 503, 503, 503)
	b := setup(t, 3, notify.RouteConfig{Name: "gone", Kind: notify.KindSlack, URL: secret.New(gone.url())},
		notify.RouteConfig{Name: "down", Kind: notify.KindTeams, URL: secret.New(down.url())})
	b.publish(t, result("act_failed", actions.StatusFailed, ""))
	var dead []jetstream.RawStreamMsg
	defer func() {
		if t.Failed() {
			t.Log(b.logs.String())
		}
	}()
	quelltest.Eventually(t, 15*time.Second, "two DLQ entries", func() bool {
		dead = quelltest.StreamMsgs(t, b.n.JS, events.StreamDLQ, "quell.dlq.*")
		return len(dead) == 2
	})
	if bodies, _ := gone.got(); len(bodies) != 1 {
		t.Fatalf("a refused route was tried %d times", len(bodies))
	}
	if bodies, _ := down.got(); len(bodies) != 3 {
		t.Fatalf("a failing route was tried %d times, want max_attempts 3", len(bodies))
	}
	for _, d := range dead {
		reason := d.Header.Get(dlq.HeaderReason)
		route := d.Header.Get(notify.HeaderRoute)
		if !strings.Contains(reason, "route "+route) || strings.Contains(reason, urlSecret) || d.Subject != "quell.dlq."+notify.Stage(route) {
			t.Fatalf("DLQ entry %s: %q", d.Subject, reason)
		}
	}
	if strings.Contains(b.logs.String(), urlSecret) {
		t.Fatal("a webhook URL reached the logs")
	}
}

func TestCompileRefusesBadRoutes(t *testing.T) {
	_, err := notify.Compile([]notify.RouteConfig{
		{Name: "a", Kind: "pager", URL: secret.New("https://x.example.com/")},
		{Name: "b", Kind: notify.KindWebhook, URL: secret.New("https://x.example.com/")},
		{Name: "c", Kind: notify.KindSlack, URL: secret.New("not a url " + urlSecret)},
		{Name: "d", Kind: notify.KindSlack, URL: secret.New("https://x.example.com/"), When: "result.status +"},
	})
	for _, want := range []string{`(a): kind "pager"`, "(b): kind webhook needs a signing secret", "(c): url: not an http(s) URL", "(d): when:"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q in %v", want, err)
		}
	}
	if err != nil && strings.Contains(err.Error(), urlSecret) {
		t.Fatal("the error quotes a URL")
	}
}

// A dead-lettered notification, replayed once the destination is fixed,
// goes to that route again and to no other.
func TestReplayedNotificationGoesToItsRouteOnly(t *testing.T) {
	t.Parallel()
	gone := newReceiver(t, 404)
	other := newReceiver(t)
	b := setup(t, 3, notify.RouteConfig{Name: "gone", Kind: notify.KindSlack, URL: secret.New(gone.url())},
		notify.RouteConfig{Name: "other", Kind: notify.KindSlack, URL: secret.New(other.url())})
	b.publish(t, result("act_failed", actions.StatusFailed, ""))
	var entries []dlq.Entry
	quelltest.Eventually(t, 15*time.Second, "the DLQ entry", func() bool {
		entries, _ = dlq.List(context.Background(), b.n.JS, dlq.Filter{})
		return len(entries) == 1
	})
	if out, err := dlq.Replay(context.Background(), b.n.JS, entries[0], 3, false); err != nil || out != dlq.Replayed {
		t.Fatalf("replay: %v %v", out, err)
	}
	waitBodies(t, gone, 2)
	time.Sleep(300 * time.Millisecond)
	if bodies, _ := other.got(); len(bodies) != 1 {
		t.Fatalf("the other route got %d messages, want 1", len(bodies))
	}
}
