// Command worker runs Quell's planner (events -> action requests) and
// executor (action requests -> target APIs). With no nats.url configured it
// embeds a NATS JetStream server that ingest and quellctl connect to.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/quell-dev/quell/internal/config"
	"github.com/quell-dev/quell/internal/process"
	"github.com/quell-dev/quell/internal/telemetry"
	"github.com/quell-dev/quell/internal/workersvc"
)

func main() {
	os.Exit(process.Main("quell-worker", func(ctx context.Context, cfg *config.Config, log *slog.Logger, tel *telemetry.Telemetry) error {
		return workersvc.RunWorker(ctx, cfg, workersvc.WorkerOptions{Logger: log, Telemetry: tel})
	}))
}
