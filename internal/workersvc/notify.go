package workersvc

import (
	"context"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/config"
	"github.com/quell-dev/quell/internal/notify"
)

// buildNotifier resolves and compiles notifications.routes; nil when none
// is configured.
func buildNotifier(cfg *config.Config, js jetstream.JetStream, log *slog.Logger) (*notify.Notifier, error) {
	n := cfg.Notifications
	if len(n.Routes) == 0 {
		return nil, nil
	}
	routes, err := notify.ConfigRoutes(n)
	if err != nil {
		return nil, err
	}
	return notify.New(notify.Config{JS: js, Routes: routes, ConsoleURL: n.ConsoleURL, MaxAttempts: n.MaxAttempts, Logger: log})
}

// runNotifier runs n until ctx ends. A failure to start (JetStream not
// answering) is logged and retried, never fatal: actions must not stop
// because notifications cannot start.
func runNotifier(n *notify.Notifier, log *slog.Logger) func(context.Context) {
	return func(ctx context.Context) {
		for n != nil && ctx.Err() == nil {
			err := n.Run(ctx)
			if err == nil || ctx.Err() != nil {
				return
			}
			log.Error("notifications not running; retrying in 5s", "error", err)
			select {
			case <-ctx.Done():
			case <-time.After(5 * time.Second):
			}
		}
	}
}
