package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/dlq"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/pam/simkit"
	"github.com/quell-dev/quell/internal/quelltest"
)

func TestTransientFailureExhaustsDeliveriesThenDeadLetters(t *testing.T) {
	t.Parallel()
	// The pipeline allows 3 failed attempts with a 2s retry budget each; the
	// circuit must not open here, or the actions would wait out the outage.
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{TargetExtra: "circuit: {failures: 1000}"})
	p.BI.Inject(quarantineRoute, simkit.Fault{Status: 502, Body: "upstream down"})
	acceptAlert(t, p, `{"user":"asmith","severity":90}`)
	res := p.WaitResults(t, 1, 30*time.Second)
	r := res[0]
	if r.Status != actions.StatusFailed || r.ErrorClass != "transient" || r.Deliveries != 3 || !strings.Contains(r.Reason, "502") {
		t.Fatalf("result %+v", r)
	}
	// The failed result is published just before the DLQ entry is written.
	dead := waitDeadLetters(t, p.NATS.JS, "quell.dlq.execute", 10*time.Second, "the DLQ entry")
	if len(dead) != 1 || dead[0].Header.Get(dlq.HeaderDeliveries) != "3" || dead[0].Header.Get(dlq.HeaderSubject) != "quell.actions.bi.quarantine" {
		t.Fatalf("dead %+v", dead)
	}
	// The dead-lettered body is the original request, so it can be replayed.
	ev, err := events.Decode(dead[0].Data)
	if err != nil || ev.Type() != events.TypeActionRequested || ev.ID() != r.Action.ID {
		t.Fatalf("dead body: %v %v", ev, err)
	}
	if u, _ := p.BI.User(13); u.IsQuarantined {
		t.Fatal("quarantined although every call failed")
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{})
	p.BI.Inject(quarantineRoute, simkit.Fault{Status: 429, RetryAfter: "1", Times: 1})
	acceptAlert(t, p, `{"user":"asmith","severity":90}`)
	res := p.WaitResults(t, 1, 20*time.Second)
	if res[0].Status != actions.StatusCompleted {
		t.Fatalf("result %+v", res[0])
	}
	var calls []time.Time
	for _, e := range p.BI.Requests() {
		if e.Method == "POST" && strings.HasSuffix(strings.ToLower(e.RelPath), "/quarantine") {
			calls = append(calls, e.Time)
		}
	}
	// The backoff alone would wait ~20ms; the target asked for 1s.
	if len(calls) != 2 || calls[1].Sub(calls[0]) < 950*time.Millisecond {
		t.Fatalf("calls at %v: want two, at least 1s apart", calls)
	}
}

func TestWorkerShutdownFinishesOrHandsBackInFlightAction(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{})
	// Slower than the worker's 2s drain: the first worker must hand the
	// message back rather than lose it or record a failure.
	p.BI.Inject(quarantineRoute, simkit.Fault{Latency: 4 * time.Second, Times: 1})
	acceptAlert(t, p, `{"user":"asmith","severity":90}`)
	quelltest.Eventually(t, 10*time.Second, "the call to start", func() bool {
		for _, e := range p.BI.Requests() {
			if e.Method == "POST" && strings.Contains(strings.ToLower(e.RelPath), "quarantine") {
				return true
			}
		}
		return p.BI.Calls("GET", "Users") > 0
	})
	p.StopWorker()
	if n := len(p.Results(t)); n != 0 {
		t.Fatalf("%d results after an interrupted action, want none", n)
	}
	p.StartWorker(t)
	res := p.WaitResults(t, 1, 20*time.Second)
	if res[0].Status != actions.StatusCompleted && res[0].Status != actions.StatusSkipped {
		t.Fatalf("result after restart %+v", res[0])
	}
	if u, _ := p.BI.User(13); !u.IsQuarantined {
		t.Fatal("not quarantined after restart")
	}
	if n := len(quelltest.StreamMsgs(t, p.NATS.JS, events.StreamDLQ, "")); n != 0 {
		t.Fatalf("%d DLQ entries after a clean shutdown", n)
	}
}

func TestSecretsNeverReachLogsOrEvents(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{})
	p.BI.Inject("POST Auth/SignAppin", simkit.Fault{Status: 401, Times: 1})
	p.PostAlert(t, `{"user":"asmith","severity":90}`, "")
	p.PostAlert(t, `{"user":"jdoe","severity":90}`, "")
	postAPI(t, p, "/v1/actions", `{"action":"quarantine","target":"bi","user":"mroe","reason":"r"}`, nil)
	p.WaitResults(t, 3, 20*time.Second)
	p.StopWorker()
	var stored strings.Builder
	for _, stream := range storedStreams {
		for _, m := range quelltest.StreamMsgs(t, p.NATS.JS, stream, "") {
			stored.Write(m.Data)
			for k, v := range m.Header {
				stored.WriteString(k + strings.Join(v, ","))
			}
		}
	}
	logs := p.Logs.String()
	if !strings.Contains(logs, "action completed") {
		t.Fatalf("logs do not show the run:\n%s", logs)
	}
	for name, s := range map[string]string{"webhook secret": strings.TrimPrefix(quelltest.WebhookSecret, "whsec_"),
		"api token": quelltest.APIToken, "BeyondInsight key": quelltest.BIAPIKey} {
		if strings.Contains(logs, s) {
			t.Errorf("logs contain the %s", name)
		}
		if strings.Contains(stored.String(), s) {
			t.Errorf("stored messages contain the %s", name)
		}
	}
}
