package sim_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/pam/beyondinsight/sim"
	"github.com/quell-dev/quell/internal/pam/pamtest"
)

// appClientID is the ClientID of DefaultUsers' Application user
// svc-pam-worker (57); appSecret the secret the tests bind to it.
const (
	appClientID = "6c4a0a3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f"
	appSecret   = "Xq7vR2mN9pL4sT8wK3yB6cF1hJ5dG0zA2eU7iO4"
)

// oauthEnv is a simulator with PS-Auth and the OAuth client of
// svc-pam-worker.
func oauthEnv(t *testing.T, opts sim.Options) *env {
	t.Helper()
	opts.OAuthClients = map[string]string{appClientID: appSecret}
	return newEnv(t, opts)
}

// postToken sends a token request with contentType and body, returning the
// status, the answer and its Cache-Control header.
func (e *env) postToken(t *testing.T, contentType, body string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest("POST", e.url+sim.APIPrefix+"/Auth/connect/token", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := e.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("Cache-Control")
}

// tokenForm is the client-credentials form for id and secret.
func tokenForm(id, secret string) string {
	return url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}.Encode()
}

// getToken asks for a token with the bound credentials and returns it.
func (e *env) getToken(t *testing.T) string {
	t.Helper()
	status, body, _ := e.postToken(t, "application/x-www-form-urlencoded", tokenForm(appClientID, appSecret))
	var answer struct {
		AccessToken string `json:"access_token"`
	}
	if status != 200 || json.Unmarshal([]byte(body), &answer) != nil || answer.AccessToken == "" {
		t.Fatalf("token: %d %s", status, body)
	}
	return answer.AccessToken
}

func TestTokenEndpoint(t *testing.T) {
	const form = "application/x-www-form-urlencoded"
	cases := []struct {
		name, contentType, body string
		want                    int
		wantError               string // the OAuth error code; "" for success
	}{
		{"good", form, tokenForm(appClientID, appSecret), 200, ""},
		{"charset parameter", form + "; charset=utf-8", tokenForm(appClientID, appSecret), 200, ""},
		{"client id in upper case", form, tokenForm(strings.ToUpper(appClientID), appSecret), 200, ""},
		{"wrong secret", form, tokenForm(appClientID, appSecret+"x"), 401, "invalid_client"},
		{"empty secret", form, tokenForm(appClientID, ""), 401, "invalid_client"},
		{"unknown client", form, tokenForm("00000000-0000-0000-0000-000000000000", appSecret), 401, "invalid_client"},
		{"no client", form, "grant_type=client_credentials", 401, "invalid_client"},
		{"other grant", form, strings.Replace(tokenForm(appClientID, appSecret), "client_credentials", "password", 1), 400, "unsupported_grant_type"},
		{"no grant", form, "client_id=" + appClientID + "&client_secret=" + appSecret, 400, "invalid_request"},
		{"JSON body", "application/json", `{"grant_type":"client_credentials","client_id":"` + appClientID + `","client_secret":"` + appSecret + `"}`, 400, "invalid_request"},
		{"bad encoding", form, "grant_type=%zz", 400, "invalid_request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := oauthEnv(t, sim.Options{})
			status, body, cache := e.postToken(t, tc.contentType, tc.body)
			if status != tc.want || cache != "no-store" {
				t.Fatalf("%d %s (Cache-Control %q), want %d, no-store", status, body, cache, tc.want)
			}
			var answer map[string]any
			if err := json.Unmarshal([]byte(body), &answer); err != nil {
				t.Fatalf("answer %q: %v", body, err)
			}
			if tc.wantError != "" {
				if answer["error"] != tc.wantError || len(answer) != 1 || e.sim.Tokens() != 0 {
					t.Errorf("answer %s, %d tokens; want only error %q and no token", body, e.sim.Tokens(), tc.wantError)
				}
				return
			}
			token, _ := answer["access_token"].(string)
			if len(token) < 32 || answer["expires_in"] != float64(3600) || answer["token_type"] != "Bearer" || answer["scope"] != sim.TokenScope {
				t.Errorf("answer %s", body)
			}
			if e.sim.Tokens() != 1 {
				t.Errorf("%d tokens live, want 1", e.sim.Tokens())
			}
		})
	}
}

func TestTokensAreNewEachTime(t *testing.T) {
	e := oauthEnv(t, sim.Options{})
	if a, b := e.getToken(t), e.getToken(t); a == b {
		t.Error("two token requests got the same token")
	}
}

