package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const valid = `
sources:
  - name: demo
    kind: generic
    auth:
      scheme: standard-webhooks
      secrets: [env:DEMO_SECRET]
targets:
  - name: bi
    kind: beyondinsight
    base_url: http://127.0.0.1:8441/BeyondTrust/api/public/v3
    credentials: {api_key: "env:BI_KEY", run_as: quell}
policy:
  rules:
    - name: high
      when: data.severity >= 70
      actions:
        - {action: quarantine, target: bi, user: data.user}
`

func TestParseValidFillsDefaults(t *testing.T) {
	c, err := Parse([]byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	if c.NATS.ClientURL() != "nats://127.0.0.1:4222" || c.Ingest.MaxBodyBytes != 1<<20 ||
		c.Worker.MaxAttempts != 5 || c.Worker.MaxDeliveries != 50 || c.Targets[0].Timeout != 10*time.Second {
		t.Fatalf("defaults not applied: %+v", c)
	}
}

func TestParseListsEveryProblemByPath(t *testing.T) {
	bad := `
ingest: {listen: "0.0.0.0:8080"}
nats: {duplicate_window: 200h, embedded: {listen: "0.0.0.0:4222"}}
worker: {retry: {max_elapsed: -1s, multiplier: 0.5}}
sources:
  - name: demo
    kind: splunkish
    auth: {scheme: none}
  - name: demo
    kind: generic
    auth: {scheme: bearer, secrets: ["hunter2-inline-secret"]}
targets:
  - name: bi
    kind: beyondinsight
  - name: "bad name"
    kind: nope
    base_url: ftp://x
policy:
  rules:
    - name: r
      actions: [{action: quarantine, target: missing}]
`
	_, err := Parse([]byte(bad))
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want ValidationError, got %v", err)
	}
	want := []string{
		"sources[0].kind:",
		"sources[0].auth.scheme: none is refused",
		"sources[1].name: \"demo\" is used twice",
		"sources[1].auth.secrets[0]: must be a reference",
		"targets[0].base_url: missing",
		"targets[1].name:",
		"targets[1].kind:",
		"targets[1].base_url:",
		"policy.rules[0].when: missing",
		"policy.rules[0].actions[0].target:",
		"policy.rules[0].actions[0].user: missing",
		"nats.events_max_age: 168h0m0s is shorter than nats.duplicate_window",
		"worker.retry.max_elapsed: must be positive",
		`nats.embedded.listen: "0.0.0.0:4222": the embedded server has no authentication`,
		"worker.retry.multiplier: 0.5: must be at least 1",
	}
	msg := err.Error()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("missing problem %q in:\n%s", w, msg)
		}
	}
	if strings.Contains(msg, "hunter2") {
		t.Errorf("error echoes an inline secret:\n%s", msg)
	}
}

func TestParseRejectsUnknownKeys(t *testing.T) {
	_, err := Parse([]byte("safety: {dry_runn: true}\n"))
	if err == nil || !strings.Contains(err.Error(), "dry_runn") {
		t.Fatalf("want unknown-field error, got %v", err)
	}
}

func TestRotationNeedsARecipient(t *testing.T) {
	cfg := `
targets:
  - name: bi
    kind: beyondinsight
    base_url: http://127.0.0.1:1/x
  - name: bi2
    kind: beyondinsight
    base_url: http://127.0.0.1:1/x
    secret_recipients: [{users: "svc-[", recipient: "age1notakey"}]
policy:
  rules:
    - name: rotate
      when: "true"
      actions: [{action: rotate_client_secret, target: bi, user: data.user}]
`
	_, err := Parse([]byte(cfg))
	for _, want := range []string{
		"policy.rules[0].actions[0]: rotate_client_secret on bi needs targets[].secret_recipients",
		"targets[1].secret_recipients[0].recipient: not an age public key",
		`targets[1].secret_recipients[0].users: "svc-[" is not a valid glob pattern`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
}

func TestEmbeddedNATSStartSettings(t *testing.T) {
	c, err := Parse([]byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	if e := c.NATS.Embedded; e.StartTimeout != 2*time.Minute || e.LogLevel != "warn" {
		t.Fatalf("embedded defaults: %+v", e)
	}
	c, err = Parse([]byte(valid + "nats: {embedded: {start_timeout: 10m, log_level: info}}\n"))
	if err != nil || c.NATS.Embedded.StartTimeout != 10*time.Minute || c.NATS.Embedded.LogLevel != "info" {
		t.Fatalf("embedded settings: %v %+v", err, c)
	}
	_, err = Parse([]byte(valid + "nats: {embedded: {start_timeout: -1s, log_level: loud}}\n"))
	for _, w := range []string{"nats.embedded.start_timeout:", `nats.embedded.log_level: "loud"`} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("want problem %q, got %v", w, err)
		}
	}
}

