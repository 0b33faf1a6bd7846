package beyondinsight_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam/beyondinsight"
	"github.com/quell-dev/quell/internal/pam/beyondinsight/sim"
	"github.com/quell-dev/quell/internal/pam/pamtest"
	"github.com/quell-dev/quell/internal/pam/simkit"
	"github.com/quell-dev/quell/internal/secret"
)

// The OAuth client of svc-pam-worker (57), the Application user of
// sim.DefaultUsers.
const (
	appClientID = "6c4a0a3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f"
	appSecret   = "Xq7vR2mN9pL4sT8wK3yB6cF1hJ5dG0zA2eU7iO4"
)

// wrongSecret is a well-formed client secret the simulator refuses.
var wrongSecret = strings.Repeat("Wr0ng", 8)

// tokenTap records every access token the simulator issues, read from the
// token endpoint's answers, so that tests can look for the tokens where
// they must not appear.
type tokenTap struct {
	mu   sync.Mutex
	seen []string
}

// tokens returns the tokens issued so far.
func (tap *tokenTap) tokens() []string {
	tap.mu.Lock()
	defer tap.mu.Unlock()
	return append([]string(nil), tap.seen...)
}

func (tap *tokenTap) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(strings.ToLower(r.URL.Path), "/auth/connect/token") {
			next.ServeHTTP(w, r)
			return
		}
		tee := &teeWriter{ResponseWriter: w}
		next.ServeHTTP(tee, r)
		var answer struct {
			AccessToken string `json:"access_token"`
		}
		if json.Unmarshal(tee.buf.Bytes(), &answer) == nil && answer.AccessToken != "" {
			tap.mu.Lock()
			tap.seen = append(tap.seen, answer.AccessToken)
			tap.mu.Unlock()
		}
	})
}

// teeWriter copies an answer's body as it is written.
type teeWriter struct {
	http.ResponseWriter
	buf bytes.Buffer
}

func (w *teeWriter) Write(b []byte) (int, error) {
	w.buf.Write(b)
	return w.ResponseWriter.Write(b)
}

