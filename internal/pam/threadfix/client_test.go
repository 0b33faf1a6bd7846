package threadfix_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam/pamtest"
	"github.com/quell-dev/quell/internal/pam/threadfix"
	"github.com/quell-dev/quell/internal/pam/threadfix/sim"
	"github.com/quell-dev/quell/internal/secret"
)

func TestNewValidatesConfig(t *testing.T) {
	good := threadfix.Config{Name: "tf", BaseURL: "https://tf.example.com:8443/threadfix/rest/latest/", APIKey: secret.New(testKey)}
	cases := []pamtest.ConfigCase[threadfix.Config]{
		pamtest.Valid("valid", func(*threadfix.Config) {}),
		pamtest.Valid("pinned version", func(c *threadfix.Config) { c.BaseURL = "https://tf.example.com/threadfix/rest/v2.8.3" }),
		pamtest.Valid("loopback http", func(c *threadfix.Config) { c.BaseURL = "http://127.0.0.1:8443/threadfix/rest/latest" }),
		pamtest.Valid("localhost http", func(c *threadfix.Config) { c.BaseURL = "http://localhost/threadfix/rest/latest" }),
		pamtest.Invalid("everything missing", func(c *threadfix.Config) { *c = threadfix.Config{} },
			"name: missing", "base_url: missing", "api_key: missing"),
		pamtest.Invalid("remote http", func(c *threadfix.Config) { c.BaseURL = "http://tf.example.com/threadfix/rest/latest" },
			"base_url: plain http"),
		pamtest.Invalid("ftp", func(c *threadfix.Config) { c.BaseURL = "ftp://tf.example.com/x" }, "base_url: scheme"),
		pamtest.Invalid("no path", func(c *threadfix.Config) { c.BaseURL = "https://tf.example.com/" }, "base_url: no path"),
		pamtest.Invalid("user info", func(c *threadfix.Config) { c.BaseURL = "https://u:p@tf.example.com/x" },
			"base_url: must not contain user info"),
		pamtest.Invalid("query", func(c *threadfix.Config) { c.BaseURL = "https://tf.example.com/x?apiKey=1" },
			"base_url: must not contain a query"),
		pamtest.Invalid("key with space", func(c *threadfix.Config) { c.APIKey = secret.New(testKey + " x") },
			"api_key: contains"),
		pamtest.Invalid("key with newline", func(c *threadfix.Config) { c.APIKey = secret.New(testKey + "\r\nX-Evil: 1") },
			"api_key: contains"),
		pamtest.Invalid("negative durations", func(c *threadfix.Config) { c.Timeout, c.RetryAfterCeiling = -1, -1 },
			"timeout: negative", "retry_after_ceiling: negative"),
	}
	pamtest.CheckNew(t, good, func(c threadfix.Config) (pamtest.Client, error) { return threadfix.New(c) }, "tf", threadfix.Kind, cases, testKey)
}

func TestRequestsCarryKeyAcceptAndForm(t *testing.T) {
	e := newEnv(t, func(_ *sim.Options, c *threadfix.Config) { c.BaseURL = "/threadfix/rest/v2.8.3/" })
	if _, err := e.client.Execute(context.Background(), quarantine(actions.UserRef{Username: "jdoe"})); err != nil {
		t.Fatal(err)
	}
	reqs := e.sim.Requests()
	want := []string{"GET threadfix/rest/v2.8.3/users/list", "GET threadfix/rest/v2.8.3/users/audit", "POST threadfix/rest/v2.8.3/users/3/update"}
	if len(reqs) != len(want) {
		t.Fatalf("%d requests, want %d", len(reqs), len(want))
	}
	for i, r := range reqs {
		if got := r.Method + " " + r.RelPath; got != want[i] {
			t.Errorf("request %d = %s, want %s", i, got, want[i])
		}
		if r.Header.Get("Authorization") != "APIKEY [REDACTED]" || r.Header.Get("Accept") != "application/json" || r.Query != "" {
			t.Errorf("request %d: headers %v, query %q", i, r.Header, r.Query)
		}
	}
	post := reqs[2]
	if post.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || post.Body != "globalRoleId=-1" {
		t.Errorf("POST content type %q body %q", post.Header.Get("Content-Type"), post.Body)
	}
}

