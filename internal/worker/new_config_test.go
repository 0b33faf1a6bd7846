package worker_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/quelltest"
	"github.com/quell-dev/quell/internal/worker"
)

// New refuses a configuration it cannot run with, naming every problem in
// one error that wraps worker.ErrInvalidConfig.
func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	n := quelltest.StartNATS(t)
	valid := func() worker.Config {
		return worker.Config{NC: n.Conn, JS: n.JS, Policy: &scriptedPlanner{}, Executor: &scriptedExecutor{},
			Concurrency: 1, MaxDeliveries: 1, AckWait: time.Second}
	}
	const (
		noNATS        = "no NATS connection"
		noPolicy      = "no policy"
		noExecutor    = "no executor"
		concurrency   = "concurrency"
		maxDeliveries = "max deliveries"
		ackWait       = "ack wait"
	)
	tests := []struct {
		name string
		edit func(*worker.Config)
		want []string // problems named; none: valid
	}{
		{"Valid", func(*worker.Config) {}, nil},
		{"ValidWithoutDrainOrLogger", func(c *worker.Config) { c.Drain, c.Logger, c.Metrics, c.Now = 0, nil, nil, nil }, nil},
		{"NoNC", func(c *worker.Config) { c.NC = nil }, []string{noNATS}},
		{"NoJS", func(c *worker.Config) { c.JS = nil }, []string{noNATS}},
		{"NilPolicy", func(c *worker.Config) { c.Policy = nil }, []string{noPolicy}},
		{"NilExecutor", func(c *worker.Config) { c.Executor = nil }, []string{noExecutor}},
		{"ConcurrencyZero", func(c *worker.Config) { c.Concurrency = 0 }, []string{"concurrency 0: must be at least 1"}},
		{"ConcurrencyNegative", func(c *worker.Config) { c.Concurrency = -3 }, []string{"concurrency -3: must be at least 1"}},
		{"MaxDeliveriesZero", func(c *worker.Config) { c.MaxDeliveries = 0 }, []string{"max deliveries 0: must be at least 1"}},
		{"AckWaitZero", func(c *worker.Config) { c.AckWait = 0 }, []string{"ack wait 0s: must be positive"}},
		{"AckWaitNegative", func(c *worker.Config) { c.AckWait = -time.Second }, []string{"ack wait -1s: must be positive"}},
		{"Everything", func(c *worker.Config) { *c = worker.Config{} },
			[]string{noNATS, noPolicy, noExecutor, concurrency, maxDeliveries, ackWait}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := valid()
			tt.edit(&cfg)
			w, err := worker.New(cfg)
			if len(tt.want) == 0 {
				if err != nil || w == nil {
					t.Fatalf("New: %v, want a worker", err)
				}
				return
			}
			if !errors.Is(err, worker.ErrInvalidConfig) {
				t.Fatalf("New: %v, want an error wrapping ErrInvalidConfig", err)
			}
			if w != nil {
				t.Error("New returned a worker with its error")
			}
			msg := err.Error()
			for _, p := range tt.want {
				if !strings.Contains(msg, p) {
					t.Errorf("error %q does not name %q", msg, p)
				}
			}
			// Exactly the problems expected, "; "-separated after the prefix.
			problems := strings.Split(strings.TrimPrefix(msg, worker.ErrInvalidConfig.Error()+": "), "; ")
			if len(problems) != len(tt.want) {
				t.Errorf("error %q names %d problems, want %d", msg, len(problems), len(tt.want))
			}
		})
	}
}
