package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam/beyondinsight"
	"github.com/quell-dev/quell/internal/pam/beyondinsight/sim"
	"github.com/quell-dev/quell/internal/quelltest"
	"github.com/quell-dev/quell/internal/secret"
)

const testKey = "pamsim-test-key-0123456789"

func keyFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(p, []byte(testKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParseFlags(t *testing.T) {
	cases := []struct {
		name  string
		args  []string
		usage bool
	}{
		{"ok", []string{"-beyondinsight-api-key-file", "k", "-beyondinsight-runas", "svc"}, false},
		{"missing runas", []string{"-beyondinsight-api-key-file", "k"}, true},
		{"missing key", []string{"-beyondinsight-runas", "svc"}, true},
		{"stray argument", []string{"-beyondinsight-api-key-file", "k", "-beyondinsight-runas", "svc", "extra"}, true},
		{"bad log level", []string{"-beyondinsight-api-key-file", "k", "-beyondinsight-runas", "svc", "-log-level", "loud"}, true},
		{"unknown flag", []string{"-nope"}, true},
	}
	for _, tc := range cases {
		o, err := parseFlags(tc.args, io.Discard)
		var usage usageError
		if errors.As(err, &usage) != tc.usage {
			t.Errorf("%s: err = %v, want usage error %v", tc.name, err, tc.usage)
		}
		if !tc.usage && (o.listen != "127.0.0.1:8441" || o.logLevel != slog.LevelInfo) {
			t.Errorf("%s: defaults %+v", tc.name, o)
		}
	}
}

func TestRunFailsOnBadInputs(t *testing.T) {
	badUsers := filepath.Join(t.TempDir(), "users.json")
	_ = os.WriteFile(badUsers, []byte(`[{"UserID":1,"UserName":"a"},{"UserID":1,"UserName":"b"}]`), 0o600)
	cases := map[string][]string{
		"missing key file": {"-beyondinsight-api-key-file", "/nonexistent/key", "-beyondinsight-runas", "svc", "-listen", "127.0.0.1:0"},
		"bad users file":   {"-beyondinsight-api-key-file", keyFile(t), "-beyondinsight-runas", "svc", "-beyondinsight-users", badUsers, "-listen", "127.0.0.1:0"},
		"bad address":      {"-beyondinsight-api-key-file", keyFile(t), "-beyondinsight-runas", "svc", "-listen", "127.0.0.1:99999"},
	}
	for name, args := range cases {
		var stderr bytes.Buffer
		if err := run(context.Background(), args, &stderr); err == nil {
			t.Errorf("%s: want error", name)
		}
	}
}

func TestRunStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var stderr quelltest.SyncBuffer
	go func() {
		done <- run(ctx, []string{"-beyondinsight-api-key-file", keyFile(t), "-beyondinsight-runas", "svc", "-listen", "127.0.0.1:0"}, &stderr)
	}()
	time.Sleep(100 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("run did not return after cancel")
	}
	if !strings.Contains(stderr.String(), "simulator listening") {
		t.Errorf("log: %s", stderr.String())
	}
}

// TestServeEndToEnd runs the BeyondInsight simulator as pamsim builds it and
// quarantines a seed user through the real client.
func TestServeEndToEnd(t *testing.T) {
	var logs quelltest.SyncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	sims, err := buildSimulators(options{listen: "127.0.0.1:0", biKeyFile: keyFile(t), biRunAs: "svc-quell"}, logger)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, logger, []listener{{name: sims[0].name, ln: ln, handler: sims[0].handler}}) }()

	client, err := beyondinsight.New(beyondinsight.Config{
		Name: "bi", BaseURL: "http://" + ln.Addr().String() + sim.APIPrefix,
		APIKey: secret.New(testKey), RunAs: "svc-quell", Timeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	a := actions.Action{ID: "act_1", Kind: actions.Quarantine, Target: "bi", User: actions.UserRef{Username: "asmith"}}
	out, err := client.Execute(ctx, a)
	if err != nil || out.Status != actions.StatusCompleted || out.TargetUserID != "13" {
		t.Fatalf("quarantine: %+v, %v", out, err)
	}
	if err := client.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if bi := sims[0].handler.(*sim.Server); bi.Count("POST Users/{id}/Quarantine") != 1 {
		t.Error("simulator did not see the quarantine")
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	text := logs.String()
	if !strings.Contains(text, `"msg":"request"`) || !strings.Contains(text, "/Users/13/Quarantine") {
		t.Errorf("no access log: %s", text)
	}
	if strings.Contains(text, testKey) {
		t.Error("log contains the API key")
	}
}
