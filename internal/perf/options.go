package perf

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Scenarios are the scenario names, in the order -scenario all runs them.
var Scenarios = []string{"ingest", "storm", "backlog", "startup"}

// Options configure a quell-perf run.
type Options struct {
	// RunDir holds the binaries and one directory per scenario (data,
	// configuration, every process's log).
	RunDir string
	// Keep leaves the scenario directories (NATS stores, logs) in place.
	Keep bool
	// Src, if set, is the checkout ingest, worker and quellctl are built
	// from (the simulators and nats-server always come from this one).
	Src string

	// Ingest scenario: closed-loop load at each of Conc for Duration after
	// Warmup, Runs times, Quell and the baseline alternately.
	Duration time.Duration
	Warmup   time.Duration
	Runs     int
	Conc     []int

	// Storm scenario: Storm alerts about distinct users, sent by StormConc
	// senders at once.
	Storm     int
	StormConc int

	// Backlog scenario: Backlog alerts queued while the worker is stopped,
	// BacklogBatch alerts per request, about BacklogUsers distinct users
	// in turn (0: one user per alert), by BacklogConc senders.
	Backlog      int
	BacklogBatch int
	BacklogUsers int
	BacklogConc  int
	// SeriesEvery is the interval of the backlog's time series.
	SeriesEvery time.Duration

	// StartupRuns is how many timed starts of each binary (after one
	// untimed warm-up start).
	StartupRuns int

	// Targets are the targets each alert quarantines on: bi, cv, tf.
	Targets []string
	// WorkerConcurrency is worker.concurrency (0: the configuration's
	// default).
	WorkerConcurrency int
	// BlastMax raises the blast radius to this many actions per target and
	// kind per hour; 0 turns it off. A storm or backlog larger than it
	// would be parked, so those scenarios refuse to start.
	BlastMax int
	// LogLevel of ingest and worker (log.level).
	LogLevel string
	// GCTrace runs ingest and worker with GODEBUG=gctrace=1 (into their
	// logs) to see their live heap.
	GCTrace bool
	// Timeout bounds each wait for a storm's or a backlog's last action.
	Timeout time.Duration

	// Out receives result lines; Log progress.
	Out io.Writer
	Log func(format string, args ...any)
}

// Validate checks the options a run needs.
func (o *Options) Validate() error {
	var problems []string
	if o.Duration <= 0 || o.Runs < 1 || len(o.Conc) == 0 {
		problems = append(problems, "need -duration > 0, -runs >= 1 and at least one -conc")
	}
	for _, c := range o.Conc {
		if c < 1 {
			problems = append(problems, fmt.Sprintf("-conc %d: must be at least 1", c))
		}
	}
	if o.Storm < 1 || o.StormConc < 1 {
		problems = append(problems, "need -storm >= 1 and -storm-conc >= 1")
	}
	if o.Backlog < 1 || o.BacklogBatch < 1 || o.BacklogBatch > 1000 || o.BacklogUsers < 0 || o.BacklogConc < 1 {
		problems = append(problems, "need -backlog >= 1, 1 <= -backlog-batch <= 1000 (ingest.max_items_per_request), -backlog-users >= 0, -backlog-conc >= 1")
	}
	if o.StartupRuns < 1 {
		problems = append(problems, "need -startup-runs >= 1")
	}
	if len(o.Targets) == 0 {
		problems = append(problems, "need at least one target")
	}
	for _, t := range o.Targets {
		if t != "bi" && t != "cv" && t != "tf" {
			problems = append(problems, fmt.Sprintf("-targets: %q: want bi, cv or tf", t))
		}
	}
	if o.BlastMax < 0 || o.BlastMax > 1_000_000 {
		problems = append(problems, "-blast-max: 0 (off) to 1000000")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return nil
}
