package commvault_test

import (
	"bytes"
	"context"
	"encoding/base64"
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
	"github.com/quell-dev/quell/internal/pam/commvault"
	"github.com/quell-dev/quell/internal/pam/commvault/sim"
	"github.com/quell-dev/quell/internal/pam/pamtest"
	"github.com/quell-dev/quell/internal/pam/simkit"
	"github.com/quell-dev/quell/internal/secret"
)

func TestNewValidatesConfig(t *testing.T) {
	good := commvault.Config{Name: "cv", BaseURL: "https://cv.example.com/webconsole/api/", Username: `CORP\svc`, Password: secret.New("pw")}
	cases := []pamtest.ConfigCase[commvault.Config]{
		pamtest.Valid("valid", func(*commvault.Config) {}),
		pamtest.Valid("loopback http", func(c *commvault.Config) { c.BaseURL = "http://127.0.0.1:8442/webconsole/api" }),
		pamtest.Valid("ipv6 loopback http", func(c *commvault.Config) { c.BaseURL = "http://[::1]:8442/webconsole/api" }),
		pamtest.Invalid("everything missing", func(c *commvault.Config) { *c = commvault.Config{} },
			"name: missing", "base_url: missing", "username: missing", "password: missing"),
		pamtest.Invalid("remote http", func(c *commvault.Config) { c.BaseURL = "http://cv.example.com/webconsole/api" },
			"base_url: plain http"),
		pamtest.Invalid("ftp", func(c *commvault.Config) { c.BaseURL = "ftp://cv.example.com/x" }, "base_url: scheme"),
		pamtest.Invalid("user info", func(c *commvault.Config) { c.BaseURL = "https://u:p@cv.example.com/x" },
			"base_url: must not contain user info"),
		pamtest.Invalid("query", func(c *commvault.Config) { c.BaseURL = "https://cv.example.com/x?a=1" },
			"base_url: must not contain a query"),
		pamtest.Invalid("two domains", func(c *commvault.Config) { c.Username = `A\B\c` }, `username: want user or DOMAIN\user`),
		pamtest.Invalid("control chars", func(c *commvault.Config) { c.Username = "a\nb" }, "username: contains control"),
		pamtest.Invalid("negative durations", func(c *commvault.Config) { c.Timeout, c.RetryAfterCeiling = -1, -1 },
			"timeout: negative", "retry_after_ceiling: negative"),
		pamtest.Valid("domain aliases", func(c *commvault.Config) {
			c.DomainAliases = map[string][]string{"CORP": {"corp.example.com"}, "LAB": nil}
		}),
		pamtest.Invalid("bad domain aliases", func(c *commvault.Config) {
			c.DomainAliases = map[string][]string{"CORP": {"corp.example.com", " ", `A\B`}, "LAB": {"Corp.Example.com", "CORP"}}
		},
			`domain_aliases: "CORP": empty domain name`,
			`domain_aliases: "CORP": "A\\B": a domain name has no backslash, space or control character`,
			`domain_aliases: "LAB": "Corp.Example.com" is already a name of "CORP"`,
			`domain_aliases: "LAB": "CORP" is already a name of "CORP"`),
	}
	pamtest.CheckNew(t, good, func(c commvault.Config) (pamtest.Client, error) { return commvault.New(c) }, "cv", "commvault", cases)
}

