package chaos

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"syscall"
	"time"

	"github.com/quell-dev/quell/internal/childproc"
	"github.com/quell-dev/quell/internal/clock"
)

// Fault is one scheduled act of the nemesis.
type Fault struct {
	At       time.Duration `json:"at"`
	Scenario string        `json:"scenario"`
	Kind     string        `json:"kind"`
	// Victim names what is hit: a process ("worker-2"), a NATS role
	// ("meta-leader", "leader:QUELL_ACTIONS", "n3") resolved when the fault
	// starts, or a simulator ("bi").
	Victim string        `json:"victim"`
	Hold   time.Duration `json:"hold"`
	Detail string        `json:"detail,omitempty"`

	// What happened.
	Start    time.Time     `json:"start"`
	End      time.Time     `json:"end"`
	Hit      string        `json:"hit,omitempty"` // the node a role resolved to
	Recovery time.Duration `json:"recovery"`
	Err      string        `json:"error,omitempty"`
}

func (f *Fault) String() string {
	s := fmt.Sprintf("%-8s +%-7s %-14s %-22s hold %-6s", f.Scenario, f.At.Round(100*time.Millisecond), f.Kind, f.Victim, f.Hold.Round(100*time.Millisecond))
	if f.Detail != "" {
		s += " " + f.Detail
	}
	return s
}

// schedule draws the nemesis's faults for each scenario from rng. Faults
// of one scenario do not overlap, so at most one NATS node is ever down
// (a quorum stays up) and every fault's recovery can be measured.
func schedule(rng *rand.Rand, o Options, scs []Scenario, workers, ingests int) []*Fault {
	var out []*Fault
	for _, sc := range scs {
		var kinds []func(at time.Duration) *Fault
		switch sc.Name {
		case "workers":
			kinds = []func(time.Duration) *Fault{
				func(at time.Duration) *Fault {
					return &Fault{At: at, Kind: "pause-worker", Victim: fmt.Sprintf("worker-%d", 1+rng.IntN(workers)),
						Hold: o.Lease() + 5*time.Second, Detail: "SIGSTOP past the lease, then SIGCONT"}
				},
				func(at time.Duration) *Fault {
					return &Fault{At: at, Kind: "kill-worker", Victim: fmt.Sprintf("worker-%d", 1+rng.IntN(workers)), Hold: jitter(rng, time.Second, 4*time.Second)}
				},
			}
		case "ingests":
			kinds = []func(time.Duration) *Fault{func(at time.Duration) *Fault {
				return &Fault{At: at, Kind: "kill-ingest", Victim: fmt.Sprintf("ingest-%d", 1+rng.IntN(ingests)), Hold: jitter(rng, time.Second, 4*time.Second)}
			}}
		case "nats":
			roles := []string{"meta-leader", "leader:QUELL_EVENTS", "leader:QUELL_ACTIONS", "leader:KV_quell_ledger", "leader:QUELL_RESULTS", "n1", "n2", "n3"}
			kinds = []func(time.Duration) *Fault{func(at time.Duration) *Fault {
				return &Fault{At: at, Kind: "kill-nats", Victim: roles[rng.IntN(len(roles))], Hold: jitter(rng, 3*time.Second, 8*time.Second)}
			}}
		case "targets":
			kinds = targetFaults(rng)
		}
		out = append(out, scenarioFaults(rng, sc, kinds)...)
	}
	return out
}

// scenarioFaults places faults through the scenario: the first of kinds
// first (the pause, in "workers"), then random ones, each after the last
// one ended, leaving the last fifth of the scenario quiet.
func scenarioFaults(rng *rand.Rand, sc Scenario, kinds []func(time.Duration) *Fault) []*Fault {
	var out []*Fault
	at := sc.Start + jitter(rng, 2*time.Second, 5*time.Second)
	end := sc.Start + sc.Length*4/5
	for i := 0; at < end; i++ {
		k := kinds[0]
		if i > 0 {
			k = kinds[rng.IntN(len(kinds))]
		}
		f := k(at)
		f.Scenario = sc.Name
		if f.At+f.Hold > end && i > 0 {
			break
		}
		out = append(out, f)
		at += f.Hold + jitter(rng, 3*time.Second, 8*time.Second)
	}
	return out
}

