package app_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/dlq"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/pam/simkit"
	"github.com/quell-dev/quell/internal/quelltest"
)

// idle waits until both consumers have nothing pending or in flight, so a
// test can assert that nothing more will happen.
func idle(t *testing.T, p *quelltest.Pipeline) {
	t.Helper()
	quelltest.Eventually(t, 15*time.Second, "consumers idle", func() bool {
		for _, c := range []struct{ stream, name string }{{events.StreamEvents, events.ConsumerPlanner}, {events.StreamActions, events.ConsumerExecutor}} {
			cons, err := p.NATS.JS.Consumer(context.Background(), c.stream, c.name)
			if err != nil {
				return false
			}
			info, err := cons.Info(context.Background())
			if err != nil || info.NumPending > 0 || info.NumAckPending > 0 {
				return false
			}
		}
		return true
	})
}

func TestSignedAlertQuarantinesExactlyOnce(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{})
	alert := `{"user":"asmith","severity":85,"title":"Impossible travel"}`

	status, body := p.PostAlert(t, alert, "msg_first")
	if status != 202 || !strings.Contains(body, `"ids":["msg_first"]`) {
		t.Fatalf("first post: %d %s", status, body)
	}
	res := p.WaitResults(t, 1, 15*time.Second)
	if res[0].Status != actions.StatusCompleted || res[0].Outcome.TargetUserID != "13" {
		t.Fatalf("result %+v", res[0])
	}
	if u, _ := p.BI.User(13); !u.IsQuarantined {
		t.Fatal("simulator user 13 not quarantined")
	}

	// The sender retries the same delivery: stored once, acted on once.
	status, body = p.PostAlert(t, alert, "msg_first")
	if status != 202 || !strings.Contains(body, `"duplicates":1`) {
		t.Fatalf("repeat post: %d %s", status, body)
	}
	idle(t, p)
	if n := len(quelltest.StreamMsgs(t, p.NATS.JS, events.StreamEvents, "")); n != 1 {
		t.Fatalf("events stored: %d, want 1", n)
	}
	if n := p.BI.Count(quarantineRoute); n != 1 {
		t.Fatalf("quarantine calls: %d, want 1", n)
	}
	if n := len(p.Results(t)); n != 1 {
		t.Fatalf("results: %d, want 1", n)
	}
}

func TestSecondAlertForQuarantinedUserIsSkipped(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{})
	for _, id := range []string{"msg_a", "msg_b"} {
		if status, body := p.PostAlert(t, `{"user":"jdoe","severity":99}`, id); status != 202 {
			t.Fatalf("post %s: %d %s", id, status, body)
		}
	}
	res := p.WaitResults(t, 2, 15*time.Second)
	statuses := map[actions.Status]int{}
	for _, r := range res {
		statuses[r.Status]++
	}
	if statuses[actions.StatusCompleted] != 1 || statuses[actions.StatusSkipped] != 1 {
		t.Fatalf("statuses %v, want one completed and one skipped", statuses)
	}
	if n := p.BI.Count(quarantineRoute); n != 1 {
		t.Fatalf("quarantine calls: %d, want 1", n)
	}
}

func TestBadSignatureIsRejectedAndNothingPublished(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{NoWorker: true})
	cases := []struct {
		name    string
		headers map[string]string
		status  int
		code    string
	}{
		{"wrong signature", map[string]string{"webhook-id": "msg_x", "webhook-timestamp": unixNow(), "webhook-signature": "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}, 401, "unauthorized"},
		{"no signature", map[string]string{}, 401, "unauthorized"},
	}
	for _, c := range cases {
		c.headers["Content-Type"] = "application/json"
		status, body := p.Post(t, "/v1/webhooks/demo", `{"user":"jdoe","severity":99}`, c.headers)
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if err := json.Unmarshal([]byte(body), &e); err != nil || status != c.status || e.Error.Code != c.code || e.Error.Message == "" {
			t.Errorf("%s: %d %s", c.name, status, body)
		}
	}
	if n := len(quelltest.StreamMsgs(t, p.NATS.JS, events.StreamEvents, "")); n != 0 {
		t.Fatalf("%d events stored after rejected requests", n)
	}
}

func TestTransientFailuresAreRetried(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{})
	p.BI.Inject(quarantineRoute, simkit.Fault{Status: 503, Times: 3})
	acceptAlert(t, p, `{"user":"asmith","severity":90}`)
	res := p.WaitResults(t, 1, 20*time.Second)
	if res[0].Status != actions.StatusCompleted || res[0].Attempts != 4 {
		t.Fatalf("result %+v, want completed after 4 attempts", res[0])
	}
	idle(t, p)
	if n := p.BI.Count(quarantineRoute); n != 4 {
		t.Fatalf("quarantine requests: %d, want 3 failed + 1 successful", n)
	}
	if u, _ := p.BI.User(13); !u.IsQuarantined {
		t.Fatal("not quarantined")
	}
}

func TestPermanentFailureLandsInDLQWithReason(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{})
	p.BI.Inject(quarantineRoute, simkit.Fault{Status: 404, Body: "User not found"})
	acceptAlert(t, p, `{"user":"asmith","severity":90}`)
	res := p.WaitResults(t, 1, 15*time.Second)
	if res[0].Status != actions.StatusFailed || res[0].ErrorClass != "permanent" || !strings.Contains(res[0].Reason, "404") {
		t.Fatalf("result %+v", res[0])
	}
	var dead []string
	quelltest.Eventually(t, 10*time.Second, "DLQ entry", func() bool {
		msgs := quelltest.StreamMsgs(t, p.NATS.JS, events.StreamDLQ, "quell.dlq.execute")
		dead = nil
		for _, m := range msgs {
			dead = append(dead, m.Header.Get(dlq.HeaderReason)+"|"+m.Header.Get(dlq.HeaderClass))
		}
		return len(msgs) == 1
	})
	if !strings.Contains(dead[0], "404") || !strings.Contains(dead[0], "User not found") || !strings.HasSuffix(dead[0], "|permanent") {
		t.Fatalf("DLQ reason %q", dead[0])
	}
	idle(t, p)
	if n := p.BI.Count(quarantineRoute); n != 1 {
		t.Fatalf("a permanent failure was retried: %d calls", n)
	}
}

func TestUnknownUserIsPermanent(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{})
	acceptAlert(t, p, `{"user":"ghost","severity":90}`)
	res := p.WaitResults(t, 1, 15*time.Second)
	if res[0].Status != actions.StatusFailed || !strings.Contains(res[0].Reason, "not found") {
		t.Fatalf("result %+v", res[0])
	}
}

func unixNow() string { return strconv.FormatInt(time.Now().Unix(), 10) }
