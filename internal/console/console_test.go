package console_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/api"
	"github.com/quell-dev/quell/internal/api/auth"
	"github.com/quell-dev/quell/internal/console"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/quelltest"
	"github.com/quell-dev/quell/internal/safety"
	"github.com/quell-dev/quell/internal/secret"
)

// Tokens of the unit tests. The secret is the name with a suffix; every
// answer the tests read is checked for every secret.
var unitTokens = map[string][]auth.Scope{
	"reader":    {auth.ActionsRead},
	"approver":  {auth.ActionsRead, auth.Approve},
	"approver2": {auth.ActionsRead, auth.Approve},
	"siem":      {auth.EventsWrite},
	"oncall":    {auth.ActionsRead, auth.Operate, auth.ActionsWrite},
}

func secretOf(name string) string { return name + "-console-secret-0123456789" }

// env is NATS with the streams, the API on its own mux and the console
// mounted on a loopback server, with a clock the test moves.
type env struct {
	t    *testing.T
	js   jetstream.JetStream
	url  string
	stop context.CancelFunc

	mu  sync.Mutex
	now time.Time
}

func newEnv(t *testing.T) *env {
	t.Helper()
	n := quelltest.StartNATS(t)
	var tokens auth.Tokens
	for name, scopes := range unitTokens {
		tokens = append(tokens, auth.Token{Name: name, Token: secret.New(secretOf(name)), Scopes: scopes})
	}
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e := &env{t: t, js: n.JS, stop: cancel, now: time.Now()}
	apiMux := http.NewServeMux()
	api.New(api.Config{JS: n.JS, Tokens: tokens, FourEyes: true, Stop: ctx, Logger: log}).Mount(apiMux)
	c, err := console.New(console.Config{JS: n.JS, API: apiMux, Tokens: tokens, Stop: ctx, Logger: log, Now: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	c.Mount(mux)
	srv := httptest.NewServer(mux)
	e.url = srv.URL
	t.Cleanup(func() { cancel(); srv.Close() })
	return e
}

func (e *env) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *env) advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = e.now.Add(d)
}

// browser is a client with a cookie jar that does not follow redirects,
// so the tests see them.
type client struct {
	e    *env
	http *http.Client
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, http: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends a request; it fails the test if the answer carries any token.
func (b *client) do(method, path string, form url.Values, header map[string]string) (*http.Response, string) {
	b.e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.e.url+path, body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := b.http.Do(req)
	if err != nil {
		b.e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for name := range unitTokens {
		if strings.Contains(string(raw), secretOf(name)) || strings.Contains(strings.Join(resp.Header.Values("Set-Cookie"), ";"), secretOf(name)) {
			b.e.t.Fatalf("%s %s: the answer contains token %s", method, path, name)
		}
	}
	return resp, string(raw)
}

func (b *client) signIn(token string) *http.Response {
	b.e.t.Helper()
	resp, _ := b.do("POST", "/ui/login", url.Values{"token": {token}}, nil)
	return resp
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the form token from a page.
func (b *client) csrf(page string) string {
	b.e.t.Helper()
	_, body := b.do("GET", page, nil, nil)
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		b.e.t.Fatalf("no csrf field on %s:\n%s", page, body)
	}
	return m[1]
}

func signedIn(t *testing.T, e *env, name string) *client {
	t.Helper()
	b := e.client()
	if resp := b.signIn(secretOf(name)); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/" {
		t.Fatalf("sign in as %s: %d %s", name, resp.StatusCode, resp.Header.Get("Location"))
	}
	return b
}

// park stores a as the blast-radius guard does, requested by requestedBy.
func (e *env) park(id, requestedBy string) {
	e.t.Helper()
	a := actions.Action{ID: id, Kind: actions.Quarantine, Target: "bi", User: actions.UserRef{Username: "jdoe"},
		RequestedBy: requestedBy, RequestedAt: time.Now().UTC()}
	kv, err := e.js.KeyValue(context.Background(), events.BucketParked)
	if err != nil {
		e.t.Fatal(err)
	}
	b, _ := json.Marshal(safety.Parked{Action: a, Reason: "past the blast radius", ParkedAt: time.Now().UTC()})
	if _, err := kv.Create(context.Background(), id, b); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) stillParked(id string) bool {
	kv, err := e.js.KeyValue(context.Background(), events.BucketParked)
	if err != nil {
		e.t.Fatal(err)
	}
	_, err = kv.Get(context.Background(), id)
	return err == nil
}

const parkedUnitID = "act_0123456789abcdef0123456789abcdef"

func TestSignIn(t *testing.T) {
	e := newEnv(t)
	b := e.client()
	resp := b.signIn(secretOf("approver"))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/" {
		t.Fatalf("good token: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	cookies := resp.Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies: %v", cookies)
	}
	c := cookies[0]
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/ui" || c.Secure || c.MaxAge <= 0 || c.Value == "" {
		t.Fatalf("cookie flags: %+v", c)
	}
	if resp, body := b.do("GET", "/ui/", nil, nil); resp.StatusCode != 200 || !strings.Contains(body, "Recent actions") || !strings.Contains(body, "approver") {
		t.Fatalf("actions page: %d %s", resp.StatusCode, body)
	}

	for name, tc := range map[string]struct {
		token  string
		status int
		says   string
	}{
		"wrong token":       {"not-a-token-0123456789", 401, "not valid"},
		"empty":             {"", 401, "not valid"},
		"no actions:read":   {secretOf("siem"), 403, "lacks the actions:read scope"},
		"another's secret+": {secretOf("reader") + "x", 401, "not valid"},
	} {
		t.Run(name, func(t *testing.T) {
			b := e.client()
			resp, body := b.do("POST", "/ui/login", url.Values{"token": {tc.token}}, nil)
			if resp.StatusCode != tc.status || !strings.Contains(body, tc.says) || len(resp.Cookies()) != 0 {
				t.Fatalf("%d cookies %v: %s", resp.StatusCode, resp.Cookies(), body)
			}
			if tc.token != "" && strings.Contains(body, tc.token) {
				t.Fatal("the sign-in page repeats the token")
			}
			if resp, _ := b.do("GET", "/ui/", nil, nil); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("not signed in, yet %d", resp.StatusCode)
			}
		})
	}
}

