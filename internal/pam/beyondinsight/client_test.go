package beyondinsight_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam/beyondinsight"
	"github.com/quell-dev/quell/internal/pam/beyondinsight/sim"
	"github.com/quell-dev/quell/internal/pam/pamtest"
	"github.com/quell-dev/quell/internal/pam/simkit"
	"github.com/quell-dev/quell/internal/secret"
)

var testKey = strings.Repeat("0123456789abcdef", 8) // 128 characters, like a real key

const testRunAs = "svc-quell"

type env struct {
	sim    *sim.Server
	client *beyondinsight.Client
	clock  *simkit.ManualClock
}

// newEnv starts the simulator on a real loopback listener and a client for
// it; adjust may change both configurations before they are used.
func newEnv(t *testing.T, adjust func(*sim.Options, *beyondinsight.Config)) *env {
	t.Helper()
	return newWrappedEnv(t, adjust, nil)
}

// newWrappedEnv is newEnv with a handler wrapped around the simulator, for
// tests that must see a request arrive before it is answered.
func newWrappedEnv(t *testing.T, adjust func(*sim.Options, *beyondinsight.Config), wrap func(http.Handler) http.Handler) *env {
	t.Helper()
	clock := pamtest.NewClock()
	opts := sim.Options{APIKey: testKey, RunAs: testRunAs, Users: sim.DefaultUsers(), Now: clock.Now}
	cfg := beyondinsight.Config{
		Name:              "bi-test",
		APIKey:            secret.New(testKey),
		RunAs:             testRunAs,
		Timeout:           5 * time.Second,
		RetryAfterCeiling: time.Minute,
	}
	if adjust != nil {
		adjust(&opts, &cfg)
	}
	s := sim.New(opts)
	var h http.Handler = s
	if wrap != nil {
		h = wrap(s)
	}
	cfg.BaseURL = pamtest.Serve(t, h) + sim.APIPrefix
	c, err := beyondinsight.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &env{sim: s, client: c, clock: clock}
}

func action(kind actions.Kind, ref actions.UserRef) actions.Action {
	return pamtest.Action("bi-test", kind, ref, nil)
}

func quarantine(ref actions.UserRef) actions.Action { return action(actions.Quarantine, ref) }

func (e *env) signIns() int { return e.sim.Count("POST Auth/SignAppin") }

func TestNewValidatesConfig(t *testing.T) {
	good := beyondinsight.Config{Name: "bi", BaseURL: "https://pam.example.com/BeyondTrust/api/public/v3/", APIKey: secret.New(testKey), RunAs: `CORP\svc`}
	cases := []pamtest.ConfigCase[beyondinsight.Config]{
		pamtest.Valid("valid", func(*beyondinsight.Config) {}),
		pamtest.Valid("loopback http", func(c *beyondinsight.Config) { c.BaseURL = "http://127.0.0.1:8441/BeyondTrust/api/public/v3" }),
		pamtest.Valid("localhost http", func(c *beyondinsight.Config) { c.BaseURL = "http://localhost:8441/x" }),
		pamtest.Invalid("everything missing", func(c *beyondinsight.Config) { *c = beyondinsight.Config{} },
			"name: missing", "base_url: missing", "credentials: missing: set api_key and run_as (PS-Auth), or client_id and client_secret (OAuth)"),
		pamtest.Invalid("key without runas", func(c *beyondinsight.Config) { c.RunAs = "" }, "run_as: missing"),
		pamtest.Invalid("runas without key", func(c *beyondinsight.Config) { c.APIKey = secret.Secret{} }, "api_key: missing"),
		pamtest.Invalid("remote http", func(c *beyondinsight.Config) { c.BaseURL = "http://pam.example.com/x" },
			"base_url: plain http"),
		pamtest.Invalid("ftp", func(c *beyondinsight.Config) { c.BaseURL = "ftp://pam.example.com/x" }, "base_url: scheme"),
		pamtest.Invalid("user info", func(c *beyondinsight.Config) { c.BaseURL = "https://u:p@pam.example.com/x" },
			"base_url: must not contain user info"),
		pamtest.Invalid("query", func(c *beyondinsight.Config) { c.BaseURL = "https://pam.example.com/x?version=3.1" },
			"base_url: must not contain a query"),
		pamtest.Invalid("key with ;", func(c *beyondinsight.Config) { c.APIKey = secret.New(testKey + ";runas=x") },
			"api_key: contains"),
		pamtest.Invalid("runas with ;", func(c *beyondinsight.Config) { c.RunAs = "a;b" }, "run_as: contains"),
		pamtest.Invalid("password with newline", func(c *beyondinsight.Config) { c.Password = secret.New("a\nb") },
			"password: contains"),
		pamtest.Invalid("bad version", func(c *beyondinsight.Config) { c.APIVersion = "v3" }, "api_version"),
		pamtest.Invalid("negative durations", func(c *beyondinsight.Config) { c.Timeout, c.RetryAfterCeiling = -1, -1 },
			"timeout: negative", "retry_after_ceiling: negative"),
	}
	pamtest.CheckNew(t, good, func(c beyondinsight.Config) (pamtest.Client, error) { return beyondinsight.New(c) }, "bi", "beyondinsight", cases, testKey)
}