// Unwrap lets a dropped-connection fault hijack the connection.
func (w *teeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// newOAuthEnv is newEnv with OAuth on both sides: the simulator knows only
// svc-pam-worker's client (no PS-Auth), the client signs in with it. wrap,
// when set, goes between the token tap and the simulator.
func newOAuthEnv(t *testing.T, adjust func(*sim.Options, *beyondinsight.Config), wrap func(http.Handler) http.Handler) (*env, *tokenTap) {
	t.Helper()
	tap := &tokenTap{}
	e := newWrappedEnv(t, func(o *sim.Options, c *beyondinsight.Config) {
		o.APIKey, o.RunAs = "", ""
		o.OAuthClients = map[string]string{appClientID: appSecret}
		c.APIKey, c.RunAs = secret.Secret{}, ""
		c.ClientID, c.ClientSecret = appClientID, secret.New(appSecret)
		if adjust != nil {
			adjust(o, c)
		}
	}, func(h http.Handler) http.Handler {
		if wrap != nil {
			h = wrap(h)
		}
		return tap.wrap(h)
	})
	return e, tap
}

// tokenRequests counts the token requests the simulator received.
func (e *env) tokenRequests() int { return e.sim.Count("POST Auth/connect/token") }

// trace lists the logged requests from the i-th on as "METHOD RelPath
// status".
func (e *env) trace(from int) []string {
	var out []string
	for _, r := range e.sim.Requests()[from:] {
		out = append(out, fmt.Sprintf("%s %s %d", r.Method, r.RelPath, r.Status))
	}
	return out
}

func sameStrings(a, b []string) bool {
	return strings.Join(a, "\n") == strings.Join(b, "\n")
}

func TestNewValidatesOAuthConfig(t *testing.T) {
	good := beyondinsight.Config{Name: "bi", BaseURL: "https://pam.example.com/BeyondTrust/api/public/v3", ClientID: appClientID, ClientSecret: secret.New(appSecret)}
	cases := []pamtest.ConfigCase[beyondinsight.Config]{
		pamtest.Valid("valid", func(*beyondinsight.Config) {}),
		pamtest.Valid("client id in upper case", func(c *beyondinsight.Config) { c.ClientID = strings.ToUpper(appClientID) }),
		pamtest.Valid("shortest secret", func(c *beyondinsight.Config) { c.ClientSecret = secret.New(strings.Repeat("s", 36)) }),
		pamtest.Valid("longest secret", func(c *beyondinsight.Config) { c.ClientSecret = secret.New(strings.Repeat("s", 64)) }),
		pamtest.Valid("secret length in characters", func(c *beyondinsight.Config) { c.ClientSecret = secret.New(strings.Repeat("é", 64)) }),
		pamtest.Invalid("both credentials", func(c *beyondinsight.Config) { c.APIKey, c.RunAs = secret.New(testKey), testRunAs },
			"credentials: both api_key/run_as (PS-Auth) and client_id/client_secret (OAuth) are set"),
		pamtest.Invalid("both, each half", func(c *beyondinsight.Config) { c.APIKey, c.ClientSecret = secret.New(testKey), secret.Secret{} },
			"credentials: both", "run_as: missing", "client_secret: missing"),
		pamtest.Invalid("neither", func(c *beyondinsight.Config) { c.ClientID, c.ClientSecret = "", secret.Secret{} },
			"credentials: missing: set api_key and run_as (PS-Auth), or client_id and client_secret (OAuth)"),
		pamtest.Invalid("client id only", func(c *beyondinsight.Config) { c.ClientSecret = secret.Secret{} }, "client_secret: missing"),
		pamtest.Invalid("client secret only", func(c *beyondinsight.Config) { c.ClientID = "" }, "client_id: missing"),
		pamtest.Invalid("client id too short", func(c *beyondinsight.Config) { c.ClientID = appClientID[1:] },
			"client_id: not a GUID of the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (35 characters, want 36)"),
		pamtest.Invalid("client id without dashes", func(c *beyondinsight.Config) { c.ClientID = strings.ReplaceAll(appClientID, "-", "0") },
			"client_id: not a GUID"),
		pamtest.Invalid("client id not hexadecimal", func(c *beyondinsight.Config) { c.ClientID = "g" + appClientID[1:] },
			"client_id: not a GUID"),
		pamtest.Invalid("secret in place of the client id", func(c *beyondinsight.Config) { c.ClientID = appSecret }, "client_id: not a GUID"),
		pamtest.Invalid("secret too short", func(c *beyondinsight.Config) { c.ClientSecret = secret.New(appSecret[:35]) },
			"client_secret: 35 characters, want 36 to 64"),
		pamtest.Invalid("secret too long", func(c *beyondinsight.Config) { c.ClientSecret = secret.New(strings.Repeat(appSecret, 2)[:65]) },
			"client_secret: 65 characters, want 36 to 64"),
		pamtest.Invalid("password with OAuth", func(c *beyondinsight.Config) { c.Password = secret.New("pa55word") },
			"password: only used with api_key and run_as (PS-Auth)"),
	}
	pamtest.CheckNew(t, good, func(c beyondinsight.Config) (pamtest.Client, error) { return beyondinsight.New(c) }, "bi", "beyondinsight", cases,
		appSecret, appSecret[:35], strings.Repeat(appSecret, 2)[:65], testKey, "pa55word")
}

func TestOAuthSignInThenQuarantine(t *testing.T) {
	e, tap := newOAuthEnv(t, nil, nil)
	ctx := context.Background()
	out, err := e.client.Execute(ctx, quarantine(actions.UserRef{Username: "jdoe"}))
	if err != nil || out.Status != actions.StatusCompleted {
		t.Fatalf("%+v, %v", out, err)
	}
	want := []string{
		"POST Auth/connect/token 200",
		"POST Auth/SignAppin 200",
		"GET Users 200",
		"POST Users/12/Quarantine 200",
	}
	if got := e.trace(0); !sameStrings(got, want) {
		t.Fatalf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	reqs := e.sim.Requests()
	tokenReq, signIn := reqs[0], reqs[1]
	if got, want := tokenReq.Body, "client_id="+appClientID+"&client_secret=[REDACTED]&grant_type=client_credentials"; got != want {
		t.Errorf("token form logged as %q, want %q", got, want)
	}
	if ct, auth := tokenReq.Header.Get("Content-Type"), tokenReq.Header.Get("Authorization"); ct != "application/x-www-form-urlencoded" || auth != "" {
		t.Errorf("token request Content-Type %q, Authorization %q", ct, auth)
	}
	if auth, ct := signIn.Header.Get("Authorization"), signIn.Header.Get("Content-Type"); auth != "Bearer [REDACTED]" || ct != "application/json" || signIn.Body != "" {
		t.Errorf("SignAppin: Authorization %q, Content-Type %q, body %q", auth, ct, signIn.Body)
	}
	for _, r := range reqs[2:] {
		if auth, cookie := r.Header.Get("Authorization"), r.Header.Get("Cookie"); auth != "" || cookie != sim.SessionCookie+"=[REDACTED]" {
			t.Errorf("%s %s: Authorization %q, Cookie %q; want the session cookie only", r.Method, r.RelPath, auth, cookie)
		}
	}
	if u, _ := e.sim.User(12); !u.IsQuarantined {
		t.Error("jdoe not quarantined")
	}
	if len(tap.tokens()) != 1 || e.sim.Sessions() != 1 {
		t.Errorf("%d tokens issued, %d sessions; want 1 and 1", len(tap.tokens()), e.sim.Sessions())
	}
	// A second action reuses the session: no new token.
	if _, err := e.client.Execute(ctx, quarantine(actions.UserRef{Username: "asmith"})); err != nil {
		t.Fatal(err)
	}
	if e.tokenRequests() != 1 || e.signIns() != 1 {
		t.Errorf("%d token requests, %d sign-ins; want 1 and 1", e.tokenRequests(), e.signIns())
	}
	// Sign-out is as with PS-Auth.
	if err := e.client.Close(ctx); err != nil || e.sim.Count("POST Auth/Signout") != 1 || e.sim.Sessions() != 0 {
		t.Errorf("Close: %v, %d sign-outs, %d sessions", err, e.sim.Count("POST Auth/Signout"), e.sim.Sessions())
	}
}

func TestOAuthSignInFailures(t *testing.T) {
	quarantined := func(o *sim.Options, _ *beyondinsight.Config) {
		for i := range o.Users {
			if o.Users[i].UserID == 57 {
				o.Users[i].IsQuarantined = true
			}
		}
	}
	tokenFault := func(f simkit.Fault) func(*env) {
		return func(e *env) { e.sim.Inject("POST Auth/connect/token", f) }
	}
	cases := []struct {
		name      string
		adjust    func(*sim.Options, *beyondinsight.Config)
		fault     func(*env)
		permanent bool
		status    int    // of the *pam.StatusError; 0: none expected
		contains  string // besides the target's name
		trace     []string
		recovers  bool // a second attempt succeeds
	}{
		{
			name:      "wrong client secret",
			adjust:    func(_ *sim.Options, c *beyondinsight.Config) { c.ClientSecret = secret.New(wrongSecret) },
			permanent: true, status: 401, contains: `invalid_client`,
			trace: []string{"POST Auth/connect/token 401"},
		},
		{
			name:      "unknown client",
			adjust:    func(_ *sim.Options, c *beyondinsight.Config) { c.ClientID = "00000000-0000-0000-0000-000000000000" },
			permanent: true, status: 401, contains: `invalid_client`,
			trace: []string{"POST Auth/connect/token 401"},
		},
		{
			name:      "quarantined application user",
			adjust:    quarantined,
			permanent: true, status: 401, contains: "POST /BeyondTrust/api/public/v3/Auth/SignAppin: 401",
			trace: []string{"POST Auth/connect/token 200", "POST Auth/SignAppin 401"},
		},
		{
			name:  "token endpoint unavailable",
			fault: tokenFault(simkit.Fault{Status: 503, Times: 1}), status: 503,
			trace:    []string{"POST Auth/connect/token 503"},
			recovers: true,
		},
		{
			name:  "token request dropped",
			fault: tokenFault(simkit.Fault{Drop: true, Times: 1}), contains: "Auth/connect/token",
			trace:    []string{"POST Auth/connect/token 0"},
			recovers: true,
		},
		{
			name:  "token answer not JSON",
			fault: tokenFault(simkit.Fault{Status: 200, Body: "<html>login</html>", Times: 1}), contains: "not a JSON token object",
			trace:    []string{"POST Auth/connect/token 200"},
			recovers: true,
		},
		{
			name:  "token answer without access_token",
			fault: tokenFault(simkit.Fault{Status: 200, Body: `{"token_type":"Bearer"}`, Times: 1}), permanent: true, contains: "no access_token",
			trace: []string{"POST Auth/connect/token 200"},
		},
		{
			name:  "token not a bearer token",
			fault: tokenFault(simkit.Fault{Status: 200, Body: `{"access_token":"abc","token_type":"mac"}`, Times: 1}), permanent: true, contains: `token_type "mac", want Bearer`,
			trace: []string{"POST Auth/connect/token 200"},
		},
		{
			name:  "token a header cannot carry",
			fault: tokenFault(simkit.Fault{Status: 200, Body: `{"access_token":"a\r\nb","token_type":"Bearer"}`, Times: 1}), permanent: true, contains: "characters a header cannot carry",
			trace: []string{"POST Auth/connect/token 200"},
		},
		{
			name:  "SignAppin unavailable",
			fault: func(e *env) { e.sim.Inject("POST Auth/SignAppIn", simkit.Fault{Status: 503, Times: 1}) }, status: 503,
			trace:    []string{"POST Auth/connect/token 200", "POST Auth/SignAppin 503"},
			recovers: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, tap := newOAuthEnv(t, tc.adjust, nil)
			if tc.fault != nil {
				tc.fault(e)
			}
			ctx := context.Background()
			_, err := e.client.Execute(ctx, quarantine(actions.UserRef{Username: "jdoe"}))
			failure{permanent: tc.permanent, status: tc.status, contains: "sign in to bi-test with OAuth client credentials: "}.check(t, err)
			if !strings.Contains(err.Error(), tc.contains) {
				t.Errorf("error %q lacks %q", err, tc.contains)
			}
			if got := e.trace(0); !sameStrings(got, tc.trace) {
				t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.trace, "\n"))
			}
			pamtest.NoSecrets(t, map[string]string{"error": fmt.Sprintf("%v | %+v | %#v", err, err, err)},
				append(tap.tokens(), appSecret, wrongSecret)...)
			if !tc.recovers {
				return
			}
			// The next attempt signs in afresh, with a new token.
			before := len(e.sim.Requests())
			if _, err := e.client.Execute(ctx, quarantine(actions.UserRef{Username: "jdoe"})); err != nil {
				t.Fatal(err)
			}
			want := []string{"POST Auth/connect/token 200", "POST Auth/SignAppin 200", "GET Users 200", "POST Users/12/Quarantine 200"}
			if got := e.trace(before); !sameStrings(got, want) {
				t.Errorf("second attempt:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

func TestOAuthExpiryReSignsInOnce(t *testing.T) {
	cases := []struct {
		name    string
		expire  func(*env)
		signIns int // token requests and SignAppins in all
	}{
		{"session expired on demand", func(e *env) { e.sim.ExpireSessions() }, 2},
		{"session idle timeout", func(e *env) { e.clock.Advance(sim.SessionIdleTimeout + time.Second) }, 2},
		{"token and session expired", func(e *env) { e.clock.Advance(sim.TokenLifetime + time.Second) }, 2},
		{"tokens revoked and sessions ended", func(e *env) { e.sim.ExpireTokens(); e.sim.ExpireSessions() }, 2},
		// The token serves SignAppin only: its expiry alone changes nothing.
		{"token expired, session alive", func(e *env) { e.sim.ExpireTokens() }, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, tap := newOAuthEnv(t, nil, nil)
			ctx := context.Background()
			if _, err := e.client.Execute(ctx, quarantine(actions.UserRef{Username: "jdoe"})); err != nil {
				t.Fatal(err)
			}
			tc.expire(e)
			before := len(e.sim.Requests())
			out, err := e.client.Execute(ctx, quarantine(actions.UserRef{Username: "asmith"}))
			if err != nil || out.Status != actions.StatusCompleted {
				t.Fatalf("after expiry: %+v, %v", out, err)
			}
			want := []string{"GET Users 200", "POST Users/13/Quarantine 200"}
			if tc.signIns == 2 {
				want = []string{"GET Users 401", "POST Auth/connect/token 200", "POST Auth/SignAppin 200", "GET Users 200", "POST Users/13/Quarantine 200"}
			}
			if got := e.trace(before); !sameStrings(got, want) {
				t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if e.tokenRequests() != tc.signIns || e.signIns() != tc.signIns || len(tap.tokens()) != tc.signIns {
				t.Errorf("%d token requests, %d tokens, %d sign-ins; want %d each", e.tokenRequests(), len(tap.tokens()), e.signIns(), tc.signIns)
			}
			if u, _ := e.sim.User(13); !u.IsQuarantined {
				t.Error("asmith not quarantined")
			}
		})
	}
}

func TestOAuthSecond401IsPermanent(t *testing.T) {
	e, _ := newOAuthEnv(t, nil, nil)
	e.sim.Inject("POST Users/{id}/Quarantine", simkit.Fault{Status: 401, Times: 2})
	_, err := e.client.Execute(context.Background(), quarantine(actions.UserRef{Username: "jdoe"}))
	failure{permanent: true, status: 401, contains: "after signing in again"}.check(t, err)
	if e.tokenRequests() != 2 || e.signIns() != 2 || e.sim.Count("POST Users/{id}/Quarantine") != 2 {
		t.Errorf("%d token requests, %d sign-ins, %d POSTs; want 2 each (one re-sign-in, one repeat)",
			e.tokenRequests(), e.signIns(), e.sim.Count("POST Users/{id}/Quarantine"))
	}
}

func TestOAuthConcurrentActionsShareOneReSignIn(t *testing.T) {
	const n = 16
	e, _ := newOAuthEnv(t, func(o *sim.Options, _ *beyondinsight.Config) {
		for i := range n {
			o.Users = append(o.Users, sim.User{UserID: 100 + i, UserName: fmt.Sprintf("user%02d", i)})
		}
	}, nil)
	ctx := context.Background()
	run := func(offset int) {
		var wg sync.WaitGroup
		for i := range n / 2 {
			wg.Go(func() {
				if _, err := e.client.Execute(ctx, quarantine(actions.UserRef{TargetID: fmt.Sprint(100 + offset + i)})); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	run(0)
	e.sim.ExpireSessions()
	e.sim.ExpireTokens()
	run(n / 2)
	if e.tokenRequests() != 2 || e.signIns() != 2 {
		t.Errorf("%d token requests, %d sign-ins; want 2 each", e.tokenRequests(), e.signIns())
	}
}

// echoer answers, while on, like a vendor that quotes the request in its
// error: the token request's form, or SignAppin's Authorization header.
type echoer struct{ form, authorization atomic.Bool }

func (x *echoer) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := strings.ToLower(r.URL.Path)
		switch {
		case x.form.Load() && strings.HasSuffix(path, "/auth/connect/token"):
			b, _ := io.ReadAll(r.Body)
			http.Error(w, "bad request: "+string(b), http.StatusBadRequest)
		case x.authorization.Load() && strings.HasSuffix(path, "/auth/signappin"):
			http.Error(w, "refused Authorization: "+r.Header.Get("Authorization"), http.StatusForbidden)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// TestOAuthCredentialsNeverLeak makes the OAuth client fail every way that
// could quote the client secret or a token, succeed, and sign in again,
// then looks for the secret and every token issued in the errors, the
// formatted client and configuration, a log line and the request log.
func TestOAuthCredentialsNeverLeak(t *testing.T) {
	echo := &echoer{}
	var cfg beyondinsight.Config
	e, tap := newOAuthEnv(t, func(_ *sim.Options, c *beyondinsight.Config) { cfg = *c }, echo.wrap)
	ctx := context.Background()
	jdoe := quarantine(actions.UserRef{Username: "jdoe"})
	var errs []error
	fail := func(a actions.Action, contains string) {
		t.Helper()
		_, err := e.client.Execute(ctx, a)
		if err == nil || !strings.Contains(err.Error(), contains) {
			t.Fatalf("got %v, want an error with %q", err, contains)
		}
		errs = append(errs, err)
	}

	echo.form.Store(true)
	fail(jdoe, "client_secret=[REDACTED]")
	echo.form.Store(false)
	echo.authorization.Store(true)
	fail(jdoe, "refused Authorization: Bearer [REDACTED]")
	echo.authorization.Store(false)
	for _, status := range []int{503, 400} {
		e.sim.Inject("POST Users/{id}/Quarantine", simkit.Fault{Status: status, Times: 1})
		fail(jdoe, fmt.Sprint(status))
	}
	if _, err := e.client.Execute(ctx, jdoe); err != nil {
		t.Fatal(err)
	}
	e.sim.ExpireSessions()
	if _, err := e.client.Execute(ctx, quarantine(actions.UserRef{Username: "asmith"})); err != nil {
		t.Fatal(err)
	}

	refused, refusedTap := newOAuthEnv(t, func(_ *sim.Options, c *beyondinsight.Config) { c.ClientSecret = secret.New(wrongSecret) }, nil)
	_, err := refused.client.Execute(ctx, jdoe)
	if err == nil || !actions.IsPermanent(err) {
		t.Fatalf("wrong secret: %v, want a permanent error", err)
	}
	errs = append(errs, err)

	tokens := append(tap.tokens(), refusedTap.tokens()...)
	if len(tokens) < 3 {
		t.Fatalf("%d tokens issued, want at least 3 (echoed sign-in, first session, re-sign-in)", len(tokens))
	}
	requests := append(e.sim.Requests(), refused.sim.Requests()...)
	dump, _ := json.Marshal(requests)
	var logged bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logged, nil))
	places := map[string]string{
		"request log (JSON)": string(dump),
		"request log (%+v)":  fmt.Sprintf("%+v", requests),
		"config":             fmt.Sprintf("%v | %+v | %#v", cfg, cfg, cfg),
	}
	for name, c := range map[string]*beyondinsight.Client{"client": e.client, "refused client": refused.client} {
		places[name] = fmt.Sprintf("%v | %+v | %#v", c, c, c)
	}
	for i, err := range errs {
		places[fmt.Sprintf("error %d", i)] = fmt.Sprintf("%s | %v | %+v | %#v", err.Error(), err, err, err)
		log.Error("action failed", "err", err, "config", cfg)
	}
	places["log"] = logged.String()
	pamtest.NoSecrets(t, places, append(tokens, appSecret, wrongSecret)...)
}
