// Command quell-chaos runs Quell's chaos suite (make chaos): real ingest,
// worker and simulator processes on a 3-node JetStream cluster, a seeded
// nemesis, and a checker that fails unless no accepted alert was lost, no
// action had a duplicate or wrong effect, and every planned action has
// exactly one final result. See docs/operations.md ("Chaos suite").
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/quell-dev/quell/internal/chaos"
)

func main() {
	o, err := options(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "quell-chaos:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	ok, err := chaos.Run(ctx, o, os.Stdout)
	stop()
	switch {
	case err != nil:
		fmt.Fprintln(os.Stderr, "quell-chaos:", err)
		os.Exit(1)
	case !ok:
		os.Exit(1)
	}
}

// options reads flags, with CHAOS_* environment variables as defaults.
func options(args []string) (chaos.Options, error) {
	o := chaos.Options{Protected: 10, AckWait: 10 * time.Second, MaxElapsed: 6 * time.Second, Timeout: 4 * time.Second}
	fs := flag.NewFlagSet("quell-chaos", flag.ContinueOnError)
	fs.DurationVar(&o.Duration, "duration", envDuration("CHAOS_DURATION", 3*time.Minute), "load duration (CHAOS_DURATION)")
	fs.Uint64Var(&o.Seed, "seed", envUint("CHAOS_SEED", uint64(time.Now().UnixNano()%1_000_000)), "seed of the nemesis and the sender (CHAOS_SEED)")
	fs.IntVar(&o.Alerts, "alerts", int(envUint("CHAOS_ALERTS", 5000)), "requests to send (CHAOS_ALERTS)")
	fs.IntVar(&o.Users, "users", int(envUint("CHAOS_USERS", 2000)), "distinct users (CHAOS_USERS)")
	fs.DurationVar(&o.Drain, "drain", envDuration("CHAOS_DRAIN", 5*time.Minute), "longest wait for the backlog after the load (CHAOS_DRAIN)")
	fs.StringVar(&o.RunDir, "run-dir", os.Getenv("CHAOS_RUN_DIR"), "directory for binaries, data and logs (default: a new one under reports/chaos)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.RunDir == "" {
		o.RunDir = filepath.Join("reports", "chaos", fmt.Sprintf("%s-seed%d", time.Now().Format("20060102-150405"), o.Seed))
	}
	abs, err := filepath.Abs(o.RunDir)
	if err != nil {
		return o, err
	}
	o.RunDir = abs
	if o.Alerts < 1 || o.Users < 1 || o.Duration < 20*time.Second {
		return o, fmt.Errorf("need -alerts >= 1, -users >= 1 and -duration >= 20s")
	}
	return o, os.MkdirAll(o.RunDir, 0o700)
}

func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return d
	}
	return def
}

func envUint(name string, def uint64) uint64 {
	if v, err := strconv.ParseUint(os.Getenv(name), 10, 64); err == nil {
		return v
	}
	return def
}
