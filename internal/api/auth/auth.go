// Package auth authenticates API bearer tokens and checks their scopes. It
// is shared by the ingest's write endpoints and the read and decision
// endpoints of internal/api, so that one token means the same everywhere.
package auth

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/quell-dev/quell/internal/secret"
)

// Scope is one permission a token may carry.
type Scope string

// The scopes of SPEC.md.
const (
	EventsWrite  Scope = "events:write"  // POST /v1/events
	ActionsWrite Scope = "actions:write" // POST /v1/actions, POST /v1/actions/{id}/undo
	ActionsRead  Scope = "actions:read"  // GET actions, events and parked actions
	Approve      Scope = "approve"       // POST /v1/parked/{id}/approve|reject
	Operate      Scope = "operate"       // GET /v1/dlq, POST /v1/dlq/{id}/replay
	// SCIM: /scim/v2 (internal/scim), for an identity provider only; never a
	// default, so no SOAR token can provision users.
	SCIM Scope = "scim"
)

// All lists every scope, in a stable order.
var All = []Scope{EventsWrite, ActionsWrite, ActionsRead, Approve, Operate, SCIM}

// Default is what a token without a scopes list gets: what a SOAR needs to
// send signals, request actions and read their outcomes. Deciding parked
// actions and operating the DLQ are never granted by default.
var Default = []Scope{EventsWrite, ActionsWrite, ActionsRead}

// Token is one configured bearer token.
type Token struct {
	Name  string
	Token secret.Secret
	// Scopes are what the token may do; nil means [Default].
	Scopes []Scope
}

// Has reports whether t carries scope s.
func (t Token) Has(s Scope) bool {
	if t.Scopes == nil {
		return slices.Contains(Default, s)
	}
	return slices.Contains(t.Scopes, s)
}

// Errors of Require. Their text never contains a token.
var (
	ErrUnauthorized = errors.New("missing or invalid credentials")
	ErrForbidden    = errors.New("token lacks the scope")
)

// Tokens are the configured tokens.
type Tokens []Token

// Authenticate returns the token r's bearer credentials name.
func (ts Tokens) Authenticate(r *http.Request) (Token, error) {
	given, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || given == "" {
		return Token{}, ErrUnauthorized
	}
	found, match := Token{}, false
	for _, t := range ts {
		// Compare every token, so timing does not reveal which matched.
		if subtle.ConstantTimeCompare([]byte(given), []byte(t.Token.Reveal())) == 1 {
			found, match = t, true
		}
	}
	if !match {
		return Token{}, ErrUnauthorized
	}
	return found, nil
}

// Require authenticates r and checks that its token carries scope: it
// fails with [ErrUnauthorized] (401) or [ErrForbidden] (403).
func (ts Tokens) Require(r *http.Request, scope Scope) (Token, error) {
	t, err := ts.Authenticate(r)
	if err != nil {
		return t, err
	}
	if !t.Has(scope) {
		return t, fmt.Errorf("%w %s: token %q may not do this (see ingest.api_tokens[].scopes)", ErrForbidden, scope, t.Name)
	}
	return t, nil
}

// Parse turns configured scope names into scopes; nil stays nil ([Default]).
func Parse(names []string) ([]Scope, error) {
	if names == nil {
		return nil, nil
	}
	out := make([]Scope, 0, len(names))
	for _, n := range names {
		if !slices.Contains(All, Scope(n)) {
			return nil, fmt.Errorf("unknown scope %q", n)
		}
		out = append(out, Scope(n))
	}
	return out, nil
}