func targetFaults(rng *rand.Rand) []func(time.Duration) *Fault {
	sims := []string{"bi", "cv", "tf"}
	sim := func() string { return sims[rng.IntN(len(sims))] }
	mk := func(kind, detail string, lo, hi time.Duration, pick func() string) func(time.Duration) *Fault {
		return func(at time.Duration) *Fault {
			return &Fault{At: at, Kind: kind, Victim: pick(), Hold: jitter(rng, lo, hi), Detail: detail}
		}
	}
	withSessions := func() string { return []string{"bi", "cv"}[rng.IntN(2)] }
	return []func(time.Duration) *Fault{
		mk("503-burst", "every request 503", 2*time.Second, 6*time.Second, sim),
		mk("429", "429 Retry-After: 2", 2*time.Second, 5*time.Second, sim),
		mk("latency", "3s latency on every request", 4*time.Second, 8*time.Second, sim),
		mk("drop", "connections dropped without an answer", 2*time.Second, 5*time.Second, sim),
		mk("lose-answer", "writes take effect, answers lost", 2*time.Second, 5*time.Second, sim),
		mk("session-expiry", "every session ends", 0, 0, withSessions),
		mk("sim-restart", "restart: sessions forgotten, connections dropped for 1s", time.Second, time.Second, sim),
	}
}

func jitter(rng *rand.Rand, lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(rng.Int64N(int64(hi-lo)))
}

// Nemesis carries out a schedule against an environment.
type Nemesis struct {
	Env    *Env
	Faults []*Fault
	Log    func(format string, args ...any)
}

// Run starts every fault at its time and returns when all have ended.
func (n *Nemesis) Run(ctx context.Context, start time.Time) {
	sort.SliceStable(n.Faults, func(i, j int) bool { return n.Faults[i].At < n.Faults[j].At })
	var wg sync.WaitGroup
	for _, f := range n.Faults {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Until(start.Add(f.At))):
			}
			f.Start = time.Now()
			if err := n.apply(ctx, f); err != nil {
				f.Err = err.Error()
			}
			n.Log("nemesis: %s -> hit %s, recovered in %s %s", f, f.Hit, f.Recovery.Round(10*time.Millisecond), f.Err)
		}()
	}
	wg.Wait()
}

func (n *Nemesis) apply(ctx context.Context, f *Fault) error {
	e := n.Env
	switch f.Kind {
	case "kill-worker", "kill-ingest":
		p, ready := e.proc(f.Victim)
		f.Hit = f.Victim
		p.Kill()
		clock.Sleep(ctx, f.Hold)
		f.End = time.Now()
		if _, err := p.Start(); err != nil {
			return err
		}
		return n.recover(ctx, f, func(c context.Context) bool { return childproc.HTTPOK(c, ready) })
	case "pause-worker":
		p, ready := e.proc(f.Victim)
		f.Hit = f.Victim
		if err := p.Signal(syscall.SIGSTOP); err != nil {
			return err
		}
		clock.Sleep(ctx, f.Hold)
		f.End = time.Now()
		if err := p.Signal(syscall.SIGCONT); err != nil {
			return err
		}
		return n.recover(ctx, f, func(c context.Context) bool { return childproc.HTTPOK(c, ready) })
	case "kill-nats":
		node := e.resolveNode(ctx, f.Victim)
		if node == nil {
			return fmt.Errorf("no node for %s", f.Victim)
		}
		f.Hit = node.Name
		node.Proc.Kill()
		clock.Sleep(ctx, f.Hold)
		f.End = time.Now()
		if _, err := node.Proc.Start(); err != nil {
			return err
		}
		return n.recover(ctx, f, func(c context.Context) bool { return childproc.HTTPOK(c, node.healthURL()) })
	default:
		return n.targetFault(ctx, f)
	}
}

// recover measures how long after the fault's end ok first holds.
func (n *Nemesis) recover(ctx context.Context, f *Fault, ok func(context.Context) bool) error {
	deadline := time.Now().Add(2 * time.Minute)
	for !ok(ctx) {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("not recovered within 2m")
		}
		clock.Sleep(ctx, 100*time.Millisecond)
	}
	f.Recovery = time.Since(f.End)
	return nil
}