func TestSignInWithAndWithoutPassword(t *testing.T) {
	cases := []struct {
		name, simPwd, clientPwd string
		wantErr                 bool
		wantAuth                string
	}{
		{"no password", "", "", false, "PS-Auth key=[REDACTED]; runas=svc-quell;"},
		{"password", "s3cr;et]", "s3cr;et]", false, "PS-Auth key=[REDACTED]; runas=svc-quell; pwd=[REDACTED];"},
		{"password required, not sent", "s3cret", "", true, ""},
		{"wrong password", "s3cret", "nope", true, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(o *sim.Options, c *beyondinsight.Config) {
				o.Password, c.Password = tc.simPwd, secret.New(tc.clientPwd)
			})
			_, err := e.client.Execute(context.Background(), quarantine(actions.UserRef{Username: "jdoe"}))
			if tc.wantErr {
				if err == nil || !actions.IsPermanent(err) || !strings.Contains(err.Error(), "401") {
					t.Fatalf("want permanent 401, got %v", err)
				}
				if n := len(e.sim.Requests()); n != 1 {
					t.Errorf("%d requests after a failed sign-in, want only the sign-in", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			first := e.sim.Requests()[0]
			if first.RelPath != "Auth/SignAppin" || first.Header.Get("Authorization") != tc.wantAuth || first.Header.Get("Content-Type") != "application/json" || first.Body != "" {
				t.Errorf("sign-in request %+v", first)
			}
		})
	}
}

// TestCredentialsNeverLeak runs a failing sign-in and checks every place a
// credential could surface: the error, the formatted config, a log line and
// the simulator's request log.
func TestCredentialsNeverLeak(t *testing.T) {
	wrongKey := strings.Repeat("f", 128)
	var cfg beyondinsight.Config
	e := newEnv(t, func(_ *sim.Options, c *beyondinsight.Config) {
		c.APIKey, c.Password = secret.New(wrongKey), secret.New("pa55word")
		cfg = *c
	})
	_, err := e.client.Execute(context.Background(), quarantine(actions.UserRef{Username: "jdoe"}))
	if err == nil || !actions.IsPermanent(err) {
		t.Fatalf("want permanent error, got %v", err)
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Error("action failed", "err", err, "config", cfg)
	dump, _ := json.Marshal(e.sim.Requests())
	places := map[string]string{
		"error":       err.Error(),
		"%+v error":   fmt.Sprintf("%+v", err),
		"%#v config":  fmt.Sprintf("%#v", cfg),
		"log":         logged.String(),
		"request log": string(dump),
	}
	pamtest.NoSecrets(t, places, wrongKey, testKey, "pa55word")
}

func TestSessionExpiryReSignsInOnce(t *testing.T) {
	cases := []struct {
		name   string
		expire func(*env)
	}{
		{"expired on demand", func(e *env) { e.sim.ExpireSessions() }},
		{"idle timeout", func(e *env) { e.clock.Advance(sim.SessionIdleTimeout + time.Second) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			ctx := context.Background()
			if _, err := e.client.Execute(ctx, quarantine(actions.UserRef{Username: "jdoe"})); err != nil {
				t.Fatal(err)
			}
			tc.expire(e)
			out, err := e.client.Execute(ctx, quarantine(actions.UserRef{Username: "asmith"}))
			if err != nil || out.Status != actions.StatusCompleted {
				t.Fatalf("after expiry: %+v, %v", out, err)
			}
			if n := e.signIns(); n != 2 {
				t.Errorf("%d sign-ins, want 2 (one extra)", n)
			}
			if u, _ := e.sim.User(13); !u.IsQuarantined {
				t.Error("asmith not quarantined")
			}
		})
	}
}

func TestConcurrentActionsShareOneReSignIn(t *testing.T) {
	const n = 24
	e := newEnv(t, func(o *sim.Options, _ *beyondinsight.Config) {
		for i := range n {
			o.Users = append(o.Users, sim.User{UserID: 100 + i, UserName: fmt.Sprintf("user%02d", i)})
		}
	})
	ctx := context.Background()
	run := func() {
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				ref := actions.UserRef{TargetID: fmt.Sprint(100 + i)}
				if _, err := e.client.Execute(ctx, quarantine(ref)); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	}
	run() // first use: n goroutines, one sign-in
	if got := e.signIns(); got != 1 {
		t.Fatalf("%d sign-ins on first use, want 1", got)
	}
	e.sim.ExpireSessions()
	for i := range n {
		u, _ := e.sim.User(100 + i)
		u.IsQuarantined = false
		e.sim.PutUser(u)
	}
	run() // every goroutine may see a 401; still one sign-in
	if got := e.signIns(); got != 2 {
		t.Errorf("%d sign-ins after expiry, want 2", got)
	}
}

func TestSecond401IsPermanent(t *testing.T) {
	e := newEnv(t, nil)
	e.sim.Inject("POST Users/{id}/Quarantine", simkit.Fault{Status: 401, Times: 2})
	_, err := e.client.Execute(context.Background(), quarantine(actions.UserRef{Username: "jdoe"}))
	if err == nil || !actions.IsPermanent(err) || !strings.Contains(err.Error(), "after signing in again") {
		t.Fatalf("want permanent error after re-sign-in, got %v", err)
	}
	if got := e.signIns(); got != 2 {
		t.Errorf("%d sign-ins, want 2", got)
	}
	if got := e.sim.Count("POST Users/{id}/Quarantine"); got != 2 {
		t.Errorf("%d POSTs, want 2 (one retry)", got)
	}
}

func TestSignInFailures(t *testing.T) {
	cases := []struct {
		name      string
		fault     simkit.Fault
		permanent bool
	}{
		{"503", simkit.Fault{Status: 503, Times: 1}, false},
		{"dropped", simkit.Fault{Drop: true, Times: 1}, false},
		{"403", simkit.Fault{Status: 403, Times: 1}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.sim.Inject("POST Auth/SignAppIn", tc.fault)
			_, err := e.client.Execute(context.Background(), quarantine(actions.UserRef{Username: "jdoe"}))
			if err == nil || actions.IsPermanent(err) != tc.permanent || !strings.Contains(err.Error(), "sign in to bi-test as svc-quell") {
				t.Fatalf("got %v, want permanent=%v", err, tc.permanent)
			}
			// The next attempt signs in afresh and succeeds.
			if _, err := e.client.Execute(context.Background(), quarantine(actions.UserRef{Username: "jdoe"})); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestClose(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	if err := e.client.Close(ctx); err != nil || len(e.sim.Requests()) != 0 {
		t.Fatalf("Close before use: %v, %d requests", err, len(e.sim.Requests()))
	}
	if _, err := e.client.Execute(ctx, quarantine(actions.UserRef{Username: "jdoe"})); err != nil {
		t.Fatal(err)
	}
	if err := e.client.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if e.sim.Count("POST Auth/Signout") != 1 || e.sim.Sessions() != 0 {
		t.Errorf("signout calls %d, sessions %d", e.sim.Count("POST Auth/Signout"), e.sim.Sessions())
	}
	if err := e.client.Close(ctx); err != nil || e.sim.Count("POST Auth/Signout") != 1 {
		t.Errorf("second Close: %v, %d signouts", err, e.sim.Count("POST Auth/Signout"))
	}
	// Usable after Close; and closing an expired session is not an error.
	if _, err := e.client.Execute(ctx, quarantine(actions.UserRef{Username: "asmith"})); err != nil {
		t.Fatal(err)
	}
	e.sim.ExpireSessions()
	if err := e.client.Close(ctx); err != nil {
		t.Errorf("Close of an expired session: %v", err)
	}
}

func TestCloseHonoursContext(t *testing.T) {
	arrived := make(chan struct{})
	var once sync.Once
	e := newWrappedEnv(t, nil, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "SignAppin") {
				once.Do(func() { close(arrived) })
			}
			next.ServeHTTP(w, r)
		})
	})
	e.sim.Inject("POST Auth/SignAppIn", simkit.Fault{Latency: 300 * time.Millisecond, Times: 1})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = e.client.Execute(context.Background(), quarantine(actions.UserRef{Username: "jdoe"}))
	}()
	<-arrived // the sign-in is under way and holds the turn
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := e.client.Close(ctx); !errors.Is(err, context.DeadlineExceeded) || actions.IsPermanent(err) {
		t.Errorf("Close while signing in: %v, want transient deadline exceeded", err)
	}
	<-done
}

// TestAPIVersionQuery: ?version= goes only to endpoints that take it, and
// none of the ones Quell calls does: BeyondTrust's Go client sends no
// version to Auth/SignAppin, Auth/connect/token or Auth/Signout, and its
// Python library none to any Users or UserGroups endpoint.
func TestAPIVersionQuery(t *testing.T) {
	e := newEnv(t, func(o *sim.Options, c *beyondinsight.Config) { o.Strict, c.APIVersion = true, "3.1" })
	ctx := context.Background()
	for _, a := range []actions.Action{
		quarantine(actions.UserRef{Username: "jdoe"}),
		terminate(actions.UserRef{TargetID: "12"}, nil),
		withParams(actions.AddGroup, actions.UserRef{TargetID: "13"}, map[string]any{"group": "Auditors"}),
		update(actions.UserRef{TargetID: "13"}, map[string]any{"first_name": "Al"}),
	} {
		if _, err := e.client.Execute(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.client.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for _, r := range e.sim.Requests() {
		if strings.Contains(strings.ToLower(r.Query), "version=") {
			t.Errorf("%s %s sent with a version: %q", r.Method, r.RelPath, r.Query)
		}
	}
}
