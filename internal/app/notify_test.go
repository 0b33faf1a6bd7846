package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/notify"
	"github.com/quell-dev/quell/internal/quelltest"
)

// With a Slack route configured, the worker tells the channel when an
// automated action is parked for approval, linking to its console page;
// the action that ran is not announced (the default filter).
func TestWorkerNotifiesParkedActions(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []string
	slack := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, string(b))
		mu.Unlock()
	}))
	t.Cleanup(slack.Close)
	urlFile := filepath.Join(t.TempDir(), "slack-url")
	if err := os.WriteFile(urlFile, []byte(slack.URL+"/services/T0/B0/secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{Extra: `
safety: {blast_radius: [{action: quarantine, target: bi, max: 1, window: 10m}]}
notifications:
  console_url: https://quell.example.com/ui
  routes:
    - {name: soc, kind: slack, url: "file:` + urlFile + `"}
`})
	// The notifier's consumer starts with the results after it exists.
	waitConsumer(t, p.NATS.JS, events.StreamResults, notify.ConsumerName("soc"), 10*time.Second, "notifier consumer")
	for _, u := range []string{"asmith", "jdoe"} {
		acceptAlert(t, p, `{"user":"`+u+`","severity":90}`)
	}
	res := p.WaitResults(t, 2, 20*time.Second)
	parked := ""
	for _, r := range res {
		if r.Guard == "parked" {
			parked = r.Action.ID
		}
	}
	if parked == "" {
		t.Fatal("nothing was parked")
	}
	quelltest.Eventually(t, 15*time.Second, "a Slack message", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) > 0 })
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	var msg struct {
		Text   string           `json:"text"`
		Blocks []map[string]any `json:"blocks"`
	}
	if len(got) != 1 || json.Unmarshal([]byte(got[0]), &msg) != nil || !strings.HasPrefix(msg.Text, "Approval needed") ||
		!strings.Contains(got[0], "https://quell.example.com/ui/actions/"+parked) {
		t.Fatalf("%d messages: %v", len(got), got)
	}
}
