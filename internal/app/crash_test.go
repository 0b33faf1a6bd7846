package app_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/pam/beyondinsight/sim"
	"github.com/quell-dev/quell/internal/pam/simkit"
	"github.com/quell-dev/quell/internal/quelltest"
)

// buildWorker compiles cmd/worker once for the crash test: a real process
// that can be killed with SIGKILL, so nothing of it runs after the kill.
func buildWorker(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "quell-worker")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/quell-dev/quell/cmd/worker")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build worker: %v\n%s", err, out)
	}
	return bin
}

// TestWorkerKilledBetweenCallAndAckDoesNotCallTwice kills the worker after
// the target has quarantined the user but before the worker could record
// it or ack the message. The next worker must take over the expired lease,
// see that the user is already quarantined, and not call again.
func TestWorkerKilledBetweenCallAndAckDoesNotCallTwice(t *testing.T) {
	t.Parallel()
	bin := buildWorker(t)
	n := quelltest.StartNATS(t)

	reached := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	bi := sim.New(sim.Options{APIKey: quelltest.BIAPIKey, RunAs: quelltest.BIRunAs, Users: sim.DefaultUsers(),
		OnRequest: func(e simkit.Entry) {
			// Holding the hook holds the response: the effect is done, the
			// worker has not heard of it.
			if e.Method == "POST" && strings.HasSuffix(strings.ToLower(e.RelPath), "/quarantine") {
				once.Do(func() { close(reached) })
				<-release
			}
		}})
	srv := httptest.NewServer(bi)
	defer srv.Close()
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()

	cfgPath := writeWorkerConfig(t, n.Server.ClientURL(), srv.URL+sim.APIPrefix)
	first := startWorkerProcess(t, bin, cfgPath)

	a := actions.Action{ID: "act_crash", Kind: actions.Quarantine, Target: "bi", User: actions.UserRef{Username: "asmith"},
		Reason: "crash test", RequestedBy: "test", RequestedAt: time.Now()}
	ev, err := events.NewActionRequested(events.SourceResponder, a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := events.NewPublisher(n.JS).Publish(context.Background(), events.ActionSubject("bi", "quarantine"), ev); err != nil {
		t.Fatal(err)
	}
	select {
	case <-reached:
	case <-time.After(30 * time.Second):
		t.Fatalf("the worker never called quarantine; its log:\n%s", first.log.String())
	}
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.cmd.Wait()
	close(release)
	if u, _ := bi.User(13); !u.IsQuarantined {
		t.Fatal("the simulator did not apply the quarantine")
	}

	second := startWorkerProcess(t, bin, cfgPath)
	var res []events.ActionResult
	quelltest.Eventually(t, 45*time.Second, "result after restart", func() bool {
		res = quelltest.Results(t, n.JS)
		return len(res) > 0
	})
	if calls := bi.Count(quarantineRoute); calls != 1 {
		t.Fatalf("quarantine called %d times, want 1; second worker log:\n%s", calls, second.log.String())
	}
	if res[0].Status != actions.StatusSkipped || !strings.Contains(res[0].Reason, "interrupted") {
		t.Fatalf("result %+v", res[0])
	}
}

type workerProc struct {
	cmd *exec.Cmd
	log *quelltest.SyncBuffer
}

func startWorkerProcess(t *testing.T, bin, cfgPath string) workerProc {
	t.Helper()
	log := &quelltest.SyncBuffer{}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "QUELL_CONFIG="+cfgPath, "OTEL_SDK_DISABLED=true")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return workerProc{cmd: cmd, log: log}
}

func writeWorkerConfig(t *testing.T, natsURL, biURL string) string {
	t.Helper()
	dir := t.TempDir()
	key := filepath.Join(dir, "bi-key")
	if err := os.WriteFile(key, []byte(quelltest.BIAPIKey), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`
nats: {url: %q}
worker:
  listen: 127.0.0.1:0
  max_deliveries: 10
  ack_wait: 1s
  retry: {initial_interval: 50ms, max_interval: 200ms, max_elapsed: 1s}
targets:
  - name: bi
    kind: beyondinsight
    base_url: %q
    timeout: 2s
    credentials: {api_key: "file:%s", run_as: %s}
log: {format: json, level: debug}
`, natsURL, biURL, key, quelltest.BIRunAs)
	path := filepath.Join(dir, "quell.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
