package console_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/quelltest"
)

// chromiumPath is the Debian chromium package's binary; .ci/run installs it.
const chromiumPath = "/usr/bin/chromium"

const approverToken = "quell-test-approver-token-9f8e7d6c5b4a"

// TestBrowserApprovesParkedAction drives the console in a real headless
// Chromium: sign in with an approver's token, see the second quarantine
// parked by a blast-radius limit of 1, approve it in the browser, and check
// that BeyondInsight received the call and that an open actions page shows
// the action completed without reloading.
func TestBrowserApprovesParkedAction(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("%s not found (%v): the console's browser test needs the Debian chromium package; .ci/run installs it (apt-get install chromium)", chromiumPath, err)
	}
	// A tracer provider, as a configured OTLP exporter would install, so
	// results carry a traceparent and the action page shows its trace id.
	quelltest.InstallTracer(t, sdktrace.NewTracerProvider())
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{
		Extra: "safety: {blast_radius: [{action: quarantine, target: bi, max: 1, window: 10m}]}"})
	base := startConsoleIngest(t, p)

	for _, u := range []string{"jdoe", "asmith"} {
		if st, body := p.PostAlert(t, `{"user":"`+u+`","severity":95}`, ""); st != 202 {
			t.Fatalf("alert for %s: %d %s", u, st, body)
		}
		p.WaitResults(t, map[string]int{"jdoe": 1, "asmith": 2}[u], 20*time.Second)
	}
	parked := parkedID(t, p)
	if n := p.BI.Calls("POST", "Users/13/Quarantine"); n != 0 {
		t.Fatalf("asmith quarantined before the approval: %d calls", n)
	}

	ctx := browser(t)
	shots := screenshots(t)
	do(t, ctx, "sign in",
		chromedp.Navigate(base+"/ui/login"), chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), approverToken), shots.take("sign-in"),
		chromedp.Click(chromedp.CSS("#signin")), chromedp.WaitVisible(chromedp.CSS("#actions")),
		chromedp.WaitVisible(chromedp.CSS(`#live[data-state="on"]`)), shots.take("actions"),
		void(chromedp.Evaluate[chromedp.Void](`window.quellMarker = "no reload"; undefined`)))
	if html := value(t, ctx, chromedp.OuterHTML(chromedp.CSS("html"))); strings.Contains(html, approverToken) {
		t.Fatal("the actions page contains the API token")
	}

	// A second tab approves; the first stays open on the actions list.
	tab, cancel := chromedp.NewContext(ctx)
	defer cancel()
	row := `tr[data-action-id="` + parked + `"]`
	do(t, tab, "approve",
		chromedp.Navigate(base+"/ui/parked"), chromedp.WaitVisible(chromedp.CSS(row)), shots.take("parked"),
		chromedp.SendKeys(chromedp.CSS(row+` input[name="reason"]`), "confirmed with the SOC lead"),
		chromedp.Click(chromedp.CSS(row+` button.approve`)), chromedp.WaitVisible(chromedp.CSS("#state")),
		void(chromedp.Poll[bool](`document.getElementById("state").textContent === "completed" && !!document.getElementById("calls")`,
			chromedp.WithPollingTimeout(20*time.Second))),
		shots.take("action"))
	if state := value(t, tab, chromedp.Text(chromedp.CSS("#state"))); state != "completed" {
		t.Fatalf("action page shows %q, want completed", state)
	}
	if calls := value(t, tab, chromedp.Text(chromedp.CSS("#calls"))); !strings.Contains(calls, "Users/13/Quarantine") {
		t.Fatalf("action page calls: %q", calls)
	}
	if trace := value(t, tab, chromedp.Text(chromedp.CSS("#trace"))); !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(trace) {
		t.Fatalf("action page shows trace id %q", trace)
	}
	quelltest.Eventually(t, 10*time.Second, "BeyondInsight quarantine call for asmith", func() bool {
		return p.BI.Calls("POST", "Users/13/Quarantine") == 1
	})

	do(t, ctx, "live update", void(chromedp.Poll[bool](`document.querySelector('`+row+` [data-field="state"]').textContent === "completed"`,
		chromedp.WithPollingTimeout(20*time.Second))), shots.take("actions-live"))
	if marker := value(t, ctx, chromedp.Evaluate[string](`window.quellMarker || ""`)); marker != "no reload" {
		t.Fatalf("the actions page was reloaded (marker %q)", marker)
	}
}

// startConsoleIngest runs a second ingest on the pipeline's NATS with an
// approver token (actions:read and approve) and returns its base URL. The
// pipeline's own token requests actions; four-eyes wants another approver.
func startConsoleIngest(t *testing.T, p *quelltest.Pipeline) string {
	t.Helper()
	base := p.StartIngest(t, "approvers", approverToken, []string{"actions:read", "approve"}, nil)
	quelltest.WaitReady(t, base, "console ingest ready")
	return base
}

func parkedID(t *testing.T, p *quelltest.Pipeline) string {
	t.Helper()
	for _, r := range p.Results(t) {
		if r.Status == actions.StatusSkipped && r.Guard == actions.GuardParked {
			if r.Action.User.Username != "asmith" {
				t.Fatalf("parked %s, want asmith (the second alert)", r.Action.User)
			}
			return r.Action.ID
		}
	}
	t.Fatalf("no parked action in %v", p.Results(t))
	return ""
}

// browser starts a headless Chromium with a fresh profile.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath), chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1360, 820),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 120*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", chromiumPath, err)
	}
	return ctx
}

func do(t *testing.T, ctx context.Context, step string, acts ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, acts...); err != nil {
		t.Fatalf("%s: %v", step, err)
	}
}

func value[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// void drops an action's value.
func void[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := a(ctx, tg)
		return chromedp.Void{}, err
	}
}

// shotDir writes screenshots for docs/console.md when
// QUELL_CONSOLE_SCREENSHOTS names a directory; otherwise they are taken
// (so the step is exercised) and discarded.
type shotDir struct {
	t   *testing.T
	dir string
}

func screenshots(t *testing.T) shotDir {
	return shotDir{t: t, dir: os.Getenv("QUELL_CONSOLE_SCREENSHOTS")}
}

func (s shotDir) take(name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		png, err := chromedp.FullScreenshot(100)(ctx, tg)
		if err != nil {
			return err
		}
		if s.dir == "" {
			return nil
		}
		return os.WriteFile(filepath.Join(s.dir, name+".png"), png, 0o644)
	})
}
