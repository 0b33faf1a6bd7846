package api_test

import (
	"net/http"
	"testing"

	"github.com/quell-dev/quell/internal/api"
	"github.com/quell-dev/quell/internal/api/auth"
)

// endpoint is one route with a request the scope check sees.
type endpoint struct {
	method, path string
	body         any
	scope        auth.Scope
}

var endpoints = []endpoint{
	{"POST", "/v1/events", map[string]any{"specversion": "1.0", "id": "e1", "source": "/t", "type": "t"}, auth.EventsWrite},
	{"POST", "/v1/actions", map[string]any{"action": "quarantine", "target": "bi", "user": "jdoe", "reason": "scope test"}, auth.ActionsWrite},
	{"GET", "/v1/actions/act_x", nil, auth.ActionsRead},
	{"GET", "/v1/actions", nil, auth.ActionsRead},
	{"POST", "/v1/actions/act_x/undo", map[string]any{"reason": "r"}, auth.ActionsWrite},
	{"GET", "/v1/events/e1", nil, auth.ActionsRead},
	{"GET", "/v1/parked", nil, auth.ActionsRead},
	{"POST", "/v1/parked/act_x/approve", map[string]any{"reason": "r"}, auth.Approve},
	{"POST", "/v1/parked/act_x/reject", map[string]any{"reason": "r"}, auth.Approve},
	{"GET", "/v1/dlq", nil, auth.Operate},
	{"POST", "/v1/dlq/1/replay", map[string]any{"dry_run": true}, auth.Operate},
}

// holder and lacker name a test token with and one without each scope;
// soar (no scopes configured: the defaults) lacks approve and operate.
var (
	holder = map[auth.Scope]string{auth.EventsWrite: "writer", auth.ActionsWrite: "actor", auth.ActionsRead: "reader",
		auth.Approve: "approver2", auth.Operate: "operator"}
	lacker = map[auth.Scope]string{auth.EventsWrite: "reader", auth.ActionsWrite: "reader", auth.ActionsRead: "writer",
		auth.Approve: "soar", auth.Operate: "soar"}
)

func TestScopes(t *testing.T) {
	e := newEnv(t, true)
	for _, ep := range endpoints {
		t.Run(ep.method+" "+ep.path, func(t *testing.T) {
			for _, c := range []struct {
				who   string
				token string
				check func(int) bool
				want  string
			}{
				{"no token", "", func(s int) bool { return s == http.StatusUnauthorized }, "401"},
				{"unknown token", "not-a-token", func(s int) bool { return s == http.StatusUnauthorized }, "401"},
				{lacker[ep.scope], tokenSecret(lacker[ep.scope]), func(s int) bool { return s == http.StatusForbidden }, "403"},
				{holder[ep.scope], tokenSecret(holder[ep.scope]), func(s int) bool { return s != http.StatusUnauthorized && s != http.StatusForbidden }, "neither 401 nor 403"},
			} {
				if st, body := e.do(ep.method, ep.path, c.token, ep.body); !c.check(st) {
					t.Errorf("%s: %d %s, want %s", c.who, st, body, c.want)
				}
			}
		})
	}
}

// TestDefaultScopes: a token without a scopes list may do what a SOAR
// needs and nothing more.
func TestDefaultScopes(t *testing.T) {
	tok := auth.Token{Name: "soar"}
	for _, s := range auth.All {
		want := s == auth.EventsWrite || s == auth.ActionsWrite || s == auth.ActionsRead
		if tok.Has(s) != want {
			t.Errorf("default token has %s: %v, want %v", s, tok.Has(s), want)
		}
	}
	if _, err := auth.Parse([]string{"actions:read", "admin"}); err == nil {
		t.Error("an unknown scope was accepted")
	}
}

// TestEveryRouteHasAScopeTest: adding a route without adding it here fails.
func TestEveryRouteHasAScopeTest(t *testing.T) {
	for _, rt := range api.Routes {
		found := false
		for _, ep := range endpoints {
			if routeMatches(rt.Pattern, ep.method, ep.path) {
				found = true
				if ep.scope != rt.Scope {
					t.Errorf("%s needs %s, the test says %s", rt.Pattern, rt.Scope, ep.scope)
				}
			}
		}
		if !found {
			t.Errorf("%s has no scope test", rt.Pattern)
		}
	}
}

// routeMatches reports whether a request matches a mux pattern.
func routeMatches(pattern, method, path string) bool {
	mux := http.NewServeMux()
	mux.HandleFunc(pattern, func(http.ResponseWriter, *http.Request) {})
	r, _ := http.NewRequest(method, path, nil)
	_, p := mux.Handler(r)
	return p == pattern
}
