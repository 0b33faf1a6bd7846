package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/pam/simkit"
	"github.com/quell-dev/quell/internal/quelltest"
)

// A target that keeps failing opens its circuit: Quell stops calling it,
// the actions wait instead of failing, and all of them complete once it
// recovers. None is dead-lettered.
func TestCircuitBreakerWaitsOutAnOutage(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{TargetExtra: "circuit: {failures: 2, open_for: 500ms}"})
	p.BI.Inject(quarantineRoute, simkit.Fault{Status: 503, Times: 4})
	for _, u := range []string{"asmith", "jdoe", `CORP\\bwayne`} {
		acceptAlert(t, p, `{"user":"`+u+`","severity":90}`)
	}
	res := p.WaitResults(t, 3, 30*time.Second)
	for _, r := range res {
		if r.Status != actions.StatusCompleted {
			t.Errorf("%s: %s %s", r.Action.User, r.Status, r.Reason)
		}
	}
	if n := len(quelltest.StreamMsgs(t, p.NATS.JS, events.StreamDLQ, "")); n != 0 {
		t.Fatalf("%d actions dead-lettered during a recoverable outage", n)
	}
	if !strings.Contains(p.Logs.String(), `"to":"open"`) {
		t.Fatal("the circuit never opened")
	}
	// 4 failures + 3 successes; without the breaker the retries would have
	// sent many more.
	if n := p.BI.Count(quarantineRoute); n > 8 {
		t.Fatalf("%d quarantine requests: the open circuit did not hold them back", n)
	}
}
