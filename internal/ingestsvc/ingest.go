package ingestsvc

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/api"
	"github.com/quell-dev/quell/internal/api/auth"
	"github.com/quell-dev/quell/internal/api/index"
	"github.com/quell-dev/quell/internal/capability"
	"github.com/quell-dev/quell/internal/config"
	"github.com/quell-dev/quell/internal/console"
	"github.com/quell-dev/quell/internal/ingest"
	"github.com/quell-dev/quell/internal/natsconn"
	"github.com/quell-dev/quell/internal/process"
	"github.com/quell-dev/quell/internal/sourcecfg"
	"github.com/quell-dev/quell/internal/telemetry"
)

// IngestOptions are what a caller may provide instead of the defaults.
type IngestOptions struct {
	Logger *slog.Logger
	// Telemetry supplies the meter and /metrics; nil means none.
	Telemetry *telemetry.Telemetry
	// Listener replaces ingest.listen (tests pass a port-0 listener).
	Listener net.Listener
	// Ready, if set, receives the bound address once serving.
	Ready func(addr string)
}

// RunIngest serves the ingest API until ctx ends.
func RunIngest(ctx context.Context, cfg *config.Config, o IngestOptions) error {
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	srcs, err := sourcecfg.BuildSources(cfg)
	if err != nil {
		return err
	}
	tokens, err := apiTokens(cfg)
	if err != nil {
		return err
	}
	// No reconnect buffer: a publish while disconnected must fail at once,
	// so a 503 means "not stored", never "stored later from the buffer".
	nc, js, err := natsconn.Connect(cfg.NATS, "quell-ingest", false, nats.ReconnectBufSize(-1))
	if err != nil {
		return err
	}
	defer nc.Close()
	ensured := make(chan struct{})
	go func() {
		defer close(ensured)
		if err := natsconn.EnsureStreams(ctx, js, natsconn.StreamOptions(cfg.NATS)); err != nil && ctx.Err() == nil {
			log.Error("streams not ensured", "error", err)
		}
	}()
	// The read and decision API shares the listener: SOARs already POST
	// here, and every route is held to its token's scopes (docs/api.md).
	httpAPI := api.New(api.Config{JS: js, Tokens: tokens, FourEyes: cfg.Ingest.FourEyesOn(), Stop: ctx, Logger: log})
	scimRoutes, err := scimMount(cfg, js, tokens, log)
	if err != nil {
		return err
	}
	ui, err := consoleMount(ctx, cfg, js, httpAPI, tokens, log)
	if err != nil {
		return err
	}
	icfg := ingest.Config{Sources: srcs, APITokens: tokens, Targets: config.TargetKindsByName(cfg.Targets), Supports: capability.Supports,
		JS: js, MaxBody: cfg.Ingest.MaxBodyBytes, MaxItems: cfg.Ingest.MaxItemsPerRequest, DryRun: cfg.Safety.DryRun, DryRunTargets: cfg.DryRunTargets(),
		SecretTargets: cfg.SecretTargets(), Logger: log, Mount: mountAll(httpAPI.Mount, scimRoutes, ui)}
	if o.Telemetry != nil {
		icfg.Metrics = o.Telemetry.MetricsHandler
		icfg.Telemetry = ingest.NewMetrics(o.Telemetry.Meter)
	}
	ln, err := process.Listen(cfg.Ingest.Listen, o.Listener)
	if err != nil {
		return err
	}
	log.Info("ingest listening", "addr", ln.Addr().String(), "nats", cfg.NATS.ClientURL(), "sources", len(srcs))
	if o.Ready != nil {
		o.Ready(ln.Addr().String())
	}
	stopIndex := runIndexer(ctx, ensured, js, log)
	err = process.Serve(ctx, process.NewHTTPServer(ingest.New(icfg)), ln, cfg.Ingest.ShutdownTimeout, log)
	stopIndex()
	return err
}

// consoleMount returns what mounts the web console (/ui) on the ingest's
// mux. The console calls the API in-process, on its own mux, so every page
// is held to the same scopes and four-eyes rule as /v1 (docs/console.md).
func consoleMount(ctx context.Context, cfg *config.Config, js jetstream.JetStream, a *api.API, tokens []auth.Token, log *slog.Logger) (func(*http.ServeMux), error) {
	apiMux := http.NewServeMux()
	a.Mount(apiMux)
	ui, err := console.New(console.Config{JS: js, API: apiMux, Tokens: tokens, Stop: ctx, Replicas: cfg.NATS.Replicas, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	return ui.Mount, nil
}

// runIndexer keeps the API's index (internal/api/index) from the streams
// until ctx ends; the returned func waits for it to hand back what it
// holds. It starts once this process has ensured the streams (ensured
// closed): creating its consumers while the same streams are being updated
// trips a data race inside nats-server (fileStore.UpdateConfig against
// ConsumerStore, v2.15.2).
func runIndexer(ctx context.Context, ensured <-chan struct{}, js jetstream.JetStream, log *slog.Logger) (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case <-ensured:
		case <-ctx.Done():
			return
		}
		for ctx.Err() == nil {
			ix, err := index.NewIndexer(ctx, js, log)
			if err == nil {
				if err := ix.Run(ctx); err != nil {
					log.Error("indexer stopped", "error", err)
				}
				return
			}
			log.Debug("index bucket not there yet", "error", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}()
	return func() { <-done }
}

func apiTokens(cfg *config.Config) ([]ingest.APIToken, error) {
	var out []ingest.APIToken
	for i, t := range cfg.Ingest.APITokens {
		s, err := config.Resolve(fmt.Sprintf("ingest.api_tokens[%d].token", i), t.Token)
		if err != nil {
			return nil, err
		}
		scopes, err := auth.Parse(t.Scopes)
		if err != nil {
			return nil, fmt.Errorf("ingest.api_tokens[%d].scopes: %w", i, err)
		}
		out = append(out, ingest.APIToken{Name: t.Name, Token: s, Scopes: scopes})
	}
	return out, nil
}

var _ http.Handler = (*ingest.Server)(nil)