func TestSignAppInWithBearerToken(t *testing.T) {
	bearer := func(token string) []string { return []string{"Authorization", "Bearer " + token} }
	cases := []struct {
		name   string
		header func(e *env, token string) []string
		want   int
	}{
		{"valid token", func(_ *env, tok string) []string { return bearer(tok) }, 200},
		{"scheme in lower case", func(_ *env, tok string) []string { return []string{"Authorization", "bearer " + tok} }, 200},
		{"just before expiry", func(e *env, tok string) []string {
			e.clock.Advance(sim.TokenLifetime - time.Second)
			return bearer(tok)
		}, 200},
		{"expired by the clock", func(e *env, tok string) []string { e.clock.Advance(sim.TokenLifetime); return bearer(tok) }, 401},
		{"expired on demand", func(e *env, tok string) []string { e.sim.ExpireTokens(); return bearer(tok) }, 401},
		{"unknown token", func(*env, string) []string { return bearer("abc") }, 401},
		{"empty token", func(*env, string) []string { return bearer("") }, 401},
		{"quarantined application user", func(e *env, tok string) []string {
			u, _ := e.sim.User(57)
			u.IsQuarantined = true
			e.sim.PutUser(u)
			return bearer(tok)
		}, 401},
		{"user no longer an application user", func(e *env, tok string) []string {
			u, _ := e.sim.User(57)
			u.UserType = sim.TypeBeyondInsight
			e.sim.PutUser(u)
			return bearer(tok)
		}, 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := oauthEnv(t, sim.Options{})
			token := e.getToken(t)
			status, body := e.do(t, "POST", sim.APIPrefix+"/Auth/SignAppIn", tc.header(e, token)...)
			if status != tc.want {
				t.Fatalf("%d %s, want %d", status, body, tc.want)
			}
			if strings.Contains(body, token) {
				t.Error("the answer echoes the token")
			}
			if tc.want != 200 {
				if e.sim.Sessions() != 0 {
					t.Errorf("%d sessions after a refused sign-in", e.sim.Sessions())
				}
				return
			}
			var got struct {
				UserId   int
				UserName string
			}
			if err := json.Unmarshal([]byte(body), &got); err != nil || got.UserId != 57 || got.UserName != "svc-pam-worker" {
				t.Errorf("answer %s; want the Application user svc-pam-worker (57)", body)
			}
			// The session works with the cookie alone.
			if status, _ := e.do(t, "GET", sim.APIPrefix+"/Users/12"); status != 200 || e.sim.Sessions() != 1 {
				t.Errorf("GET after sign-in: %d, %d sessions", status, e.sim.Sessions())
			}
		})
	}
}

// A session outlives the token that opened it: it ends by idle timeout.
func TestSessionOutlivesToken(t *testing.T) {
	e := oauthEnv(t, sim.Options{})
	if status, _ := e.do(t, "POST", sim.APIPrefix+"/Auth/SignAppIn", "Authorization", "Bearer "+e.getToken(t)); status != 200 {
		t.Fatalf("sign-in: %d", status)
	}
	for range 4 {
		e.clock.Advance(sim.SessionIdleTimeout - time.Minute)
		if status, _ := e.do(t, "GET", sim.APIPrefix+"/Users/12"); status != 200 {
			t.Fatalf("GET %v after sign-in: %d", e.clock.Now().Sub(pamtest.Epoch), status)
		}
	}
	if e.sim.Tokens() != 0 {
		t.Errorf("%d tokens live after %v", e.sim.Tokens(), e.clock.Now().Sub(pamtest.Epoch))
	}
}

func TestRecycledSecretEndsOAuthClient(t *testing.T) {
	e := oauthEnv(t, sim.Options{})
	e.signIn(t) // PS-Auth, to recycle
	status, body := e.do(t, "POST", sim.APIPrefix+"/Users/57/RecycleClientSecret")
	var fresh string
	if status != 200 || json.Unmarshal([]byte(body), &fresh) != nil {
		t.Fatalf("recycle: %d %s", status, body)
	}
	if status, _, _ := e.postToken(t, "application/x-www-form-urlencoded", tokenForm(appClientID, appSecret)); status != 401 {
		t.Errorf("old secret: %d, want 401", status)
	}
	if status, _, _ := e.postToken(t, "application/x-www-form-urlencoded", tokenForm(appClientID, fresh)); status != 200 {
		t.Errorf("recycled secret: %d, want 200", status)
	}
}

