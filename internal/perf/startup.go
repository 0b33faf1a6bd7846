package perf

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/quell-dev/quell/internal/childproc"
)

// startCase is one program whose start-up is timed.
type startCase struct {
	name string
	proc *childproc.Proc
	// ready is the URL that answers 200 once the program is ready; empty
	// for a command, which is done when it exits (status 0).
	ready string
	// before, if set, runs before each start.
	before func() error
}

// Startup times each program from exec to ready: /readyz answering 200
// for the ingest, the worker with an external nats-server and the worker
// embedding NATS (restarting on its existing store, and a first boot on an
// empty one), and exit for two quellctl commands. Each gets one untimed warm-up start (page cache,
// streams created), then StartupRuns timed ones; a service is then sent
// SIGTERM and the time to its exit is the stop time.
func (r *Runner) Startup(ctx context.Context) (err error) {
	o := r.o
	e, err := NewEnv(o, "startup")
	if err != nil {
		return err
	}
	defer func() { e.Close(ctx, err) }()
	if err := e.StartNATS(ctx); err != nil {
		return err
	}
	ports, err := childproc.FreePorts(5)
	if err != nil {
		return err
	}
	addr := func(i int) string { return fmt.Sprintf("127.0.0.1:%d", ports[i]) }
	external, err := e.WriteConfig("external.yaml", QuellConfig{NATSURL: e.NATSURL, IngestListen: addr(0), WorkerListen: addr(1)})
	if err != nil {
		return err
	}
	store := filepath.Join(e.Dir, "nats", "embedded")
	embedded, err := e.WriteConfig("embedded.yaml", QuellConfig{EmbeddedListen: addr(2), StoreDir: store, IngestListen: addr(3), WorkerListen: addr(4)})
	if err != nil {
		return err
	}
	cases := []startCase{
		{"ingest", e.Procs.New("ingest", e.bin("ingest"), nil, e.quellEnv(external)), "http://" + addr(0) + "/readyz", nil},
		{"worker-external-nats", e.Procs.New("worker-external", e.bin("worker"), nil, e.quellEnv(external)), "http://" + addr(1) + "/readyz", nil},
		{"worker-embedded-nats", e.Procs.New("worker-embedded", e.bin("worker"), nil, e.quellEnv(embedded)), "http://" + addr(4) + "/readyz", nil},
		// A first boot: the store is empty, every stream and bucket is made.
		{"worker-embedded-nats-empty-store", e.Procs.New("worker-embedded-empty", e.bin("worker"), nil, e.quellEnv(embedded)), "http://" + addr(4) + "/readyz",
			func() error { return os.RemoveAll(store) }},
		{"quellctl-help", e.Procs.New("quellctl-help", e.bin("quellctl"), []string{"--help"}, nil), "", nil},
		{"quellctl-status", e.Procs.New("quellctl-status", e.bin("quellctl"), []string{"--config", external, "status"}, nil), "", nil},
	}
	for _, c := range cases {
		var ready, stop []float64
		for i := 0; i <= o.StartupRuns; i++ {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			rd, st, err := startOnce(ctx, c)
			if err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
			if i == 0 {
				continue // warm-up
			}
			ready, stop = append(ready, Ms(rd)), append(stop, Ms(st))
			line := R(fmt.Sprintf("BenchmarkPerfStartupRun/bin=%s/run=%d", c.name, i), 1).Add(Ms(rd), "ready-ms")
			if c.ready != "" {
				line.Add(Ms(st), "stop-ms")
			}
			r.emit(line)
		}
		line := R("BenchmarkPerfStartup/bin="+c.name, len(ready)).Add(Median(ready), "ready-ms").Add(slices.Min(ready), "min-ready-ms").Add(slices.Max(ready), "max-ready-ms")
		if c.ready != "" {
			line.Add(Median(stop), "stop-ms")
		}
		r.emit(line)
		o.Log("startup %s: median %.1f ms to ready", c.name, Median(ready))
	}
	return nil
}

// startOnce starts c and returns the time from exec to ready (or exit),
// and for a service from SIGTERM to exit.
func startOnce(ctx context.Context, c startCase) (time.Duration, time.Duration, error) {
	if c.before != nil {
		if err := c.before(); err != nil {
			return 0, 0, err
		}
	}
	start, err := c.proc.Start()
	if err != nil {
		return 0, 0, err
	}
	if c.ready == "" {
		select {
		case <-ctx.Done():
			c.proc.Terminate(5 * time.Second)
			return 0, 0, ctx.Err()
		case <-c.proc.Done():
		case <-time.After(2 * time.Minute):
			c.proc.Terminate(5 * time.Second)
			return 0, 0, fmt.Errorf("still running after 2 minutes (see %s)", c.proc.Log())
		}
		at, err := c.proc.Exit()
		if err != nil {
			return 0, 0, fmt.Errorf("%v (see %s)", err, c.proc.Log())
		}
		return at.Sub(start), 0, nil
	}
	ready, err := WaitReady(ctx, c.proc, c.ready, 2*time.Minute)
	if err != nil {
		c.proc.Terminate(5 * time.Second)
		return 0, 0, err
	}
	t0 := time.Now()
	c.proc.Terminate(60 * time.Second)
	at, _ := c.proc.Exit()
	return ready.Sub(start), at.Sub(t0), nil
}
