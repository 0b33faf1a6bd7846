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
	"github.com/quell-dev/quell/internal/dlq"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/pam/beyondinsight/sim"
	"github.com/quell-dev/quell/internal/pam/simkit"
	"github.com/quell-dev/quell/internal/quelltest"
)

var (
	buildOnce sync.Once
	workerBin string
	buildErr  error
)

// buildWorker compiles cmd/worker once for the crash tests: a real process
// that can be killed with SIGKILL, so nothing of it runs after the kill.
func buildWorker(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "quell-crash")
		if err != nil {
			buildErr = err
			return
		}
		workerBin = filepath.Join(dir, "quell-worker")
		out, err := exec.Command("go", "build", "-o", workerBin, "github.com/quell-dev/quell/cmd/worker").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("build worker: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return workerBin
}

// crashed is the state after a worker was killed between the target's
// quarantine and anything the worker would do next.
type crashed struct {
	n       *quelltest.NATS
	bi      *sim.Server
	bin     string
	cfgPath string
}

// killDuringQuarantine starts a worker process, sends it a quarantine of
// asmith, and kills it with SIGKILL once the simulator has applied the
// quarantine but before the worker has heard the answer.
func killDuringQuarantine(t *testing.T, maxDeliveries int) crashed {
	t.Helper()
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
	t.Cleanup(srv.Close)
	var releaseOnce sync.Once
	t.Cleanup(func() { releaseOnce.Do(func() { close(release) }) })

	cfgPath := writeWorkerConfig(t, n.Server.ClientURL(), srv.URL+sim.APIPrefix, maxDeliveries)
	first := startWorkerProcess(t, bin, cfgPath)
	a := actions.Action{ID: "act_crash", Kind: actions.Quarantine, Target: "bi", User: actions.UserRef{Username: "asmith"},
		Reason: "crash test", RequestedBy: "test", RequestedAt: time.Now()}
	publishAction(context.Background(), t, events.NewPublisher(n.JS), a)
	select {
	case <-reached:
	case <-time.After(30 * time.Second):
		t.Fatalf("the worker never called quarantine; its log:\n%s", first.log.String())
	}
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.cmd.Wait()
	releaseOnce.Do(func() { close(release) })
	if u, _ := bi.User(13); !u.IsQuarantined {
		t.Fatal("the simulator did not apply the quarantine")
	}
	return crashed{n: n, bi: bi, bin: bin, cfgPath: cfgPath}
}

// TestWorkerKilledBetweenCallAndAckDoesNotCallTwice: the next worker must
// take over the expired lease, see that the user is already quarantined,
// not call again, and say the interrupted attempt may have made the
// change, naming the call it would have sent.
func TestWorkerKilledBetweenCallAndAckDoesNotCallTwice(t *testing.T) {
	t.Parallel()
	c := killDuringQuarantine(t, 10)
	second := startWorkerProcess(t, c.bin, c.cfgPath)
	res := quelltest.WaitResults(t, c.n.JS, 1, 45*time.Second)
	if calls := c.bi.Count(quarantineRoute); calls != 1 {
		t.Fatalf("quarantine called %d times, want 1; second worker log:\n%s", calls, second.log.String())
	}
	// The interrupted attempt may have made the change: the result says so,
	// naming the write it would have sent, without claiming it.
	if res[0].Status != actions.StatusSkipped || !strings.Contains(res[0].Reason, "interrupted") ||
		!strings.Contains(res[0].Reason, "it would have sent POST Users/13/Quarantine") ||
		res[0].Outcome.Details[actions.DetailEffect] != actions.EffectPossiblyEarlierAttempt {
		t.Fatalf("result %+v", res[0])
	}
}

// TestWorkerKilledOnLastDeliveryIsDeadLettered: with no delivery left,
// JetStream gives up on the message; the advisory watcher of the next
// worker must dead-letter it so that a person looks, rather than lose it.
func TestWorkerKilledOnLastDeliveryIsDeadLettered(t *testing.T) {
	t.Parallel()
	c := killDuringQuarantine(t, 1)
	second := startWorkerProcess(t, c.bin, c.cfgPath)
	dead := waitDeadLetters(t, c.n.JS, "quell.dlq.execute", 30*time.Second, "DLQ entry from the max-deliveries advisory")
	if r := dead[0].Header.Get(dlq.HeaderReason); !strings.Contains(r, "max deliveries") {
		t.Fatalf("DLQ reason %q; worker log:\n%s", r, second.log.String())
	}
	if calls := c.bi.Count(quarantineRoute); calls != 1 {
		t.Fatalf("quarantine called %d times, want 1", calls)
	}
	// The audit trail shows it too: a failed result with the reason.
	res := quelltest.WaitResults(t, c.n.JS, 1, 10*time.Second)
	if res[0].Status != actions.StatusFailed || !strings.Contains(res[0].Reason, "max deliveries") || res[0].Action.ID != "act_crash" {
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

func writeWorkerConfig(t *testing.T, natsURL, biURL string, maxDeliveries int) string {
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
  max_attempts: %d
  max_deliveries: %d
  ack_wait: 1s
  retry: {initial_interval: 50ms, max_interval: 200ms, max_elapsed: 1s}
targets:
  - name: bi
    kind: beyondinsight
    base_url: %q
    timeout: 2s
    credentials: {api_key: "file:%s", run_as: %s}
log: {format: json, level: debug}
`, natsURL, maxDeliveries, maxDeliveries, biURL, key, quelltest.BIRunAs)
	path := filepath.Join(dir, "quell.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