func TestKeyProblemsArePermanent(t *testing.T) {
	cases := []struct {
		name       string
		key        string
		kind       actions.Kind
		params     map[string]any
		restricted bool
		reads      int // requests expected before the refusal
	}{
		{name: "wrong key, quarantine", key: strings.Repeat("f", 64), kind: actions.Quarantine, reads: 1},
		{name: "wrong key, update", key: strings.Repeat("f", 64), kind: actions.UpdateAttributes, params: map[string]any{"display_name": "X"}, reads: 1},
		{name: "restricted key, quarantine", key: readOnlyKey, kind: actions.Quarantine, restricted: true, reads: 3},
		{name: "restricted key, update", key: readOnlyKey, kind: actions.UpdateAttributes, params: map[string]any{"display_name": "X"}, restricted: true, reads: 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(_ *sim.Options, c *threadfix.Config) { c.APIKey = secret.New(tc.key) })
			before, _ := e.sim.User(3)
			_, err := e.client.Execute(context.Background(), action(tc.kind, actions.UserRef{Username: "jdoe"}, tc.params))
			if err == nil || !actions.IsPermanent(err) {
				t.Fatalf("want permanent error, got %v", err)
			}
			var ae *threadfix.APIError
			if !errors.As(err, &ae) || ae.Restricted() != tc.restricted || ae.AuthFailed() == tc.restricted || ae.StatusCode != sim.AuthFailureStatus {
				t.Fatalf("want *APIError (restricted=%v), got %#v", tc.restricted, err)
			}
			wantMsg := threadfix.MessageAuthFailed
			if tc.restricted {
				wantMsg = threadfix.MessageRestricted
			}
			if !strings.Contains(err.Error(), wantMsg) {
				t.Errorf("error %q lacks the vendor message", err)
			}
			if n := len(e.sim.Requests()); n != tc.reads {
				t.Errorf("%d requests, want %d", n, tc.reads)
			}
			if after, _ := e.sim.User(3); !reflect.DeepEqual(after, before) {
				t.Errorf("state changed: %+v -> %+v", before, after)
			}
		})
	}
}

// TestCredentialsNeverLeak runs failing actions and checks every place the
// key could surface: errors, the formatted client and config, a log line
// and the simulator's request log.
func TestCredentialsNeverLeak(t *testing.T) {
	wrongKey := strings.Repeat("7b", 40)
	var cfg threadfix.Config
	e := newEnv(t, func(_ *sim.Options, c *threadfix.Config) { c.APIKey = secret.New(wrongKey); cfg = *c })
	_, authErr := e.client.Execute(context.Background(), quarantine(actions.UserRef{Username: "jdoe"}))
	good := newEnv(t, nil)
	good.sim.Inject(sim.RouteUserUpdate, faultEchoing(testKey))
	_, echoErr := good.client.Execute(context.Background(), quarantine(actions.UserRef{Username: "jdoe"}))
	if authErr == nil || echoErr == nil {
		t.Fatalf("want errors, got %v and %v", authErr, echoErr)
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Error("failed", "err", authErr, "err2", echoErr, "config", cfg, "client", good.client)
	reqLog, _ := json.Marshal(append(e.sim.Requests(), good.sim.Requests()...))
	places := map[string]string{
		"errors":        authErr.Error() + echoErr.Error(),
		"%+v errors":    fmt.Sprintf("%+v %+v", authErr, echoErr),
		"%+v client":    fmt.Sprintf("%+v %+v", e.client, good.client),
		"%#v client":    fmt.Sprintf("%#v", good.client),
		"%+v config":    fmt.Sprintf("%+v %#v", cfg, cfg),
		"log":           logged.String(),
		"request log":   string(reqLog),
		"dry run calls": fmt.Sprintf("%+v", dryRunCalls(t, good)),
	}
	pamtest.NoSecrets(t, places, wrongKey, testKey)
	if !strings.Contains(echoErr.Error(), "[REDACTED]") {
		t.Errorf("echoed key not scrubbed visibly: %v", echoErr)
	}
}

func dryRunCalls(t *testing.T, e *env) []actions.Call {
	a := quarantine(actions.UserRef{Username: "jdoe"})
	a.DryRun = true
	out, err := e.client.Execute(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	return out.Calls
}

// TestQuarantineRefusesParams: quarantine takes only a reason, which
// ThreadFix has nowhere to record; anything else is refused before any
// request. (Unsupported actions are a contract case.)
func TestQuarantineRefusesParams(t *testing.T) {
	e := newEnv(t, nil)
	if _, err := e.client.Execute(context.Background(), action(actions.Quarantine, actions.UserRef{Username: "jdoe"},
		map[string]any{"group": "x"})); !actions.IsPermanent(err) || !strings.Contains(err.Error(), "cannot set group") {
		t.Errorf("quarantine with a parameter: got %v, want permanent refusal", err)
	}
	if n := len(e.sim.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestCloseReleasesConnectionsAndStaysUsable(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	if err := e.client.Close(ctx); err != nil || len(e.sim.Requests()) != 0 {
		t.Fatalf("Close before use: %v, %d requests", err, len(e.sim.Requests()))
	}
	for _, name := range []string{"jdoe", "asmith"} {
		if _, err := e.client.Execute(ctx, quarantine(actions.UserRef{Username: name})); err != nil {
			t.Fatal(err)
		}
		if err := e.client.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// A caller's client is not closed (its transport may be shared).
	own := &http.Client{}
	c, err := threadfix.New(threadfix.Config{Name: "x", BaseURL: e.url + sim.APIPrefix, APIKey: secret.New(testKey), HTTPClient: own})
	if err != nil || c.Close(ctx) != nil {
		t.Fatal(err)
	}
}
