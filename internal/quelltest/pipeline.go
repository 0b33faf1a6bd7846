package quelltest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/config"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/ingestsvc"
	"github.com/quell-dev/quell/internal/natsconn"
	"github.com/quell-dev/quell/internal/pam/beyondinsight/sim"
	cvsim "github.com/quell-dev/quell/internal/pam/commvault/sim"
	tfsim "github.com/quell-dev/quell/internal/pam/threadfix/sim"
	"github.com/quell-dev/quell/internal/secret"
	"github.com/quell-dev/quell/internal/sourceauth"
	"github.com/quell-dev/quell/internal/telemetry"
	"github.com/quell-dev/quell/internal/workersvc"
)

// Test credentials. They exist only in tests and the simulators.
const (
	WebhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	APIToken      = "quell-test-api-token-0123456789"
	BIAPIKey      = "quell-test-bi-key-6d1f0a9c2b7e4d3f8a5c1e0b9d7f6a4c"
	BIRunAs       = "quell-svc"
	TFAPIKey      = "quell-test-threadfix-key-5d4c3b2a1f0e"
	CVUser        = "quell-svc"
	CVPassword    = "quell-test-commvault-password-8e7d"
)

// DefaultPolicy quarantines the user of any alert of severity >= 70 in BI.
const DefaultPolicy = `
policy:
  rules:
    - name: quarantine-high-severity
      when: 'event.type == "dev.quell.alert.v1" && data.severity >= 70'
      actions:
        - {action: quarantine, target: bi, user: data.user}
`

// Pipeline is a whole Quell on loopback: embedded NATS, the BeyondInsight
// simulator, ingest and worker, wired by internal/ingestsvc and
// internal/workersvc exactly as the binaries wire them.
type Pipeline struct {
	NATS  *NATS
	BI    *sim.Server
	BIURL string
	// TF is the ThreadFix simulator behind target "tf".
	TF *tfsim.Server
	// CV is the Commvault simulator behind target "cv".
	CV        *cvsim.Server
	IngestURL string
	// WorkerURL serves the worker's /healthz, /readyz and /metrics.
	WorkerURL string
	Config    *config.Config
	// ConfigFile holds the same configuration, for quellctl.
	ConfigFile string
	Logs       *SyncBuffer
	dir        string
	tel        *telemetry.Telemetry

	mu         sync.Mutex
	stopWorker func()
}

// PipelineOptions adjust a pipeline.
type PipelineOptions struct {
	// Policy is YAML with a top-level policy: key; [DefaultPolicy] if empty.
	Policy string
	// Extra YAML appended to the configuration (e.g. "safety: {dry_run: true}").
	Extra string
	// TargetExtra is YAML added to the bi target (e.g. "circuit: {failures: 2}").
	TargetExtra string
	// Sources is YAML list items added to sources: (after the demo source).
	Sources string
	// BIUsers seeds the BeyondInsight simulator (default: sim.DefaultUsers()).
	BIUsers []sim.User
	// NoWorker starts everything but the worker.
	NoWorker bool
	// NoIngest starts everything but the ingest (the streams are created
	// all the same): benchmarks of the worker alone.
	NoIngest bool
	// Telemetry serves /metrics on ingest and worker.
	Telemetry *telemetry.Telemetry
}

// StartPipeline starts the pipeline and stops it when the test ends.
func StartPipeline(t testing.TB, o PipelineOptions) *Pipeline {
	t.Helper()
	p := &Pipeline{NATS: StartNATS(t), Logs: &SyncBuffer{}, dir: t.TempDir(), tel: o.Telemetry}
	users := o.BIUsers
	if users == nil {
		users = sim.DefaultUsers()
	}
	p.BI = sim.New(sim.Options{APIKey: BIAPIKey, RunAs: BIRunAs, Users: users})
	biSrv := httptest.NewServer(p.BI)
	t.Cleanup(biSrv.Close)
	p.BIURL = biSrv.URL + sim.APIPrefix
	p.TF = tfsim.New(tfsim.Options{APIKey: TFAPIKey, Users: tfsim.DefaultUsers()})
	tfSrv := httptest.NewServer(p.TF)
	t.Cleanup(tfSrv.Close)
	p.CV = cvsim.New(cvsim.Options{Username: CVUser, Password: CVPassword, Users: cvsim.DefaultUsers()})
	cvSrv := httptest.NewServer(p.CV)
	t.Cleanup(cvSrv.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.IngestURL = "http://" + ln.Addr().String()
	p.Config = p.config(t, o, ln.Addr().String(), tfSrv.URL+tfsim.APIPrefix, cvSrv.URL+cvsim.APIPrefix)
	if o.NoIngest {
		ln.Close()
		if err := events.EnsureStreams(context.Background(), p.NATS.JS, natsconn.StreamOptions(p.Config.NATS)); err != nil {
			t.Fatal(err)
		}
	} else {
		p.startIngest(t, ln)
	}
	if !o.NoWorker {
		p.StartWorker(t)
	}
	if !o.NoIngest {
		p.waitReady(t)
	}
	return p
}

func (p *Pipeline) startIngest(t testing.TB, ln net.Listener) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- ingestsvc.RunIngest(ctx, p.Config, ingestsvc.IngestOptions{Logger: p.logger("ingest"), Listener: ln, Telemetry: p.tel})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ingest: %v", err)
		}
	})
}

