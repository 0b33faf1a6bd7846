// Package natsembed runs an embedded NATS server with JetStream: the
// one-machine default (the worker starts it when no nats.url is configured)
// and the per-test server of quelltest.
package natsembed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Defaults for [Options].
const (
	// DefaultStartTimeout is generous: recovering a large JetStream store
	// after a crash can take minutes, and giving up only restarts it.
	DefaultStartTimeout  = 2 * time.Minute
	DefaultProgressEvery = 2 * time.Second
)

// ErrNotReady is returned by [Start] when the server did not accept
// connections within [Options.StartTimeout].
var ErrNotReady = errors.New("embedded NATS not ready")

// readyPoll is how long one readiness check may block, so that progress,
// cancellation and fatal errors are noticed between checks.
const readyPoll = 100 * time.Millisecond

// Options configure the embedded server.
type Options struct {
	// Listen is host:port on loopback; port 0 picks a free one.
	Listen string
	// StoreDir is where JetStream keeps its files.
	StoreDir string
	// SyncAlways fsyncs every write: survives power loss, costs throughput.
	SyncAlways bool
	// ServerName names the server in logs and advisories.
	ServerName string
	// StartTimeout bounds the wait for the server to accept connections,
	// JetStream store recovery included (nats.embedded.start_timeout);
	// 0 means [DefaultStartTimeout].
	StartTimeout time.Duration
	// ProgressEvery is how often a slow start is reported; 0 means
	// [DefaultProgressEvery].
	ProgressEvery time.Duration
	// Logger receives the server's own log lines and the start-up
	// progress; nil means slog.Default().
	Logger *slog.Logger
	// LogLevel is the least severe server log line passed on: error, warn,
	// info or debug (nats.embedded.log_level); empty means warn.
	LogLevel string
}

// Server is a running embedded NATS server.
type Server struct {
	srv *server.Server
}

// Start starts the server and waits until it accepts connections, at most
// o.StartTimeout or until ctx ends, logging progress while it waits.
func Start(ctx context.Context, o Options) (*Server, error) {
	o = o.withDefaults()
	level, err := ParseLevel(o.LogLevel)
	if err != nil {
		return nil, err
	}
	opts, err := serverOptions(o)
	if err != nil {
		return nil, err
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded nats: %w", err)
	}
	logger := newSlogLogger(o.Logger, level)
	srv.SetLoggerV2(logger, level <= slog.LevelDebug, false, false)
	go srv.Start()
	if err := waitReady(ctx, srv, o, logger.fatal); err != nil {
		srv.Shutdown()
		return nil, err
	}
	return &Server{srv: srv}, nil
}

func (o Options) withDefaults() Options {
	if o.StartTimeout <= 0 {
		o.StartTimeout = DefaultStartTimeout
	}
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = DefaultProgressEvery
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.ServerName == "" {
		o.ServerName = "quell-embedded"
	}
	return o
}

func serverOptions(o Options) (*server.Options, error) {
	host, portStr, err := net.SplitHostPort(o.Listen)
	if err != nil {
		return nil, fmt.Errorf("embedded nats listen %q: %w", o.Listen, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("embedded nats listen %q: bad port", o.Listen)
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	return &server.Options{
		ServerName: o.ServerName,
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   o.StoreDir,
		SyncAlways: o.SyncAlways,
		NoSigs:     true,
		// No logger of the server's own: SetLoggerV2 installs ours.
		NoLog: true,
		// The HTTP monitor is off: /metrics of Quell's own processes cover it.
		HTTPPort: 0,
	}, nil
}

// waitReady polls in short slices rather than one long ReadyForConnections
// call: a store recovery can take minutes, and the operator should see
// that it is under way rather than a silent worker.
func waitReady(ctx context.Context, srv *server.Server, o Options, fatal <-chan string) error {
	start := time.Now()
	lastReport := start
	for !srv.ReadyForConnections(readyPoll) {
		select {
		case <-ctx.Done():
			return fmt.Errorf("embedded NATS on %s: start abandoned: %w", o.Listen, ctx.Err())
		case msg := <-fatal:
			return fmt.Errorf("embedded NATS on %s failed to start: %s", o.Listen, msg)
		default:
		}
		elapsed := time.Since(start)
		if elapsed >= o.StartTimeout {
			return fmt.Errorf("%w: %s not accepting connections after %s (nats.embedded.start_timeout); "+
				"JetStream may still be recovering its store in %s: raise nats.embedded.start_timeout",
				ErrNotReady, o.Listen, o.StartTimeout, o.StoreDir)
		}
		if time.Since(lastReport) >= o.ProgressEvery {
			lastReport = time.Now()
			o.Logger.InfoContext(ctx, "embedded NATS still starting, recovering JetStream store",
				"elapsed", elapsed.Round(time.Millisecond).String(), "store_dir", o.StoreDir, "start_timeout", o.StartTimeout.String())
		}
	}
	return nil
}

// ClientURL is the nats:// URL clients connect to.
func (s *Server) ClientURL() string { return s.srv.ClientURL() }

// Shutdown stops the server after flushing JetStream state to disk.
func (s *Server) Shutdown() {
	s.srv.Shutdown()
	s.srv.WaitForShutdown()
}
