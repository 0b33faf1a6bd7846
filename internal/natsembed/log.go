package natsembed

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// ParseLevel reads a nats.embedded.log_level value: error, warn, info or
// debug. Info shows the server's notices (start-up, JetStream recovery);
// debug adds its debug lines.
func ParseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "error":
		return slog.LevelError, nil
	case "warn", "":
		return slog.LevelWarn, nil
	case "info":
		return slog.LevelInfo, nil
	case "debug":
		return slog.LevelDebug, nil
	}
	return 0, fmt.Errorf("embedded NATS log level %q: want error, warn, info or debug", s)
}

// levelTrace is below debug: the server's per-message protocol trace is
// far noisier than anything else in our logs.
const levelTrace = slog.LevelDebug - 4

// slogLogger is the server's [server.Logger] on top of slog.
type slogLogger struct {
	log *slog.Logger
	min slog.Level
	// fatal receives the server's fatal errors: its own logger would exit
	// the process, ours lets [Start] fail with the reason instead.
	fatal chan string
}

func newSlogLogger(log *slog.Logger, min slog.Level) *slogLogger {
	return &slogLogger{log: log.With("component", "nats-server"), min: min, fatal: make(chan string, 1)}
}

func (l *slogLogger) Noticef(format string, v ...any) { l.logf(slog.LevelInfo, format, v) }
func (l *slogLogger) Warnf(format string, v ...any)   { l.logf(slog.LevelWarn, format, v) }
func (l *slogLogger) Errorf(format string, v ...any)  { l.logf(slog.LevelError, format, v) }
func (l *slogLogger) Debugf(format string, v ...any)  { l.logf(slog.LevelDebug, format, v) }
func (l *slogLogger) Tracef(format string, v ...any)  { l.logf(levelTrace, format, v) }

// Fatalf logs at error level and reports the reason to [Start]; it never
// exits, since the server runs inside the worker.
func (l *slogLogger) Fatalf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	l.log.Error(msg, "fatal", true)
	select {
	case l.fatal <- msg:
	default:
	}
}

func (l *slogLogger) logf(level slog.Level, format string, v []any) {
	if level < l.min || !l.log.Enabled(context.Background(), level) {
		return
	}
	l.log.Log(context.Background(), level, fmt.Sprintf(format, v...))
}
