//go:build unix

package natsembed

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// slowStore makes a store directory whose JetStream recovery blocks: a
// stream's metadata file is a FIFO, and the server's read of it waits until
// release writes to it and closes it. That stands in, deterministically,
// for a store that takes long to recover.
func slowStore(t *testing.T) (dir string, release func()) {
	t.Helper()
	dir = t.TempDir()
	stream := filepath.Join(dir, "jetstream", "$G", "streams", "SLOW")
	if err := os.MkdirAll(stream, 0o755); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(stream, "meta.inf")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	// Read-write so that opening does not wait for the server to open it.
	w, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			// Not a valid stream: the server warns and skips it.
			_, _ = w.WriteString("{}")
			_ = w.Close()
		})
	}
	t.Cleanup(release)
	return dir, release
}

func TestStartTimeoutIsHonouredAndNamed(t *testing.T) {
	t.Parallel()
	dir, release := slowStore(t)
	var buf syncBuffer
	const timeout = 1500 * time.Millisecond
	// Release the store well after the timeout, in case shutting a server
	// down mid-recovery waits for the recovery.
	go func() { time.Sleep(timeout + 2*time.Second); release() }()
	begin := time.Now()
	_, err := Start(context.Background(), Options{Listen: "127.0.0.1:0", StoreDir: dir, StartTimeout: timeout,
		ProgressEvery: 200 * time.Millisecond, Logger: newTestLogger(&buf)})
	waited := time.Since(begin)
	if !errors.Is(err, ErrNotReady) {
		t.Fatalf("Start on a store that does not recover: %v", err)
	}
	for _, want := range []string{"1.5s", "raise nats.embedded.start_timeout", dir} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if waited < timeout || waited > timeout+30*time.Second {
		t.Errorf("Start gave up after %s with a start timeout of %s", waited, timeout)
	}
}

func TestSlowStartReportsProgress(t *testing.T) {
	t.Parallel()
	dir, release := slowStore(t)
	var buf syncBuffer
	const progress = "embedded NATS still starting, recovering JetStream store"
	go func() {
		// Let the server finish once the wait has been reported twice.
		for buf.countNoFail(progress) < 2 {
			time.Sleep(20 * time.Millisecond)
		}
		release()
	}()
	srv, err := Start(context.Background(), Options{Listen: "127.0.0.1:0", StoreDir: dir, StartTimeout: time.Minute,
		ProgressEvery: 100 * time.Millisecond, Logger: newTestLogger(&buf)})
	if err != nil {
		t.Fatal(err)
	}
	srv.Shutdown()
	var reports int
	for _, r := range buf.records(t) {
		if r["msg"] == progress {
			reports++
			if r["store_dir"] != dir || r["elapsed"] == "" || r["level"] != "INFO" {
				t.Errorf("progress record %v", r)
			}
		}
	}
	if reports < 2 {
		t.Fatalf("%d progress reports during a slow start:\n%v", reports, buf.records(t))
	}
}