func TestIngestMaxItemsPerRequest(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       int
		problem    string
	}{
		{"default", "", 1000, ""},
		{"set", "ingest: {max_items_per_request: 50}\n", 50, ""},
		{"negative", "ingest: {max_items_per_request: -1}\n", 0, "ingest.max_items_per_request: must be at least 1"},
	}
	for _, c := range cases {
		cfg, err := Parse([]byte(valid + c.yaml))
		if c.problem != "" {
			if err == nil || !strings.Contains(err.Error(), c.problem) {
				t.Errorf("%s: want %q, got %v", c.name, c.problem, err)
			}
			continue
		}
		if err != nil || cfg.Ingest.MaxItemsPerRequest != c.want {
			t.Errorf("%s: %v, max_items_per_request %d, want %d", c.name, err, cfg.Ingest.MaxItemsPerRequest, c.want)
		}
	}
}

func TestBlastRadiusBounds(t *testing.T) {
	cases := []struct{ rule, problem string }{
		{"{action: '*', target: '*', max: 100000, window: 1h}", ""},
		{"{action: '*', target: '*', max: 1000000, window: 744h}", ""},
		{"{action: '*', target: '*', max: 0, window: 1h}", "safety.blast_radius[0].max: 0: want 1 to 1000000"},
		{"{action: '*', target: '*', max: 1000001, window: 1h}", "safety.blast_radius[0].max: 1000001: want 1 to 1000000"},
		{"{action: '*', target: '*', max: 10, window: 500ms}", "safety.blast_radius[0].window: 500ms: want 1s to 744h0m0s"},
		{"{action: '*', target: '*', max: 10, window: 745h}", "safety.blast_radius[0].window: 745h0m0s"},
	}
	for _, c := range cases {
		_, err := Parse([]byte(valid + "safety: {blast_radius: [" + c.rule + "]}\n"))
		if c.problem == "" && err != nil {
			t.Errorf("%s: %v", c.rule, err)
		}
		if c.problem != "" && (err == nil || !strings.Contains(err.Error(), c.problem)) {
			t.Errorf("%s: want %q, got %v", c.rule, c.problem, err)
		}
	}
}

// TestCheckTargets: the kind and credentials of every target are checked
// as data, every secret reference resolved, every problem listed by path.
func TestCheckTargets(t *testing.T) {
	t.Setenv("QUELL_TEST_CV_PASSWORD", "pw")
	c := &Config{Targets: []Target{
		{Name: "cv", Kind: "commvault", Credentials: map[string]string{"username": "svc", "password": "env:QUELL_TEST_CV_PASSWORD"}},
		{Name: "tf", Kind: "threadfix", Credentials: map[string]string{"api_key": "env:QUELL_TEST_NOT_SET_TF", "tenant": "x"}},
		{Name: "bi", Kind: "beyondinsight", Credentials: map[string]string{"client_id": "id"}},
	}}
	err := c.CheckTargets()
	if err == nil {
		t.Fatal("want an error")
	}
	want := "targets:\n" +
		"  targets[1].credentials.api_key: environment variable QUELL_TEST_NOT_SET_TF is not set\n" +
		"  targets[1].credentials.tenant: unknown key (want api_key)\n" +
		"  targets[2].credentials.client_secret: missing"
	if err.Error() != want {
		t.Fatalf("got\n%s\nwant\n%s", err, want)
	}
	c.Targets = c.Targets[:1]
	if err := c.CheckTargets(); err != nil {
		t.Fatalf("valid targets: %v", err)
	}
}
