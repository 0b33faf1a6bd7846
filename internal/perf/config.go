package perf

import (
	"fmt"
	"strings"
)

// targetKinds maps the perf targets onto their kinds, API roots and
// credentials (the simulators' paths, as internal/chaos configures them).
var targetKinds = map[string]struct{ kind, path, creds string }{
	"bi": {"beyondinsight", "/BeyondTrust/api/public/v3", `{api_key: "file:%s", run_as: quell-svc}`},
	"cv": {"commvault", "/webconsole/api", `{username: quell-svc, password: "file:%s"}`},
	"tf": {"threadfix", "/threadfix/rest/latest", `{api_key: "file:%s"}`},
}

var targetSecret = map[string]string{"bi": "bi-key", "cv": "cv-password", "tf": "tf-key"}

// config is the quell.yaml of a scenario: one generic source (siem,
// Standard Webhooks), one rule quarantining the alert's user on every
// target at severity 70 and above, target limits off (the simulators
// answer at once: this measures Quell, not the default 20 requests/s),
// the blast radius raised to Opts.BlastMax per hour (or off), replicas 1.
func (e *Env) config(q QuellConfig) string {
	o := e.Opts
	var b strings.Builder
	if q.NATSURL != "" {
		fmt.Fprintf(&b, "nats:\n  url: %q\n  replicas: 1\n", q.NATSURL)
	} else {
		fmt.Fprintf(&b, "nats:\n  replicas: 1\n  embedded: {listen: %q, store_dir: %q}\n", q.EmbeddedListen, q.StoreDir)
	}
	fmt.Fprintf(&b, "ingest:\n  listen: %s\n", q.IngestListen)
	fmt.Fprintf(&b, "worker:\n  listen: %s\n", q.WorkerListen)
	if o.WorkerConcurrency > 0 {
		fmt.Fprintf(&b, "  concurrency: %d\n", o.WorkerConcurrency)
	}
	fmt.Fprintf(&b, `sources:
  - name: siem
    kind: generic
    auth: {scheme: standard-webhooks, secrets: ["file:%s"]}
targets:
`, e.etc("webhook"))
	for _, t := range o.Targets {
		k := targetKinds[t]
		base := e.SimURLs[t]
		if base == "" {
			// Start-up runs without simulators: nothing calls the target.
			base = "http://127.0.0.1:9"
		}
		fmt.Fprintf(&b, `  - name: %s
    kind: %s
    base_url: %s%s
    credentials: %s
    limits: {rate: -1, concurrency: -1}
`, t, k.kind, base, k.path, fmt.Sprintf(k.creds, e.etc(targetSecret[t])))
	}
	b.WriteString(`policy:
  rules:
    - name: quarantine-high-severity
      when: 'event.type == "dev.quell.alert.v1" && data.severity >= 70'
      actions:
`)
	for _, t := range o.Targets {
		fmt.Fprintf(&b, "        - {action: quarantine, target: %s, user: data.user}\n", t)
	}
	if o.BlastMax > 0 {
		fmt.Fprintf(&b, "safety:\n  blast_radius: [{action: \"*\", target: \"*\", max: %d, window: 1h}]\n", o.BlastMax)
	} else {
		b.WriteString("safety:\n  blast_radius: []\n")
	}
	fmt.Fprintf(&b, "log: {format: json, level: %s}\n", o.LogLevel)
	return b.String()
}
