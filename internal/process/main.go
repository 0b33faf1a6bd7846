package process

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/quell-dev/quell/internal/config"
	"github.com/quell-dev/quell/internal/telemetry"
)

// Main is the body of cmd/ingest and cmd/worker: load the configuration,
// set up logs and telemetry, run until SIGINT or SIGTERM, and return the
// process exit code.
func Main(service string, run func(ctx context.Context, cfg *config.Config, log *slog.Logger, tel *telemetry.Telemetry) error) int {
	path := config.Path()
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %s: %v\n", service, path, err)
		return 2
	}
	log := telemetry.NewLogger(os.Stderr, cfg.Log.Format, cfg.Log.Level).With("service", service)
	slog.SetDefault(log)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	tel, err := telemetry.Setup(ctx, service)
	if err != nil {
		log.Error("telemetry setup failed", "error", err)
		return 1
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = tel.Shutdown(sctx)
	}()
	log.Info("starting", "config", path)
	if err := run(ctx, cfg, log, tel); err != nil {
		log.Error("stopped with error", "error", err)
		return 1
	}
	log.Info("stopped cleanly")
	return 0
}