func TestLoginRequest(t *testing.T) {
	cases := []struct {
		name, user, wantBody string
	}{
		{"local user", testUser, `{"password":"[REDACTED]","username":"svc-quell"}`},
		{"directory user", `CORP\svc`, `{"domain":"CORP","password":"[REDACTED]","username":"svc"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(o *sim.Options, c *commvault.Config) { o.Username, c.Username = tc.user, tc.user })
			if _, err := e.client.Execute(context.Background(), quarantine(ref("jdoe"))); err != nil {
				t.Fatal(err)
			}
			first := e.sim.Requests()[0]
			var got, want map[string]any
			_ = json.Unmarshal([]byte(first.Body), &got)
			_ = json.Unmarshal([]byte(tc.wantBody), &want)
			if first.Method != "POST" || first.RelPath != "Login" || fmt.Sprint(got) != fmt.Sprint(want) || first.Header.Get("Content-Type") != "application/json" {
				t.Errorf("login request %+v", first)
			}
		})
	}
}

func TestLoginFailures(t *testing.T) {
	cases := []struct {
		name      string
		password  string
		fault     *simkit.Fault
		permanent bool
		want      string
	}{
		{name: "wrong password", password: "nope", permanent: true, want: "login refused: Invalid Username or Password (errorCode 1)"},
		{name: "401", fault: &simkit.Fault{Status: 401, Times: 1}, permanent: true, want: "401"},
		{name: "503", fault: &simkit.Fault{Status: 503, Times: 1}, want: "503"},
		{name: "dropped", fault: &simkit.Fault{Drop: true, Times: 1}, want: "POST /webconsole/api/Login"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(_ *sim.Options, c *commvault.Config) {
				if tc.password != "" {
					c.Password = secret.New(tc.password)
				}
			})
			if tc.fault != nil {
				e.sim.Inject(loginRoute, *tc.fault)
			}
			_, err := e.client.Execute(context.Background(), quarantine(ref("jdoe")))
			if err == nil || actions.IsPermanent(err) != tc.permanent || !strings.Contains(err.Error(), tc.want) ||
				!strings.Contains(err.Error(), "log in to cv-test as svc-quell") {
				t.Fatalf("got %v, want permanent=%v containing %q", err, tc.permanent, tc.want)
			}
			if n := len(e.sim.Requests()); n != 1 {
				t.Errorf("%d requests after a failed login, want only the login", n)
			}
		})
	}
}

// TestCredentialsNeverLeak runs a refused login and a refused write, and
// checks every place the password or token could surface.
func TestCredentialsNeverLeak(t *testing.T) {
	var cfg commvault.Config
	e := newEnv(t, func(_ *sim.Options, c *commvault.Config) { c.Password = secret.New("wrong-" + testPassword); cfg = *c })
	_, loginErr := e.client.Execute(context.Background(), quarantine(ref("jdoe")))
	good := newEnv(t, nil)
	good.sim.Inject(putRoute, simkit.Fault{Status: 400, Body: `{"errorMessage":"bad","errorCode":1}`, Times: 1})
	_, putErr := good.client.Execute(context.Background(), quarantine(ref("jdoe")))
	if loginErr == nil || putErr == nil {
		t.Fatalf("want errors, got %v / %v", loginErr, putErr)
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Error("failed", "err", loginErr, "config", cfg, "client", e.client)
	dump, _ := json.Marshal(append(e.sim.Requests(), good.sim.Requests()...))
	places := map[string]string{
		"errors":      loginErr.Error() + putErr.Error() + fmt.Sprintf("%+v %+v", loginErr, putErr),
		"%+v client":  fmt.Sprintf("%+v %v %s %#v", e.client, good.client, good.client, good.client),
		"%#v config":  fmt.Sprintf("%#v %+v", cfg, cfg),
		"log":         logged.String(),
		"request log": string(dump),
	}
	pamtest.NoSecrets(t, places, testPassword, base64.StdEncoding.EncodeToString([]byte(testPassword)),
		base64.StdEncoding.EncodeToString([]byte("wrong-"+testPassword)), "QSDK ")
	if s := fmt.Sprintf("%+v", good.client); !strings.Contains(s, `name: "cv-test"`) {
		t.Errorf("client formats as %s", s)
	}
}

func TestTokenExpiryLogsInAgainOnce(t *testing.T) {
	cases := []struct {
		name   string
		expire func(*env)
	}{
		{"expired on demand", func(e *env) { e.sim.ExpireTokens() }},
		{"idle timeout", func(e *env) { e.clock.Advance(sim.TokenIdleTimeout + time.Second) }},
		{"401 on the write, mid-way", func(e *env) { e.sim.Inject(putRoute, simkit.Fault{Status: 401, Times: 1}) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			ctx := context.Background()
			if _, err := e.client.Execute(ctx, quarantine(ref("jdoe"))); err != nil {
				t.Fatal(err)
			}
			tc.expire(e)
			out, err := e.client.Execute(ctx, quarantine(ref("asmith")))
			if err != nil || out.Status != actions.StatusCompleted {
				t.Fatalf("after expiry: %+v, %v", out, err)
			}
			if n := e.logins(); n != 2 {
				t.Errorf("%d logins, want 2 (one extra)", n)
			}
			if u, _ := e.sim.User(6); u.Enabled {
				t.Error("asmith still enabled")
			}
			if n := e.writes(); n != 2 {
				t.Errorf("%d effective writes, want 2", n)
			}
		})
	}
}

func TestConcurrentActionsShareOneRelogin(t *testing.T) {
	const n = 24
	e := newEnv(t, func(o *sim.Options, _ *commvault.Config) {
		for i := range n {
			o.Users = append(o.Users, sim.User{ID: 100 + i, Name: fmt.Sprintf("user%02d", i), Enabled: true})
		}
	})
	run := func() {
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				if _, err := e.client.Execute(context.Background(), quarantine(actions.UserRef{TargetID: fmt.Sprint(100 + i)})); err != nil {
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
	run()
	if got := e.logins(); got != 1 {
		t.Fatalf("%d logins on first use, want 1", got)
	}
	e.sim.ExpireTokens()
	for i := range n {
		u, _ := e.sim.User(100 + i)
		u.Enabled = true
		e.sim.PutUser(u)
	}
	run()
	if got := e.logins(); got != 2 {
		t.Errorf("%d logins after expiry, want 2", got)
	}
}

func TestSecond401IsPermanent(t *testing.T) {
	e := newEnv(t, nil)
	e.sim.Inject(putRoute, simkit.Fault{Status: 401, Times: 2})
	_, err := e.client.Execute(context.Background(), quarantine(ref("jdoe")))
	if err == nil || !actions.IsPermanent(err) || !strings.Contains(err.Error(), "still unauthorized after logging in again") {
		t.Fatalf("want permanent error after re-login, got %v", err)
	}
	if e.logins() != 2 || e.puts() != 2 {
		t.Errorf("%d logins, %d PUTs; want 2 and 2", e.logins(), e.puts())
	}
	if u, _ := e.sim.User(5); !u.Enabled {
		t.Error("state changed")
	}
}

func TestClose(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	if err := e.client.Close(ctx); err != nil || len(e.sim.Requests()) != 0 {
		t.Fatalf("Close before use: %v, %d requests", err, len(e.sim.Requests()))
	}
	if _, err := e.client.Execute(ctx, quarantine(ref("jdoe"))); err != nil {
		t.Fatal(err)
	}
	if err := e.client.Close(ctx); err != nil || e.sim.Count("POST Logout") != 1 || e.sim.Tokens() != 0 {
		t.Fatalf("Close: %v, %d logouts, %d tokens", err, e.sim.Count("POST Logout"), e.sim.Tokens())
	}
	if err := e.client.Close(ctx); err != nil || e.sim.Count("POST Logout") != 1 {
		t.Errorf("second Close: %v", err)
	}
	// Usable after Close; and closing an expired token is not an error.
	if _, err := e.client.Execute(ctx, quarantine(ref("asmith"))); err != nil {
		t.Fatal(err)
	}
	e.sim.ExpireTokens()
	if err := e.client.Close(ctx); err != nil {
		t.Errorf("Close of an expired token: %v", err)
	}
}

func TestCloseHonoursContext(t *testing.T) {
	arrived := make(chan struct{})
	var once sync.Once
	e := newWrappedEnv(t, nil, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/Login") {
				once.Do(func() { close(arrived) })
			}
			next.ServeHTTP(w, r)
		})
	})
	e.sim.Inject(loginRoute, simkit.Fault{Latency: 300 * time.Millisecond, Times: 1})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = e.client.Execute(context.Background(), quarantine(ref("jdoe")))
	}()
	<-arrived // the login is under way and holds the turn
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := e.client.Close(ctx); !errors.Is(err, context.DeadlineExceeded) || actions.IsPermanent(err) {
		t.Errorf("Close while logging in: %v, want transient deadline exceeded", err)
	}
	<-done
}

// TestEveryRequestAcceptsJSON: the login documentation lists Accept
// (application/json or application/xml) among the request headers, and a
// strict simulator answers 406 without it; every request the client makes
// carries it.
func TestEveryRequestAcceptsJSON(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	steps := []actions.Action{
		quarantine(ref("jdoe")),
		action(actions.UpdateAttributes, ref("asmith"), map[string]any{actions.AttrAuthMethod: "SAML"}),
		action(actions.AddGroup, actions.UserRef{TargetID: "6"}, map[string]any{actions.ParamGroup: "View All"}),
	}
	for _, a := range steps {
		if _, err := e.client.Execute(ctx, a); err != nil {
			t.Fatalf("%s: %v", a.Kind, err)
		}
	}
	if err := e.client.Close(ctx); err != nil {
		t.Fatal(err)
	}
	log := e.sim.Requests()
	if len(log) < 7 {
		t.Fatalf("only %d requests", len(log))
	}
	for _, r := range log {
		if got := r.Header.Values("Accept"); len(got) != 1 || got[0] != "application/json" || r.Status == http.StatusNotAcceptable {
			t.Errorf("%s %s: Accept %q, status %d", r.Method, r.RelPath, got, r.Status)
		}
	}
}
