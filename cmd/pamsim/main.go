package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/quell-dev/quell/internal/pam/beyondinsight/sim"
	cvsim "github.com/quell-dev/quell/internal/pam/commvault/sim"
	"github.com/quell-dev/quell/internal/pam/simkit"
	tfsim "github.com/quell-dev/quell/internal/pam/threadfix/sim"
	"github.com/quell-dev/quell/internal/secret"
)

// shutdownGrace is how long in-flight requests (some deliberately slowed by
// injected latency) get to finish after a signal.
const shutdownGrace = 10 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stderr)
	stop()
	var usage usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case errors.As(err, &usage):
		fmt.Fprintln(os.Stderr, "pamsim:", err)
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "pamsim:", err)
		os.Exit(1)
	}
}

// usageError is a mistake on the command line (exit status 2).
type usageError struct{ error }

// Unwrap exposes the flag package's error.
func (e usageError) Unwrap() error { return e.error }

// options are the command-line flags.
type options struct {
	listen   string
	logLevel slog.Level
	// BeyondInsight simulator.
	biKeyFile string
	biRunAs   string
	biUsers   string
	tfListen  string
	tfKeyFile string
	cvListen  string
	cvUser    string
	cvPwdFile string
	// admin serves /_sim/ (effects, faults, sessions) on every simulator;
	// extraUsers seeds that many generated users into each (chaos suite).
	admin      bool
	extraUsers int
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("pamsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8441", "address of the BeyondInsight simulator")
	fs.TextVar(&o.logLevel, "log-level", slog.LevelInfo, "log level: debug logs every request")
	fs.StringVar(&o.biKeyFile, "beyondinsight-api-key-file", "", "file holding the API key the BeyondInsight simulator accepts (required)")
	fs.StringVar(&o.biRunAs, "beyondinsight-runas", "", "run-as user the BeyondInsight simulator accepts (required)")
	fs.StringVar(&o.biUsers, "beyondinsight-users", "", "JSON file of seed users (default: built-in demo users)")
	fs.StringVar(&o.tfListen, "threadfix-listen", "127.0.0.1:8443", "address of the ThreadFix simulator")
	fs.StringVar(&o.tfKeyFile, "threadfix-api-key-file", "", "file holding the API key the ThreadFix simulator accepts (the simulator starts only when set)")
	fs.StringVar(&o.cvListen, "commvault-listen", "127.0.0.1:8442", "address of the Commvault simulator")
	fs.StringVar(&o.cvUser, "commvault-username", "quell-svc", "user the Commvault simulator accepts at login")
	fs.StringVar(&o.cvPwdFile, "commvault-password-file", "", "file holding that user's password (the simulator starts only when set)")
	fs.BoolVar(&o.admin, "admin", false, "serve the admin surface (/_sim/: effect log, request log, faults, sessions) on every simulator; loopback only")
	fs.IntVar(&o.extraUsers, "extra-users", 0, "seed this many generated users (u00001, u00002, ...) into every simulator")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, usageError{err}
	}
	if fs.NArg() > 0 {
		return o, usageError{fmt.Errorf("unexpected arguments: %v", fs.Args())}
	}
	if o.biKeyFile == "" || o.biRunAs == "" {
		return o, usageError{errors.New("-beyondinsight-api-key-file and -beyondinsight-runas are required")}
	}
	return o, nil
}

// run parses flags, binds every simulator's listener, and serves until ctx
// ends.
func run(ctx context.Context, args []string, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	logger := newLogger(stderr, o.logLevel)
	sims, err := buildSimulators(o, logger)
	if err != nil {
		return err
	}
	for i, s := range sims {
		addExtraUsers(s.handler, o.extraUsers)
		if o.admin {
			sims[i].handler = withAdmin(s.name, s.handler)
		}
	}
	var ls []listener
	for _, s := range sims {
		ln, err := net.Listen("tcp", s.addr)
		if err != nil {
			closeAll(ls)
			return fmt.Errorf("%s simulator: %w", s.name, err)
		}
		ls = append(ls, listener{name: s.name, ln: ln, handler: s.handler})
	}
	return serve(ctx, logger, ls)
}

// simulator is one vendor simulator and the address it wants.
type simulator struct {
	name    string
	addr    string
	handler http.Handler
}

// buildSimulators creates every configured simulator, each on its own
// -<vendor>-listen address.
func buildSimulators(o options, logger *slog.Logger) ([]simulator, error) {
	bi, err := newBeyondInsight(o, logger)
	if err != nil {
		return nil, fmt.Errorf("beyondinsight simulator: %w", err)
	}
	sims := []simulator{{name: "beyondinsight", addr: o.listen, handler: bi}}
	if o.tfKeyFile != "" {
		key, err := secret.Ref("file:" + o.tfKeyFile).Resolve()
		if err != nil {
			return nil, fmt.Errorf("threadfix simulator: %w", err)
		}
		tf := tfsim.New(tfsim.Options{APIKey: key.Reveal(), Users: tfsim.DefaultUsers(),
			OnRequest: accessLog(logger.With("sim", "threadfix"))})
		sims = append(sims, simulator{name: "threadfix", addr: o.tfListen, handler: tf})
	}
	if o.cvPwdFile != "" {
		pwd, err := secret.Ref("file:" + o.cvPwdFile).Resolve()
		if err != nil {
			return nil, fmt.Errorf("commvault simulator: %w", err)
		}
		cv := cvsim.New(cvsim.Options{Username: o.cvUser, Password: pwd.Reveal(), Users: cvsim.DefaultUsers(),
			OnRequest: accessLog(logger.With("sim", "commvault"))})
		sims = append(sims, simulator{name: "commvault", addr: o.cvListen, handler: cv})
	}
	return sims, nil
}

func newBeyondInsight(o options, logger *slog.Logger) (*sim.Server, error) {
	key, err := secret.Ref("file:" + o.biKeyFile).Resolve()
	if err != nil {
		return nil, err
	}
	users := sim.DefaultUsers()
	if o.biUsers != "" {
		if users, err = sim.LoadUsers(o.biUsers); err != nil {
			return nil, err
		}
	}
	return sim.New(sim.Options{
		APIKey:    key.Reveal(), // the simulator compares it; it never logs it
		RunAs:     o.biRunAs,
		Users:     users,
		OnRequest: accessLog(logger.With("sim", "beyondinsight")),
	}), nil
}

// accessLog logs each request at debug level; the entry's headers are left
// out, so even redacted credentials stay out of the log.
func accessLog(logger *slog.Logger) func(simkit.Entry) {
	return func(e simkit.Entry) {
		logger.LogAttrs(context.Background(), slog.LevelDebug, "request",
			slog.String("method", e.Method), slog.String("path", e.Path), slog.Int("status", e.Status),
			slog.Duration("duration", e.Duration), slog.Bool("fault", e.Fault))
	}
}

// newLogger writes text to a terminal and JSON otherwise (for collectors).
func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			return slog.New(slog.NewTextHandler(w, opts))
		}
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
