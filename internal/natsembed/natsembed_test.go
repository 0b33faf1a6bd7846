package natsembed

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer collects log lines written from the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// records decodes the JSON log lines written so far.
func (s *syncBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		if line == "" {
			continue
		}
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, r)
	}
	return out
}

// count is how many records have this message.
func (s *syncBuffer) count(t *testing.T, msg string) int {
	n := 0
	for _, r := range s.records(t) {
		if r["msg"] == msg {
			n++
		}
	}
	return n
}

func newTestLogger(buf *syncBuffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: levelTrace}))
}

func TestLoggerRoutesLevels(t *testing.T) {
	t.Parallel()
	call := map[string]func(l *slogLogger){
		"notice": func(l *slogLogger) { l.Noticef("n %d", 1) },
		"warn":   func(l *slogLogger) { l.Warnf("w %d", 1) },
		"error":  func(l *slogLogger) { l.Errorf("e %d", 1) },
		"fatal":  func(l *slogLogger) { l.Fatalf("f %d", 1) },
		"debug":  func(l *slogLogger) { l.Debugf("d %d", 1) },
		"trace":  func(l *slogLogger) { l.Tracef("t %d", 1) },
	}
	wantLevel := map[string]string{"notice": "INFO", "warn": "WARN", "error": "ERROR", "fatal": "ERROR", "debug": "DEBUG", "trace": "DEBUG-4"}
	// Which calls pass at each configured level.
	passes := map[string][]string{
		"error": {"error", "fatal"},
		"warn":  {"warn", "error", "fatal"},
		"":      {"warn", "error", "fatal"},
		"info":  {"notice", "warn", "error", "fatal"},
		"debug": {"notice", "warn", "error", "fatal", "debug"},
	}
	for cfgLevel, want := range passes {
		min, err := ParseLevel(cfgLevel)
		if err != nil {
			t.Fatal(err)
		}
		for name, f := range call {
			var buf syncBuffer
			l := newSlogLogger(newTestLogger(&buf), min)
			f(l)
			recs := buf.records(t)
			shouldPass := contains(want, name)
			if shouldPass != (len(recs) == 1) {
				t.Errorf("level %q, %s: %d records, want passed=%v", cfgLevel, name, len(recs), shouldPass)
				continue
			}
			if !shouldPass {
				continue
			}
			if recs[0]["level"] != wantLevel[name] || recs[0]["component"] != "nats-server" || !strings.HasSuffix(recs[0]["msg"].(string), " 1") {
				t.Errorf("level %q, %s: record %v", cfgLevel, name, recs[0])
			}
		}
	}
	if _, err := ParseLevel("verbose"); err == nil {
		t.Error("ParseLevel accepted verbose")
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// A fatal error of the server ends Start at once with its reason, rather
// than after the whole start timeout; it never exits the process.
func TestStartFailsFastOnFatal(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	var buf syncBuffer
	begin := time.Now()
	_, err = Start(context.Background(), Options{Listen: busy.Addr().String(), StoreDir: t.TempDir(),
		StartTimeout: time.Minute, Logger: newTestLogger(&buf)})
	if err == nil || !strings.Contains(err.Error(), "failed to start") || !strings.Contains(err.Error(), "listening") {
		t.Fatalf("Start on a busy port: %v", err)
	}
	if waited := time.Since(begin); waited > 30*time.Second {
		t.Fatalf("Start waited %s for a server that had already failed", waited)
	}
}

// The server's own lines reach slog at the configured level.
func TestServerLogsThroughSlog(t *testing.T) {
	t.Parallel()
	for level, wantNotices := range map[string]bool{"info": true, "": false} {
		var buf syncBuffer
		srv, err := Start(context.Background(), Options{Listen: "127.0.0.1:0", StoreDir: t.TempDir(),
			Logger: newTestLogger(&buf), LogLevel: level})
		if err != nil {
			t.Fatal(err)
		}
		srv.Shutdown()
		if got := buf.count(t, "Server is ready") > 0; got != wantNotices {
			t.Errorf("log level %q: server notices logged = %v, want %v", level, got, wantNotices)
		}
	}
}

func TestStartRejectsUnknownLogLevel(t *testing.T) {
	t.Parallel()
	if _, err := Start(context.Background(), Options{Listen: "127.0.0.1:0", StoreDir: t.TempDir(), LogLevel: "loud"}); err == nil {
		t.Fatal("Start accepted log level loud")
	}
}

// countNoFail is count for goroutines other than the test's.
func (s *syncBuffer) countNoFail(msg string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Count(s.b.String(), `"msg":"`+msg+`"`)
}
