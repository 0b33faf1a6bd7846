package config

import "time"

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

func (c *Config) applyDefaults() {
	n := &c.NATS
	setDefault(&n.Embedded.Listen, "127.0.0.1:4222")
	setDefault(&n.Embedded.StoreDir, "./data/nats")
	setDefault(&n.Embedded.StartTimeout, 2*time.Minute)
	setDefault(&n.Embedded.LogLevel, "warn")
	setDefault(&n.Replicas, 1)
	setDefault(&n.DuplicateWindow, time.Hour)
	setDefault(&n.EventsMaxAge, 7*24*time.Hour)
	setDefault(&n.ActionsMaxAge, 7*24*time.Hour)
	setDefault(&n.ResultsMaxAge, 90*24*time.Hour)
	setDefault(&n.DLQMaxAge, 90*24*time.Hour)
	setDefault(&n.LedgerTTL, 30*24*time.Hour)
	setDefault(&n.SecretsTTL, 7*24*time.Hour)

	setDefault(&c.Ingest.Listen, "127.0.0.1:8080")
	setDefault(&c.Ingest.MaxBodyBytes, 1<<20)
	setDefault(&c.Ingest.MaxItemsPerRequest, 1000)
	setDefault(&c.Ingest.ShutdownTimeout, 20*time.Second)
	setDefault(&c.Notifications.MaxAttempts, 8)
	setDefault(&c.Ingest.SCIM.Source, "scim")

	w := &c.Worker
	setDefault(&w.Listen, "127.0.0.1:8081")
	setDefault(&w.Concurrency, 8)
	setDefault(&w.MaxAttempts, 5)
	setDefault(&w.MaxDeliveries, 50)
	setDefault(&w.AckWait, 30*time.Second)
	setDefault(&w.RedeliveryDelay, 30*time.Second)
	setDefault(&w.ShutdownTimeout, 30*time.Second)
	r := &w.Retry
	setDefault(&r.InitialInterval, 500*time.Millisecond)
	setDefault(&r.MaxInterval, 10*time.Second)
	setDefault(&r.MaxElapsed, 20*time.Second)
	setDefault(&r.Multiplier, 2.0)
	setDefault(&r.RetryAfterCeiling, 5*time.Minute)

	// sources[].auth.tolerance stays 0 unless set: the schemes that check
	// timestamps read 0 as their 5-minute default, the others refuse it.
	for i := range c.Targets {
		t := &c.Targets[i]
		setDefault(&t.Timeout, 10*time.Second)
		setDefault(&t.Limits.Rate, 20)
		setDefault(&t.Limits.Concurrency, 8)
		setDefault(&t.Limits.Burst, max(1, int(t.Limits.Rate)))
		// -1 means unlimited; the transport reads any negative that way.
		setDefault(&t.Circuit.Failures, 5)
		setDefault(&t.Circuit.OpenFor, 30*time.Second)
	}
	if c.Safety.BlastRadius == nil {
		c.Safety.BlastRadius = []BlastRadius{{Action: "*", Target: "*", Max: 50, Window: 10 * time.Minute}}
	}
	setDefault(&c.Safety.ApprovalTimeout, 24*time.Hour)
	setDefault(&c.Log.Level, "info")
	setDefault(&c.Log.Format, "auto")
}
