package perf

import (
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/childproc"
	"github.com/quell-dev/quell/internal/secret"
)

// Binaries are the programs a run builds into <run dir>/bin.
var Binaries = []string{"ingest", "worker", "pamsim", "quellctl", "nats-server"}

// Build compiles the real binaries, and a nats-server from the module
// version in go.mod, into binDir (as internal/chaos does). It runs in the
// module's root. With src set, ingest, worker and quellctl are built from
// that checkout instead (an earlier commit, to compare before and after
// with the same harness, simulators and nats-server).
func Build(ctx context.Context, binDir, src string) error {
	quell := []string{"build", "-o", binDir + "/", "./cmd/ingest", "./cmd/worker", "./cmd/quellctl"}
	for _, b := range []struct {
		dir  string
		args []string
	}{
		{src, quell},
		{"", []string{"build", "-o", binDir + "/", "./cmd/pamsim"}},
		{"", []string{"build", "-o", filepath.Join(binDir, "nats-server"), "github.com/nats-io/nats-server/v2"}},
	} {
		cmd := exec.CommandContext(ctx, "go", b.args...)
		cmd.Dir = b.dir
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go %s: %w", strings.Join(b.args, " "), err)
		}
	}
	return nil
}

// webhookKey is the local-only Standard Webhooks key of the siem source.
var webhookKey = secret.New("whsec_" + base64.StdEncoding.EncodeToString([]byte("quell-perf-local-only-webhook-key")))

// Env is the processes of one scenario, on loopback, with their data,
// configuration and logs under one directory.
type Env struct {
	Opts  *Options
	Dir   string
	Procs *childproc.Procs

	NATS    *childproc.Proc
	NATSURL string
	NATSMon string // monitoring base URL
	NC      *nats.Conn
	JS      jetstream.JetStream

	Sim     *childproc.Proc
	SimURLs map[string]string // by target name: base URL of its simulator

	Ingest    *childproc.Proc
	IngestURL string
	Worker    *childproc.Proc
	WorkerURL string
	// Config is the quell.yaml ingest and worker read.
	Config string
}

// NewEnv makes <run dir>/<name> for a scenario.
func NewEnv(o *Options, name string) (*Env, error) {
	dir := filepath.Join(o.RunDir, name)
	_ = os.RemoveAll(dir)
	for _, d := range []string{"etc", "nats"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return nil, err
		}
	}
	procs, err := childproc.NewProcs(dir)
	if err != nil {
		return nil, err
	}
	return &Env{Opts: o, Dir: dir, Procs: procs, SimURLs: map[string]string{}}, nil
}

func (e *Env) bin(name string) string { return filepath.Join(e.Opts.RunDir, "bin", name) }

func (e *Env) etc(name string) string { return filepath.Join(e.Dir, "etc", name) }

func (e *Env) writeEtc(name, content string) (string, error) {
	p := e.etc(name)
	return p, os.WriteFile(p, []byte(content), 0o600)
}

// Close stops every process of the scenario and removes its directory,
// unless -keep is set or the scenario failed (err, and not interrupted:
// ctx done), when it says where the logs are.
func (e *Env) Close(ctx context.Context, err error) {
	if e.NC != nil {
		e.NC.Close()
	}
	e.Procs.StopAll(15 * time.Second)
	if (err == nil || ctx.Err() != nil) && !e.Opts.Keep {
		_ = os.RemoveAll(e.Dir)
		return
	}
	e.Opts.Log("kept %s (logs in %s)", e.Dir, filepath.Join(e.Dir, "logs"))
}

// StartNATS starts a single JetStream nats-server with a file store and
// connects quell-perf's own client to it.
func (e *Env) StartNATS(ctx context.Context) error {
	ports, err := childproc.FreePorts(2)
	if err != nil {
		return err
	}
	store := filepath.Join(e.Dir, "nats", "store")
	conf := fmt.Sprintf(`server_name: perf
listen: 127.0.0.1:%d
http: 127.0.0.1:%d
jetstream {
  store_dir: %q
  max_memory_store: 256MB
  max_file_store: 32GB
}
`, ports[0], ports[1], store)
	path, err := e.writeEtc("nats.conf", conf)
	if err != nil {
		return err
	}
	e.NATS = e.Procs.New("nats-server", e.bin("nats-server"), []string{"-c", path}, nil)
	if _, err := e.NATS.Start(); err != nil {
		return err
	}
	e.NATSURL = fmt.Sprintf("nats://127.0.0.1:%d", ports[0])
	e.NATSMon = fmt.Sprintf("http://127.0.0.1:%d", ports[1])
	if _, err := WaitReady(ctx, e.NATS, e.NATSMon+"/healthz", 60*time.Second); err != nil {
		return fmt.Errorf("nats-server: %w", err)
	}
	if e.NC, err = nats.Connect(e.NATSURL, nats.Name("quell-perf"), nats.MaxReconnects(-1)); err != nil {
		return err
	}
	e.JS, err = jetstream.New(e.NC)
	return err
}

