package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/worker"
)

// Run carries out a whole run and prints its report to out. It reports
// whether the check passed; err is for a run that could not be made.
func Run(ctx context.Context, o Options, out io.Writer) (bool, error) {
	logf := func(format string, args ...any) {
		fmt.Fprintf(out, "%s  %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
	}
	logf("seed %d, load %s, %d requests about %d users (+%d protected), run dir %s", o.Seed, o.Duration, o.Alerts, o.Users, o.Protected, o.RunDir)
	env, err := Start(ctx, o, logf)
	if env != nil {
		defer env.Close()
	}
	if err != nil {
		return false, err
	}
	scs := scenarios(o.Duration)
	items := plan(newRand(o.Seed, 1), o, scs)
	faults := schedule(newRand(o.Seed, 2), o, scs, len(env.Workers), len(env.Ingests))
	logf("nemesis schedule (seed %d):", o.Seed)
	for _, f := range faults {
		fmt.Fprintf(out, "    %s\n", f)
	}
	start := time.Now()
	loadCtx, cancel := context.WithTimeout(ctx, o.Duration+3*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		(&Sender{Ingests: env.IngestURLs, Webhook: env.Webhook, Token: env.Token}).Run(loadCtx, start, items)
		logf("sender done")
	}()
	go func() {
		defer wg.Done()
		(&Nemesis{Env: env, Faults: faults, Log: logf}).Run(loadCtx, start)
		logf("nemesis done")
	}()
	wg.Wait()
	logf("draining (up to %s)", o.Drain)
	if err := drain(ctx, env, o.Drain); err != nil {
		logf("drain: %v", err)
	}
	for _, p := range env.Procs.All() {
		if !p.Running() {
			logf("WARNING: %s is not running (exited on its own?); see %s", p.Name, p.Log())
		}
	}
	obs, err := collect(ctx, env)
	if err != nil {
		return false, fmt.Errorf("collect: %w", err)
	}
	obs.Items, obs.Faults, obs.Fenced = items, faults, fencedWrites(o.RunDir)
	for _, sc := range scs {
		obs.Scenarios = append(obs.Scenarios, sc.Name)
	}
	rep := Check(obs)
	fmt.Fprintf(out, "\nquell-chaos: seed %d, load %s, run dir %s\n", o.Seed, o.Duration, o.RunDir)
	rep.Print(out, faults, obs.Fenced, replicas(ctx, env))
	saveJSON(filepath.Join(o.RunDir, "faults.json"), faults)
	saveJSON(filepath.Join(o.RunDir, "problems.json"), rep.Problems)
	verdict := "PASS"
	if !rep.OK() {
		verdict = "FAIL"
	}
	t := rep.Total()
	fmt.Fprintf(out, "\n%s: lost %d, duplicate effects %d, wrong effects %d, completions without a write %d, planned %d, with exactly one final result %d (seed %d; logs in %s)\n",
		verdict, t.Lost, t.Duplicates, t.Wrong, t.Unbacked, t.Planned, t.Final, o.Seed, filepath.Join(o.RunDir, "logs"))
	return rep.OK(), nil
}

// newRand is the random source of one part of a run (1: the sender, 2:
// the nemesis), so that each replays on its own from the seed.
func newRand(seed, stream uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, stream)) }

// drain waits until the planner, the executor and the advisory consumer
// have nothing pending or unacknowledged, twice in a row.
func drain(ctx context.Context, e *Env, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	quiet := 0
	for quiet < 2 {
		if idle(ctx, e) {
			quiet++
		} else {
			quiet = 0
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not drained: %w", ctx.Err())
		case <-time.After(2 * time.Second):
		}
	}
	return nil
}

func idle(ctx context.Context, e *Env) bool {
	for stream, name := range map[string]string{events.StreamEvents: events.ConsumerPlanner,
		events.StreamActions: events.ConsumerExecutor, worker.StreamAdvisories: worker.ConsumerAdvisories} {
		c, err := e.JS.Consumer(ctx, stream, name)
		if err != nil {
			return false
		}
		info, err := c.Info(ctx)
		if err != nil || info.NumPending > 0 || info.NumAckPending > 0 {
			return false
		}
	}
	return true
}

// replicas reports, per stream, its configured replicas and how many of
// them are current (the leader and current followers): R3 means 3/3.
func replicas(ctx context.Context, e *Env) map[string]string {
	out := map[string]string{}
	for _, name := range []string{events.StreamEvents, events.StreamActions, events.StreamResults, events.StreamDLQ, "KV_" + events.BucketLedger} {
		s, err := e.JS.Stream(ctx, name)
		if err != nil {
			continue
		}
		info, err := s.Info(ctx)
		if err != nil || info.Cluster == nil {
			continue
		}
		current := 0
		if info.Cluster.Leader != "" {
			current++
		}
		for _, p := range info.Cluster.Replicas {
			if p.Current {
				current++
			}
		}
		out[name] = fmt.Sprintf("%d/%d", current, info.Config.Replicas)
	}
	return out
}

// fencedWrites counts the writes the lease fence stopped, from the
// workers' logs.
func fencedWrites(runDir string) int {
	n := 0
	logs, _ := filepath.Glob(filepath.Join(runDir, "logs", "worker-*.log"))
	for _, l := range logs {
		b, err := os.ReadFile(l)
		if err == nil {
			n += bytes.Count(b, []byte("lease no longer held"))
		}
	}
	return n
}

func saveJSON(path string, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err == nil {
		_ = os.WriteFile(path, b, 0o600)
	}
}
