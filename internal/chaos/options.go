package chaos

import (
	"fmt"
	"time"
)

// Options configure a run.
type Options struct {
	// Duration of the load (and the nemesis); the drain comes after.
	Duration time.Duration
	Seed     uint64
	// Alerts is how many requests the sender delivers (alerts, with some
	// HR updates and manual actions among them); Users how many distinct
	// users they are about; Protected how many further users are
	// protected accounts (a few alerts name them; no write may touch them).
	Alerts    int
	Users     int
	Protected int
	// RunDir holds binaries, data, configuration and every process's log.
	RunDir string
	// Drain bounds the wait, after the load, for every action's result.
	Drain time.Duration
	// Lease settings of the workers (worker.* in the generated quell.yaml).
	AckWait    time.Duration
	MaxElapsed time.Duration
	Timeout    time.Duration
}

// Lease is the workers' ledger lease with these settings (as
// internal/workersvc computes it).
func (o Options) Lease() time.Duration { return o.MaxElapsed + 2*o.Timeout + o.AckWait }

func (o Options) userNames() []string {
	out := make([]string, o.Users)
	for i := range out {
		out[i] = userName(o.Protected + i + 1)
	}
	return out
}

// protectedNames are the first Protected generated users.
func (o Options) protectedNames() []string {
	out := make([]string, o.Protected)
	for i := range out {
		out[i] = userName(i + 1)
	}
	return out
}

// userName matches cmd/pamsim's -extra-users names.
func userName(i int) string { return fmt.Sprintf("u%05d", i) }

// Scenario is one phase of the load with its own family of faults; every
// request sent in it, and every action and effect it leads to, is counted
// in its table.
type Scenario struct {
	Index  int
	Name   string
	Start  time.Duration
	Length time.Duration
}

// ScenarioNames are the phases in order.
var ScenarioNames = []string{"workers", "ingests", "nats", "targets"}

func scenarios(total time.Duration) []Scenario {
	var out []Scenario
	n := time.Duration(len(ScenarioNames))
	for i, name := range ScenarioNames {
		out = append(out, Scenario{Index: i, Name: name, Start: total * time.Duration(i) / n, Length: total / n})
	}
	return out
}