// StartSim starts pamsim with a simulator for each target, holding users
// generated users (u00001, ...) each; admin serves their effect logs.
func (e *Env) StartSim(ctx context.Context, users int, admin bool) error {
	ports, err := childproc.FreePorts(3)
	if err != nil {
		return err
	}
	if err := e.writeSecrets(); err != nil {
		return err
	}
	args := []string{"-log-level", "warn", "-extra-users", fmt.Sprint(users),
		"-listen", fmt.Sprintf("127.0.0.1:%d", ports[0]), "-beyondinsight-api-key-file", e.etc("bi-key"), "-beyondinsight-runas", "quell-svc"}
	e.SimURLs["bi"] = fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	for _, t := range e.Opts.Targets {
		switch t {
		case "cv":
			args = append(args, "-commvault-listen", fmt.Sprintf("127.0.0.1:%d", ports[1]), "-commvault-password-file", e.etc("cv-password"))
			e.SimURLs["cv"] = fmt.Sprintf("http://127.0.0.1:%d", ports[1])
		case "tf":
			args = append(args, "-threadfix-listen", fmt.Sprintf("127.0.0.1:%d", ports[2]), "-threadfix-api-key-file", e.etc("tf-key"))
			e.SimURLs["tf"] = fmt.Sprintf("http://127.0.0.1:%d", ports[2])
		}
	}
	if admin {
		args = append(args, "-admin")
	}
	e.Sim = e.Procs.New("pamsim", e.bin("pamsim"), args, nil)
	if _, err := e.Sim.Start(); err != nil {
		return err
	}
	for name, u := range e.SimURLs {
		// Seeding a million users takes a while.
		if err := waitListening(ctx, e.Sim, strings.TrimPrefix(u, "http://"), 5*time.Minute); err != nil {
			return fmt.Errorf("simulator %s: %w", name, err)
		}
	}
	return nil
}

// writeSecrets writes the local-only secrets the configuration and the
// simulators read.
func (e *Env) writeSecrets() error {
	for name, v := range map[string]string{"bi-key": "perf-bi-key", "cv-password": "perf-cv-password", "tf-key": "perf-tf-key",
		"webhook": webhookKey.Reveal()} {
		if _, err := e.writeEtc(name, v); err != nil {
			return err
		}
	}
	return nil
}

// QuellConfig is what varies between the configurations a scenario writes.
type QuellConfig struct {
	// NATSURL is empty for a worker with embedded NATS (EmbeddedListen,
	// StoreDir).
	NATSURL        string
	EmbeddedListen string
	StoreDir       string
	IngestListen   string
	WorkerListen   string
}

// WriteConfig writes a quell.yaml and returns its path.
func (e *Env) WriteConfig(name string, q QuellConfig) (string, error) {
	if err := e.writeSecrets(); err != nil {
		return "", err
	}
	return e.writeEtc(name, e.config(q))
}

// quellEnv is the environment of an ingest or worker.
func (e *Env) quellEnv(config string) []string {
	env := []string{"QUELL_CONFIG=" + config, "OTEL_SDK_DISABLED=true"}
	if e.Opts.GCTrace {
		env = append(env, "GODEBUG=gctrace=1")
	}
	return env
}

// StartIngest starts the ingest with the env's configuration (written on
// the first call) and waits for its /readyz.
func (e *Env) StartIngest(ctx context.Context) error {
	if err := e.ensureConfig(); err != nil {
		return err
	}
	if e.Ingest == nil {
		e.Ingest = e.Procs.New("ingest", e.bin("ingest"), nil, e.quellEnv(e.Config))
	}
	if _, err := e.Ingest.Start(); err != nil {
		return err
	}
	_, err := WaitReady(ctx, e.Ingest, e.IngestURL+"/readyz", 90*time.Second)
	return err
}

// StartWorker starts the worker (external NATS) and waits for its
// /readyz; it returns when the exec happened and when it was ready.
func (e *Env) StartWorker(ctx context.Context) (time.Time, time.Time, error) {
	if err := e.ensureConfig(); err != nil {
		return time.Time{}, time.Time{}, err
	}
	if e.Worker == nil {
		e.Worker = e.Procs.New("worker", e.bin("worker"), nil, e.quellEnv(e.Config))
	}
	start, err := e.Worker.Start()
	if err != nil {
		return start, start, err
	}
	ready, err := WaitReady(ctx, e.Worker, e.WorkerURL+"/readyz", 5*time.Minute)
	return start, ready, err
}

func (e *Env) ensureConfig() error {
	if e.Config != "" {
		return nil
	}
	ports, err := childproc.FreePorts(2)
	if err != nil {
		return err
	}
	q := QuellConfig{NATSURL: e.NATSURL, IngestListen: fmt.Sprintf("127.0.0.1:%d", ports[0]), WorkerListen: fmt.Sprintf("127.0.0.1:%d", ports[1])}
	e.IngestURL, e.WorkerURL = "http://"+q.IngestListen, "http://"+q.WorkerListen
	e.Config, err = e.WriteConfig("quell.yaml", q)
	return err
}

// readyPoll is how often WaitReady asks: fine enough to time start-ups of
// tens of milliseconds.
const readyPoll = 2 * time.Millisecond

// WaitReady polls url until it answers 200 and returns when it did; it
// fails at once should p exit meanwhile.
func WaitReady(ctx context.Context, p *childproc.Proc, url string, timeout time.Duration) (time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		if childproc.HTTPOK(ctx, url) {
			return time.Now(), nil
		}
		select {
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("%s not ready: %w (see %s)", url, ctx.Err(), p.Log())
		case <-p.Done():
			_, err := p.Exit()
			return time.Time{}, fmt.Errorf("%s exited before %s was ready: %v (see %s)", p.Name, url, err, p.Log())
		case <-time.After(readyPoll):
		}
	}
}

func waitListening(ctx context.Context, p *childproc.Proc, addr string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return c.Close()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not listening: %w (see %s)", addr, ctx.Err(), p.Log())
		case <-p.Done():
			return fmt.Errorf("%s exited (see %s)", p.Name, p.Log())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
