package childproc_test

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/childproc"
)

// A paused process is woken before SIGTERM, so Terminate stops it within
// its grace instead of killing it; its output went to its log.
func TestTerminateWakesAPausedProcess(t *testing.T) {
	procs, err := childproc.NewProcs(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p := procs.New("sleeper", "/bin/sh", []string{"-c", `trap 'echo terminated; exit 0' TERM; echo started; while :; do sleep 0.05; done`}, nil)
	if _, err := p.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if !p.Running() || p.PID() == 0 {
		t.Fatalf("running %v, pid %d", p.Running(), p.PID())
	}
	if err := p.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	procs.StopAll(10 * time.Second)
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("stopping a paused process took %s: it was not woken", took)
	}
	if p.Running() {
		t.Fatal("still running after StopAll")
	}
	if _, err := p.Exit(); err != nil {
		t.Fatalf("exit: %v, want status 0 from the TERM trap", err)
	}
	log, err := os.ReadFile(p.Log())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), "started") || !strings.Contains(string(log), "terminated") {
		t.Fatalf("log:\n%s", log)
	}
}

func TestFreePortsAreDistinct(t *testing.T) {
	ports, err := childproc.FreePorts(5)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, p := range ports {
		if p <= 0 || seen[p] {
			t.Fatalf("ports %v", ports)
		}
		seen[p] = true
	}
}