func TestSecureCookieBehindTLSProxy(t *testing.T) {
	e := newEnv(t)
	resp, _ := e.client().do("POST", "/ui/login", url.Values{"token": {secretOf("reader")}}, map[string]string{"X-Forwarded-Proto": "https"})
	if c := resp.Cookies(); len(c) != 1 || !c[0].Secure {
		t.Fatalf("cookies: %v", c)
	}
}

func TestNotSignedIn(t *testing.T) {
	e := newEnv(t)
	b := e.client()
	for _, tc := range []struct{ method, path string }{{"GET", "/ui/"}, {"GET", "/ui/parked"}, {"GET", "/ui/actions/" + parkedUnitID}} {
		if resp, _ := b.do(tc.method, tc.path, nil, nil); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/login" {
			t.Fatalf("%s %s: %d %s", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if resp, _ := b.do("GET", "/ui/stream", nil, nil); resp.StatusCode != 401 {
		t.Fatalf("stream: %d", resp.StatusCode)
	}
	e.park(parkedUnitID, "policy")
	if resp, _ := b.do("POST", "/ui/parked/"+parkedUnitID+"/approve", url.Values{"reason": {"x"}}, nil); resp.StatusCode != 401 || !e.stillParked(parkedUnitID) {
		t.Fatalf("approve without a session: %d", resp.StatusCode)
	}
}

func TestCSRFRefusals(t *testing.T) {
	e := newEnv(t)
	e.park(parkedUnitID, "policy")
	b := signedIn(t, e, "approver")
	good := b.csrf("/ui/parked")
	path := "/ui/parked/" + parkedUnitID + "/approve"
	for name, tc := range map[string]struct {
		form   url.Values
		header map[string]string
	}{
		"no token":           {url.Values{"reason": {"r"}}, nil},
		"wrong token":        {url.Values{"reason": {"r"}, "csrf": {good + "x"}}, nil},
		"another's token":    {url.Values{"reason": {"r"}, "csrf": {signedIn(t, e, "approver2").csrf("/ui/parked")}}, nil},
		"cross-site fetch":   {url.Values{"reason": {"r"}, "csrf": {good}}, map[string]string{"Sec-Fetch-Site": "cross-site"}},
		"cross-origin":       {url.Values{"reason": {"r"}, "csrf": {good}}, map[string]string{"Origin": "https://evil.example"}},
		"cross-origin login": {nil, nil},
	} {
		t.Run(name, func(t *testing.T) {
			if name == "cross-origin login" {
				resp, _ := e.client().do("POST", "/ui/login", url.Values{"token": {secretOf("approver")}}, map[string]string{"Origin": "https://evil.example"})
				if resp.StatusCode != 403 || len(resp.Cookies()) != 0 {
					t.Fatalf("login from another origin: %d", resp.StatusCode)
				}
				return
			}
			if resp, body := b.do("POST", path, tc.form, tc.header); resp.StatusCode != 403 {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			if !e.stillParked(parkedUnitID) {
				t.Fatal("approved despite the refusal")
			}
		})
	}
	// The same form with the right token and a same-origin browser works.
	resp, _ := b.do("POST", path, url.Values{"reason": {"confirmed"}, "csrf": {good}}, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": e.url})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/actions/"+parkedUnitID+"?decided=approved" || e.stillParked(parkedUnitID) {
		t.Fatalf("approve: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestApproveNeedsTheApproveScope(t *testing.T) {
	e := newEnv(t)
	e.park(parkedUnitID, "policy")
	b := signedIn(t, e, "reader")
	_, page := b.do("GET", "/ui/parked", nil, nil)
	if strings.Contains(page, `class="approve"`) || !strings.Contains(page, "needs the approve scope") {
		t.Fatalf("a reader is offered the approve button:\n%s", page)
	}
	csrf := b.csrf("/ui/")
	for _, d := range []string{"approve", "reject"} {
		resp, body := b.do("POST", "/ui/parked/"+parkedUnitID+"/"+d, url.Values{"reason": {"r"}, "csrf": {csrf}}, nil)
		if resp.StatusCode != 403 || !strings.Contains(body, "lacks the approve scope") || !e.stillParked(parkedUnitID) {
			t.Fatalf("%s as reader: %d %s", d, resp.StatusCode, body)
		}
	}
	if resp, _ := b.do("GET", "/ui/dlq", nil, nil); resp.StatusCode != 403 {
		t.Fatalf("DLQ as reader: %d", resp.StatusCode)
	}
}

func TestFourEyes(t *testing.T) {
	e := newEnv(t)
	e.park(parkedUnitID, "approver:alice")
	b := signedIn(t, e, "approver")
	_, page := b.do("GET", "/ui/parked", nil, nil)
	if !strings.Contains(page, "you requested this") {
		t.Fatalf("the page does not warn the requester:\n%s", page)
	}
	csrf := csrfRE.FindStringSubmatch(page)[1]
	resp, body := b.do("POST", "/ui/parked/"+parkedUnitID+"/approve", url.Values{"reason": {"mine"}, "csrf": {csrf}}, nil)
	if resp.StatusCode != 403 || !strings.Contains(body, "cannot approve it too") || !e.stillParked(parkedUnitID) {
		t.Fatalf("own approval: %d %s", resp.StatusCode, body)
	}
	other := signedIn(t, e, "approver2")
	resp, _ = other.do("POST", "/ui/parked/"+parkedUnitID+"/approve", url.Values{"reason": {"ok"}, "csrf": {other.csrf("/ui/parked")}}, nil)
	if resp.StatusCode != http.StatusSeeOther || e.stillParked(parkedUnitID) {
		t.Fatalf("another approver: %d", resp.StatusCode)
	}
}

func TestRejectNeedsAReason(t *testing.T) {
	e := newEnv(t)
	e.park(parkedUnitID, "policy")
	b := signedIn(t, e, "approver")
	resp, body := b.do("POST", "/ui/parked/"+parkedUnitID+"/reject", url.Values{"csrf": {b.csrf("/ui/parked")}}, nil)
	if resp.StatusCode != 400 || !strings.Contains(body, "reason") || !e.stillParked(parkedUnitID) {
		t.Fatalf("reject without reason: %d %s", resp.StatusCode, body)
	}
}

var inlineScript = regexp.MustCompile(`<script(\s[^>]*)?>\s*[^<\s]`)

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	b := signedIn(t, e, "approver")
	for _, path := range []string{"/ui/login", "/ui/", "/ui/parked", "/ui/events", "/ui/static/console.js"} {
		resp, body := b.do("GET", path, nil, nil)
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		if resp.StatusCode != 200 || !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") ||
			strings.Contains(csp, "unsafe-inline") || h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" ||
			h.Get("Referrer-Policy") != "same-origin" || h.Get("Cache-Control") != "no-store" {
			t.Fatalf("%s: %d %v", path, resp.StatusCode, h)
		}
		if inlineScript.MatchString(body) || strings.Contains(body, " on") && regexp.MustCompile(`\son[a-z]+="`).MatchString(body) {
			t.Fatalf("%s has inline script", path)
		}
	}
}

func TestLogoutAndExpiry(t *testing.T) {
	e := newEnv(t)
	b := signedIn(t, e, "reader")
	resp, _ := b.do("POST", "/ui/logout", url.Values{"csrf": {b.csrf("/ui/")}}, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/login" {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	if resp, _ := b.do("GET", "/ui/", nil, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after logout: %d", resp.StatusCode)
	}

	b = signedIn(t, e, "reader")
	if resp, _ := b.do("GET", "/ui/", nil, nil); resp.StatusCode != 200 {
		t.Fatalf("before expiry: %d", resp.StatusCode)
	}
	e.advance(console.DefaultSessionTTL + time.Minute)
	if resp, _ := b.do("GET", "/ui/", nil, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after expiry: %d", resp.StatusCode)
	}
}

func TestStreamSendsResultsAndEndsAtShutdown(t *testing.T) {
	e := newEnv(t)
	b := signedIn(t, e, "reader")
	req, _ := http.NewRequest("GET", e.url+"/ui/stream", nil)
	resp, err := b.http.Do(req)
	if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %v %v", err, resp)
	}
	defer resp.Body.Close()
	a := actions.Action{ID: parkedUnitID, Kind: actions.Quarantine, Target: "bi", User: actions.UserRef{Username: "jdoe"}}
	r := events.ActionResult{Action: a, Status: actions.StatusCompleted, Reason: "user quarantined", FinishedAt: time.Now()}
	ev, err := events.NewResult(r)
	if err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 16)
	go func() {
		defer close(lines)
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			if n > 0 {
				lines <- string(buf[:n])
			}
			if err != nil {
				return
			}
		}
	}()
	<-lines // ": live": the consumer is there
	if _, err := events.NewPublisher(e.js).Publish(context.Background(), events.ResultSubject("bi", "quarantine"), ev); err != nil {
		t.Fatal(err)
	}
	var got string
	for !strings.Contains(got, "\n\n") || !strings.Contains(got, "event: result") {
		select {
		case s := <-lines:
			got += s
		case <-time.After(10 * time.Second):
			t.Fatalf("no result event; got %q", got)
		}
	}
	if !strings.Contains(got, `"id":"`+parkedUnitID+`"`) || !strings.Contains(got, `"state":"completed"`) || !strings.Contains(got, "id: ") {
		t.Fatalf("event: %q", got)
	}
	e.stop() // the server shuts down: the stream must end
	select {
	case _, open := <-lines:
		for open {
			_, open = <-lines
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the stream did not end at shutdown")
	}
}

// The pages without a browser test: they render, and the API's refusals
// come through as pages with the API's status.
func TestOtherPages(t *testing.T) {
	e := newEnv(t)
	b := signedIn(t, e, "oncall")
	for path, want := range map[string]struct {
		status int
		says   string
	}{
		"/ui/dlq":                         {200, "The DLQ is empty"},
		"/ui/dlq?stage=execute":           {200, "The DLQ is empty"},
		"/ui/events":                      {200, "Event id"},
		"/ui/events/evt-unknown":          {404, "no event evt-unknown"},
		"/ui/actions/" + parkedUnitID:     {404, "no action"},
		"/ui/?user=jdoe&status=completed": {200, "No results"},
		"/ui/?since=not-a-duration":       {400, "since"},
		"/ui/parked":                      {200, "Nothing is waiting"},
		"/ui/static/console.css":          {200, "--accent"},
		"/ui/events?id=evt-1":             {303, ""},
	} {
		resp, body := b.do("GET", path, nil, nil)
		if resp.StatusCode != want.status || !strings.Contains(body, want.says) {
			t.Errorf("%s: %d, want %d with %q:\n%.400s", path, resp.StatusCode, want.status, want.says, body)
		}
	}
	csrf := b.csrf("/ui/dlq")
	resp, body := b.do("POST", "/ui/dlq/42/replay", url.Values{"csrf": {csrf}, "dry_run": {"on"}}, nil)
	if resp.StatusCode != 404 || !strings.Contains(body, "no DLQ entry 42") {
		t.Errorf("replay of nothing: %d %s", resp.StatusCode, body)
	}
	resp, body = b.do("POST", "/ui/actions/"+parkedUnitID+"/undo", url.Values{"csrf": {csrf}, "reason": {"fp"}}, nil)
	if resp.StatusCode != 404 {
		t.Errorf("undo of nothing: %d %s", resp.StatusCode, body)
	}
	resp, _ = b.do("POST", "/ui/parked/"+parkedUnitID+"/delete", url.Values{"csrf": {csrf}}, nil)
	if resp.StatusCode != 403 && resp.StatusCode != 404 {
		t.Errorf("unknown decision: %d", resp.StatusCode)
	}
}
