package perf

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/childproc"
)

// Runner runs scenarios and prints their result lines.
type Runner struct {
	o *Options
}

// Run builds the binaries and runs each named scenario in turn, printing
// a header (machine, versions, load average) and the result lines to
// o.Out. It stops at the first scenario that fails.
func Run(ctx context.Context, o *Options, scenarios []string) error {
	if err := o.Validate(); err != nil {
		return err
	}
	binDir := filepath.Join(o.RunDir, "bin")
	o.Log("building binaries into %s", binDir)
	if err := Build(ctx, binDir, o.Src); err != nil {
		return err
	}
	r := &Runner{o: o}
	r.header(binDir)
	for _, name := range scenarios {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		o.Log("scenario %s", name)
		var err error
		switch name {
		case "ingest":
			err = r.Ingest(ctx)
		case "storm":
			err = r.Storm(ctx)
		case "backlog":
			err = r.Backlog(ctx)
		case "startup":
			err = r.Startup(ctx)
		default:
			err = fmt.Errorf("unknown scenario %q", name)
		}
		if err != nil {
			return fmt.Errorf("scenario %s: %w", name, err)
		}
	}
	fmt.Fprintf(o.Out, "load-after: %s\n", loadAvg())
	return nil
}

func (r *Runner) emit(res *Result) { fmt.Fprintln(r.o.Out, res.String()) }

// header prints benchstat-style "key: value" lines describing the run.
func (r *Runner) header(binDir string) {
	out := r.o.Out
	fmt.Fprintf(out, "goos: %s\ngoarch: %s\npkg: github.com/quell-dev/quell/cmd/quell-perf\n", runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(out, "cpu: %s\n", cpuModel())
	fmt.Fprintf(out, "nproc: %d\n", runtime.NumCPU())
	fmt.Fprintf(out, "date: %s\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(out, "go: %s\n", runtime.Version())
	v, _ := exec.Command(filepath.Join(binDir, "nats-server"), "--version").Output()
	fmt.Fprintf(out, "nats-server: %s\n", strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(v)), "nats-server:")))
	fmt.Fprintf(out, "targets: %s\n", strings.Join(r.o.Targets, ","))
	wc := "8 (default)"
	if r.o.WorkerConcurrency > 0 {
		wc = fmt.Sprint(r.o.WorkerConcurrency)
	}
	fmt.Fprintf(out, "worker-concurrency: %s\n", wc)
	blast := "off"
	if r.o.BlastMax > 0 {
		blast = fmt.Sprintf("%d per target and action per hour", r.o.BlastMax)
	}
	fmt.Fprintf(out, "blast-radius: %s\n", blast)
	fmt.Fprintf(out, "log-level: %s\n", r.o.LogLevel)
	fmt.Fprintf(out, "load-before: %s\n", loadAvg())
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// cpuTimes reads each process's CPU time; "client" is quell-perf itself.
func cpuTimes(procs map[string]*childproc.Proc) map[string]time.Duration {
	out := map[string]time.Duration{}
	if d, err := ReadCPU(os.Getpid()); err == nil {
		out["client"] = d
	}
	for name, p := range procs {
		if pid := p.PID(); pid != 0 && p.Running() {
			if d, err := ReadCPU(pid); err == nil {
				out[name] = d
			}
		}
	}
	return out
}

// cpuDelta is the CPU each process used between the readings a and b; a
// process not running at a (started since) counts from its start.
func cpuDelta(a, b map[string]time.Duration) map[string]time.Duration {
	out := map[string]time.Duration{}
	for k, v := range b {
		out[k] = v - a[k]
	}
	return out
}

// streamState is a stream's message count and when its last message was
// stored.
func streamState(ctx context.Context, js jetstream.JetStream, stream string) (uint64, time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return 0, time.Time{}, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0, time.Time{}, err
	}
	return info.State.Msgs, info.State.LastTime, nil
}

// consumerBacklog is how many messages the durable consumer has not
// acknowledged yet (pending and in flight).
func consumerBacklog(ctx context.Context, js jetstream.JetStream, stream, consumer string) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := js.Consumer(ctx, stream, consumer)
	if err != nil {
		return 0, err
	}
	info, err := c.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.NumPending + uint64(info.NumAckPending), nil
}

// indexConsumer is the durable consumer the ingest's API indexer follows
// the streams with (internal/api/index.ConsumerName).
const indexConsumer = "quell-index"

// errTimeout marks a wait that ran out of time.
var errTimeout = errors.New("timed out")
