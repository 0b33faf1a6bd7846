package cli_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/dlq"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/quelltest"
)

// Two operators run "quellctl dlq replay --all" at the same time: between
// them they report each entry replayed once; whatever one run finds the
// other already replayed it counts as such.
func TestConcurrentDLQReplayRunsReportEachEntryOnce(t *testing.T) {
	t.Parallel()
	n := quelltest.StartNATS(t)
	const entries = 60
	for i := range entries {
		deadLetter(t, n.JS, i)
	}
	cfg := filepath.Join(t.TempDir(), "quell.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("nats: {url: %q}\n", n.Server.ClientURL())), 0o600); err != nil {
		t.Fatal(err)
	}
	outs := make([]string, 2)
	var wg sync.WaitGroup
	for i := range outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := run(t, cfg, "dlq", "replay", "--all")
			if err != nil {
				t.Errorf("run %d: %v\n%s", i, err, out)
			}
			outs[i] = out
		}()
	}
	wg.Wait()
	replayed := count(t, outs[0], "replayed,") + count(t, outs[1], "replayed,")
	if replayed != entries {
		t.Fatalf("the two runs report %d entries replayed, want %d:\n%s\n%s", replayed, entries, outs[0], outs[1])
	}
	if got := len(quelltest.StreamMsgs(t, n.JS, events.StreamActions, "")); got != entries {
		t.Fatalf("%d messages republished, want %d", got, entries)
	}
}

// count reads "N <what>" from a replay summary.
func count(t *testing.T, summary, what string) int {
	t.Helper()
	m := regexp.MustCompile(`(\d+) ` + regexp.QuoteMeta(what)).FindStringSubmatch(summary)
	if m == nil {
		t.Fatalf("no %q in %q", what, summary)
	}
	v, _ := strconv.Atoi(m[1])
	return v
}

func deadLetter(t *testing.T, js jetstream.JetStream, i int) {
	t.Helper()
	ctx := context.Background()
	a := actions.Action{ID: fmt.Sprintf("act_%d", i), Kind: actions.Quarantine, Target: "bi",
		User: actions.UserRef{Username: fmt.Sprintf("user%d", i)}, RequestedAt: time.Now()}
	ev, err := events.NewActionRequested(events.SourceResponder, a)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := events.Message(ctx, events.ActionSubject("bi", "quarantine"), ev)
	if err != nil {
		t.Fatal(err)
	}
	orig := &jetstream.RawStreamMsg{Subject: msg.Subject, Sequence: uint64(i + 1), Header: msg.Header, Data: msg.Data}
	if err := dlq.Write(ctx, js, events.StageExecute, orig, 5, actions.ClassPermanent, "404"); err != nil {
		t.Fatal(err)
	}
}
