package chaos

import (
	"context"
	"encoding/base64"
	"fmt"
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

// Env is everything a run started.
type Env struct {
	Opts    Options
	Procs   *childproc.Procs
	Cluster *Cluster
	Ingests []*childproc.Proc
	Workers []*childproc.Proc
	PamSim  *childproc.Proc
	// IngestURLs and WorkerURLs are the services' base URLs.
	IngestURLs []string
	WorkerURLs []string
	Sims       map[string]SimAdmin
	Webhook    secret.Secret
	Token      string
	NC         *nats.Conn
	JS         jetstream.JetStream
}

// proc returns the named ingest or worker and its /readyz URL.
func (e *Env) proc(name string) (*childproc.Proc, string) {
	var i int
	if _, err := fmt.Sscanf(name, "worker-%d", &i); err == nil {
		return e.Workers[i-1], e.WorkerURLs[i-1] + "/readyz"
	}
	if _, err := fmt.Sscanf(name, "ingest-%d", &i); err == nil {
		return e.Ingests[i-1], e.IngestURLs[i-1] + "/readyz"
	}
	panic("chaos: no process " + name)
}

// resolveNode names the node a role means right now.
func (e *Env) resolveNode(ctx context.Context, role string) *Node {
	switch {
	case role == "meta-leader":
		return e.Cluster.Node(e.Cluster.MetaLeader(ctx))
	case strings.HasPrefix(role, "leader:"):
		return e.Cluster.Node(StreamLeader(ctx, e.JS, strings.TrimPrefix(role, "leader:")))
	}
	return e.Cluster.Node(role)
}

const (
	webhookSecret = "whsec_" // + base64 of a random-looking local-only value
	bin           = "bin"
)

// build compiles the real binaries and a nats-server from the module
// version in go.mod into <run dir>/bin.
func build(ctx context.Context, runDir string) error {
	out := filepath.Join(runDir, bin)
	for _, args := range [][]string{
		{"build", "-o", out + "/", "./cmd/ingest", "./cmd/worker", "./cmd/pamsim"},
		{"build", "-o", filepath.Join(out, "nats-server"), "github.com/nats-io/nats-server/v2"},
	} {
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go %s: %w", strings.Join(args, " "), err)
		}
	}
	return nil
}

// Start builds and starts everything, waiting until each service is ready.
func Start(ctx context.Context, o Options, logf func(string, ...any)) (*Env, error) {
	for _, d := range []string{"logs", "nats", "etc"} {
		if err := os.MkdirAll(filepath.Join(o.RunDir, d), 0o700); err != nil {
			return nil, err
		}
	}
	logf("building binaries into %s", filepath.Join(o.RunDir, bin))
	if err := build(ctx, o.RunDir); err != nil {
		return nil, err
	}
	procs, err := childproc.NewProcs(o.RunDir)
	if err != nil {
		return nil, err
	}
	e := &Env{Opts: o, Procs: procs, Sims: map[string]SimAdmin{}}
	logf("starting a 3-node JetStream cluster")
	if e.Cluster, err = startCluster(ctx, o.RunDir, filepath.Join(o.RunDir, bin, "nats-server"), e.Procs); err != nil {
		return e, err
	}
	if e.NC, err = nats.Connect(e.Cluster.URLs(), nats.MaxReconnects(-1), nats.ReconnectWait(250*time.Millisecond)); err != nil {
		return e, fmt.Errorf("chaos NATS connection: %w", err)
	}
	if e.JS, err = jetstream.New(e.NC); err != nil {
		return e, err
	}
	if err := e.startSims(ctx); err != nil {
		return e, err
	}
	if err := e.startQuell(ctx, logf); err != nil {
		return e, err
	}
	return e, nil
}

func (e *Env) etc(name string) string { return filepath.Join(e.Opts.RunDir, "etc", name) }

func (e *Env) writeSecret(name, v string) (string, error) {
	p := e.etc(name)
	return p, os.WriteFile(p, []byte(v), 0o600)
}