func TestOAuthOnlySimulator(t *testing.T) {
	clock := pamtest.NewClock()
	s := sim.New(sim.Options{Users: sim.DefaultUsers(), OAuthClients: map[string]string{appClientID: appSecret}, Now: clock.Now})
	e := &env{sim: s, url: pamtest.Serve(t, s), hc: &http.Client{}, clock: clock}
	if status, _ := e.do(t, "POST", sim.APIPrefix+"/Auth/SignAppIn", "Authorization", "PS-Auth key=x; runas=svc-pam-worker;"); status != 401 {
		t.Errorf("PS-Auth on an OAuth-only simulator: %d, want 401", status)
	}
	if status, body := e.do(t, "POST", sim.APIPrefix+"/Auth/SignAppIn", "Authorization", "Bearer "+e.getToken(t)); status != 200 {
		t.Errorf("bearer sign-in: %d %s", status, body)
	}
	if n := len(s.Users()); n != len(sim.DefaultUsers()) {
		t.Errorf("%d users; no run-as user should be added", n)
	}
}

func TestTokenLifetimeOption(t *testing.T) {
	e := oauthEnv(t, sim.Options{TokenLifetime: time.Minute})
	_, body, _ := e.postToken(t, "application/x-www-form-urlencoded", tokenForm(appClientID, appSecret))
	if !strings.Contains(body, `"expires_in":60`) {
		t.Errorf("answer %s, want expires_in 60", body)
	}
	e.clock.Advance(time.Minute)
	if e.sim.Tokens() != 0 {
		t.Error("token alive past its lifetime")
	}
}

func TestRequestLogHidesOAuthCredentials(t *testing.T) {
	e := oauthEnv(t, sim.Options{})
	token := e.getToken(t)
	e.postToken(t, "application/x-www-form-urlencoded", "client_secret="+url.QueryEscape(appSecret+"&x")+"&client%5Fsecret=second"+appSecret+"&grant_type=client_credentials&client_id="+appClientID)
	e.do(t, "POST", sim.APIPrefix+"/Auth/SignAppIn", "Authorization", "Bearer "+token)
	e.do(t, "POST", sim.APIPrefix+"/Auth/SignAppIn", "Authorization", token) // no scheme at all
	reqs := e.sim.Requests()
	if len(reqs) != 4 {
		t.Fatalf("%d entries", len(reqs))
	}
	if got, want := reqs[0].Body, "client_id="+appClientID+"&client_secret=[REDACTED]&grant_type=client_credentials"; got != want {
		t.Errorf("token form logged as %q, want %q", got, want)
	}
	if got, want := reqs[1].Body, "client_secret=[REDACTED]&client_secret=[REDACTED]&grant_type=client_credentials&client_id="+appClientID; got != want {
		t.Errorf("odd token form logged as %q, want %q", got, want)
	}
	if got := reqs[2].Header.Get("Authorization"); got != "Bearer [REDACTED]" {
		t.Errorf("bearer logged as %q", got)
	}
	if got := reqs[3].Header.Get("Authorization"); got != "[REDACTED]" {
		t.Errorf("bare credential logged as %q", got)
	}
	dump, _ := json.Marshal(reqs)
	for where, text := range map[string]string{"JSON": string(dump), "%+v": fmt.Sprintf("%+v", reqs)} {
		for _, s := range []string{appSecret, token} {
			if strings.Contains(text, s) {
				t.Errorf("request log (%s) contains %q", where, s)
			}
		}
	}
}

func TestNewPanicsOnBadOAuthOptions(t *testing.T) {
	for name, opts := range map[string]sim.Options{
		"nothing":           {Users: sim.DefaultUsers()},
		"no such client":    {Users: sim.DefaultUsers(), OAuthClients: map[string]string{"00000000-0000-0000-0000-000000000000": appSecret}},
		"not an app user":   {Users: []sim.User{{UserID: 1, UserName: "a", ClientID: appClientID}}, OAuthClients: map[string]string{appClientID: appSecret}},
		"empty secret":      {Users: sim.DefaultUsers(), OAuthClients: map[string]string{appClientID: ""}},
		"key without runas": {APIKey: "k", Users: sim.DefaultUsers(), OAuthClients: map[string]string{appClientID: appSecret}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: New did not panic", name)
				}
			}()
			sim.New(opts)
		}()
	}
}