func (p *Pipeline) config(t testing.TB, o PipelineOptions, ingestAddr, tfURL, cvURL string) *config.Config {
	t.Helper()
	files := map[string]string{"webhook": WebhookSecret, "api": APIToken, "bi": BIAPIKey, "tf": TFAPIKey, "cv": CVPassword}
	for name, v := range files {
		if err := os.WriteFile(filepath.Join(p.dir, name), []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	policy := o.Policy
	if policy == "" {
		policy = DefaultPolicy
	}
	yaml := fmt.Sprintf(`
nats: {url: %q}
ingest:
  listen: %s
  api_tokens: [{name: responder, token: "file:%s"}]
worker:
  concurrency: 4
  max_attempts: 3
  max_deliveries: 10
  ack_wait: 2s
  redelivery_delay: 200ms
  shutdown_timeout: 2s
  retry: {initial_interval: 20ms, max_interval: 200ms, max_elapsed: 2s}
sources:
  - name: demo
    kind: generic
    auth: {scheme: standard-webhooks, secrets: ["file:%s"]}
%s
targets:
  - name: bi
    kind: beyondinsight
    base_url: %q
    timeout: 2s
    credentials: {api_key: "file:%s", run_as: %s}
    %s
  - name: tf
    kind: threadfix
    base_url: %q
    timeout: 2s
    credentials: {api_key: "file:%s"}
  - name: cv
    kind: commvault
    base_url: %q
    timeout: 2s
    credentials: {username: %s, password: "file:%s"}
%s
%s`, p.NATS.Server.ClientURL(), ingestAddr, filepath.Join(p.dir, "api"), filepath.Join(p.dir, "webhook"), o.Sources, p.BIURL,
		filepath.Join(p.dir, "bi"), BIRunAs, o.TargetExtra, tfURL, filepath.Join(p.dir, "tf"), cvURL, CVUser, filepath.Join(p.dir, "cv"), policy, o.Extra)
	cfg, err := config.Parse([]byte(yaml))
	if err != nil {
		t.Fatalf("pipeline config: %v\n%s", err, yaml)
	}
	p.ConfigFile = filepath.Join(p.dir, "quell.yaml")
	if err := os.WriteFile(p.ConfigFile, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// StartWorker starts a worker; StopWorker stops it gracefully.
func (p *Pipeline) StartWorker(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	ready := make(chan struct{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.WorkerURL = "http://" + ln.Addr().String()
	p.mu.Unlock()
	go func() {
		done <- workersvc.RunWorker(ctx, p.Config, workersvc.WorkerOptions{Logger: p.logger("worker"), Listener: ln,
			Telemetry: p.tel, Ready: func(string) { close(ready) }})
	}()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("worker did not start: %v", err)
	case <-time.After(15 * time.Second):
		t.Fatal("worker did not start in 15s")
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("worker: %v", err)
			}
		})
	}
	p.mu.Lock()
	p.stopWorker = stop
	p.mu.Unlock()
	t.Cleanup(stop)
}

// StopWorker stops the running worker and waits for it.
func (p *Pipeline) StopWorker() {
	p.mu.Lock()
	stop := p.stopWorker
	p.mu.Unlock()
	if stop != nil {
		stop()
	}
}

func (p *Pipeline) waitReady(t testing.TB) {
	t.Helper()
	WaitReady(t, p.IngestURL, "ingest /readyz")
}

// WaitReady waits up to 15s for the service at baseURL to answer 200 on
// /readyz; what names it in the failure.
func WaitReady(t testing.TB, baseURL, what string) {
	t.Helper()
	Eventually(t, 15*time.Second, what, func() bool {
		resp, err := http.Get(baseURL + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// StartIngest runs another ingest on the pipeline's NATS, wired by
// [ingestsvc.RunIngest] from a copy of the pipeline's configuration with
// one more API token (the token named name, read from a file like the
// others, with scopes), after edit, if not nil, has changed that copy. It
// logs nowhere, stops when the test ends, and returns its base URL
// ("http://" and the address it listens on).
func (p *Pipeline) StartIngest(t testing.TB, name, token string, scopes []string, edit func(*config.Config)) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), name+"-token")
	if err := os.WriteFile(f, []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := *p.Config
	cfg.Ingest.APITokens = append(slices.Clone(cfg.Ingest.APITokens),
		config.APIToken{Name: name, Token: secret.Ref("file:" + f), Scopes: scopes})
	if edit != nil {
		edit(&cfg)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- ingestsvc.RunIngest(ctx, &cfg, ingestsvc.IngestOptions{Listener: ln, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ingest with token %s: %v", name, err)
		}
	})
	return "http://" + ln.Addr().String()
}

func (p *Pipeline) logger(service string) *slog.Logger {
	return slog.New(slog.NewJSONHandler(p.Logs, &slog.HandlerOptions{Level: slog.LevelDebug})).With("service", service)
}

// PostAlert sends body to the demo source signed with Standard Webhooks
// under deliveryID (a new one when empty).
func (p *Pipeline) PostAlert(t testing.TB, body, deliveryID string) (int, string) {
	t.Helper()
	return PostAlert(t, p.IngestURL, body, deliveryID)
}

// PostAlert sends body to the demo source of the ingest at ingestURL,
// signed with Standard Webhooks and [WebhookSecret] under deliveryID (a
// new one when empty), and returns status and body.
func PostAlert(t testing.TB, ingestURL, body, deliveryID string) (int, string) {
	t.Helper()
	if deliveryID == "" {
		deliveryID = "msg_" + uuid.NewString()
	}
	now := time.Now()
	sig, err := sourceauth.Sign(secret.New(WebhookSecret), deliveryID, now, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return Post(t, ingestURL+"/v1/webhooks/demo", body, map[string]string{
		"Content-Type": "application/json", "webhook-id": deliveryID,
		"webhook-timestamp": fmt.Sprint(now.Unix()), "webhook-signature": sig,
	})
}

// Post sends a request to the ingest and returns status and body.
func (p *Pipeline) Post(t testing.TB, path, body string, headers map[string]string) (int, string) {
	t.Helper()
	return Post(t, p.IngestURL+path, body, headers)
}

// Post sends a POST to url and returns status and body.
func Post(t testing.TB, url, body string, headers map[string]string) (int, string) {
	t.Helper()
	return Do(t, http.MethodPost, url, body, headers)
}

// Do sends a request with body and headers to url and returns status and
// body. Failing to send it fails the test.
func Do(t testing.TB, method, url, body string, headers map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Results returns the action results stored so far.
func (p *Pipeline) Results(t testing.TB) []events.ActionResult {
	t.Helper()
	return Results(t, p.NATS.JS)
}

// Results returns the action results stored in js so far.
func Results(t testing.TB, js jetstream.JetStream) []events.ActionResult {
	t.Helper()
	var out []events.ActionResult
	for _, m := range StreamMsgs(t, js, events.StreamResults, "") {
		ev, err := events.Decode(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		r, err := events.DataAs[events.ActionResult](ev)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// WaitResults waits until at least n results are stored and returns them.
func (p *Pipeline) WaitResults(t testing.TB, n int, timeout time.Duration) []events.ActionResult {
	t.Helper()
	return WaitResults(t, p.NATS.JS, n, timeout)
}

// WaitResults waits until js holds at least n results and returns them.
func WaitResults(t testing.TB, js jetstream.JetStream, n int, timeout time.Duration) []events.ActionResult {
	t.Helper()
	var res []events.ActionResult
	Eventually(t, timeout, fmt.Sprintf("%d action results", n), func() bool {
		res = Results(t, js)
		return len(res) >= n
	})
	return res
}

// SyncBuffer is a [bytes.Buffer] safe for concurrent writers (the loggers).
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