func (e *Env) startSims(ctx context.Context) error {
	ports, err := childproc.FreePorts(3)
	if err != nil {
		return err
	}
	files := map[string]string{"bi-key": "chaos-bi-key", "tf-key": "chaos-tf-key", "cv-password": "chaos-cv-password"}
	for name, v := range files {
		if _, err := e.writeSecret(name, v); err != nil {
			return err
		}
	}
	args := []string{"-admin", "-extra-users", fmt.Sprint(e.Opts.Users + e.Opts.Protected),
		"-listen", fmt.Sprintf("127.0.0.1:%d", ports[0]), "-beyondinsight-api-key-file", e.etc("bi-key"), "-beyondinsight-runas", "quell-svc",
		"-commvault-listen", fmt.Sprintf("127.0.0.1:%d", ports[1]), "-commvault-password-file", e.etc("cv-password"),
		"-threadfix-listen", fmt.Sprintf("127.0.0.1:%d", ports[2]), "-threadfix-api-key-file", e.etc("tf-key")}
	e.PamSim = e.Procs.New("pamsim", filepath.Join(e.Opts.RunDir, bin, "pamsim"), args, nil)
	if _, err := e.PamSim.Start(); err != nil {
		return err
	}
	for i, name := range []string{"bi", "cv", "tf"} {
		e.Sims[name] = SimAdmin{Name: name, URL: fmt.Sprintf("http://127.0.0.1:%d", ports[i])}
		if err := waitHTTP(ctx, e.Sims[name].URL+"/_sim/effects?since=0", 30*time.Second); err != nil {
			return err
		}
	}
	return nil
}

func (e *Env) startQuell(ctx context.Context, logf func(string, ...any)) error {
	raw := []byte("quell-chaos-local-only-webhook-secret")
	e.Webhook = secret.New(webhookSecret + base64.StdEncoding.EncodeToString(raw))
	e.Token = "chaos-local-only-api-token"
	if _, err := e.writeSecret("webhook", e.Webhook.Reveal()); err != nil {
		return err
	}
	if _, err := e.writeSecret("api-token", e.Token); err != nil {
		return err
	}
	ports, err := childproc.FreePorts(5)
	if err != nil {
		return err
	}
	for i := range 2 {
		p, err := e.quellProc(fmt.Sprintf("ingest-%d", i+1), "ingest", ports[i])
		if err != nil {
			return err
		}
		e.Ingests = append(e.Ingests, p)
		e.IngestURLs = append(e.IngestURLs, fmt.Sprintf("http://127.0.0.1:%d", ports[i]))
	}
	for i := range 3 {
		p, err := e.quellProc(fmt.Sprintf("worker-%d", i+1), "worker", ports[2+i])
		if err != nil {
			return err
		}
		e.Workers = append(e.Workers, p)
		e.WorkerURLs = append(e.WorkerURLs, fmt.Sprintf("http://127.0.0.1:%d", ports[2+i]))
	}
	// Workers first: they create the streams at R3 and the consumers.
	for i, p := range append(append([]*childproc.Proc{}, e.Workers...), e.Ingests...) {
		if _, err := p.Start(); err != nil {
			return err
		}
		urls := append(append([]string{}, e.WorkerURLs...), e.IngestURLs...)
		if err := waitHTTP(ctx, urls[i]+"/readyz", 90*time.Second); err != nil {
			return fmt.Errorf("%s: %w (see its log)", p.Name, err)
		}
		logf("%s ready", p.Name)
	}
	return nil
}

func (e *Env) quellProc(name, program string, port int) (*childproc.Proc, error) {
	path := e.etc(name + ".yaml")
	if err := os.WriteFile(path, []byte(e.config(port)), 0o600); err != nil {
		return nil, err
	}
	return e.Procs.New(name, filepath.Join(e.Opts.RunDir, bin, program), nil,
		[]string{"QUELL_CONFIG=" + path, "OTEL_SDK_DISABLED=true"}), nil
}

// Close stops every process and the suite's own NATS connection.
func (e *Env) Close() {
	if e.NC != nil {
		e.NC.Close()
	}
	e.Procs.StopAll(10 * time.Second)
}
