package sim

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/quell-dev/quell/internal/pam/simkit"
)

// TokenLifetime is how long an access token from Auth/connect/token lets
// its client sign in. The product's expires_in is UNCONFIRMED; 3600 is the
// value invented for samples/beyondtrust-oauth-token.json.
const TokenLifetime = time.Hour

// TokenScope is the scope the token endpoint answers. The product's value
// is UNCONFIRMED; "publicapi" is invented, as in the sample.
const TokenScope = "publicapi"

// issuedToken is a live access token: whose it is and until when.
type issuedToken struct {
	userID  int
	expires time.Time
}

// bindOAuthClients gives each configured OAuth client's Application user
// its secret (as RecycleClientSecret would, keeping only the SHA-256), so
// that recycling the secret later makes the old one fail. It panics when
// a client id matches no Application user, or its secret is empty: both
// mistakes in the test or demo setting the simulator up.
func (s *Server) bindOAuthClients(clients map[string]string) {
	for id, value := range clients {
		u, ok := s.applicationUser(id)
		if !ok {
			panic("sim: OAuthClients: no Application user has ClientID " + id)
		}
		if value == "" {
			panic("sim: OAuthClients: empty secret for ClientID " + id)
		}
		s.mu.Lock()
		s.secrets[u.UserID] = sha256.Sum256([]byte(value))
		s.mu.Unlock()
	}
}

// applicationUser finds the Application user with that client id (GUIDs
// compare regardless of case).
func (s *Server) applicationUser(clientID string) (User, bool) {
	if clientID == "" {
		return User{}, false
	}
	for _, u := range s.Users() {
		if u.UserType == TypeApplication && strings.EqualFold(u.ClientID, clientID) {
			return u, true
		}
	}
	return User{}, false
}

// oauthError answers an OAuth 2.0 error (RFC 6749 §5.2): a JSON object
// with "error", and the no-store headers of §5.1. The product's exact
// error body is UNCONFIRMED.
func oauthError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	simkit.WriteJSON(w, status, map[string]string{"error": code})
}

// token serves POST Auth/connect/token, the OAuth 2.0 client-credentials
// grant: a form body with grant_type=client_credentials, client_id and
// client_secret (credentials in the query are not read, as RFC 6749 §2.3.1
// keeps them out of URLs). A wrong content type or a missing grant_type is
// 400 invalid_request, another grant 400 unsupported_grant_type; a missing,
// unknown or wrong client 401 invalid_client. Otherwise the answer is a new
// random bearer token valid for [TokenLifetime] (or [Options.TokenLifetime]) by
// the simulator's clock.
func (s *Server) token(w http.ResponseWriter, r *http.Request, _ simkit.Params) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	form := r.PostForm
	switch grant := form.Get("grant_type"); {
	case grant == "":
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	case grant != "client_credentials":
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	u, ok := s.applicationUser(form.Get("client_id"))
	if !ok || !s.CheckClientSecret(u.UserID, form.Get("client_secret")) {
		oauthError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	value := newToken()
	s.mu.Lock()
	s.tokens[sha256.Sum256([]byte(value))] = issuedToken{userID: u.UserID, expires: s.opts.Now().Add(s.opts.TokenLifetime)}
	s.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	simkit.WriteJSON(w, http.StatusOK, map[string]any{
		"access_token": value,
		"expires_in":   int(s.opts.TokenLifetime / time.Second),
		"token_type":   "Bearer",
		"scope":        TokenScope,
	})
}

// bearerUser returns the Application user a live bearer token was issued
// to. An unknown or expired token (expired ones are forgotten) finds none.
func (s *Server) bearerUser(token string) (User, bool) {
	key := sha256.Sum256([]byte(token))
	now := s.opts.Now()
	s.mu.Lock()
	t, ok := s.tokens[key]
	if ok && !now.Before(t.expires) {
		delete(s.tokens, key)
		ok = false
	}
	s.mu.Unlock()
	if !ok {
		return User{}, false
	}
	return s.User(t.userID)
}

// ExpireTokens makes every access token issued so far unusable, as their
// expiry would: SignAppIn with one answers 401. Sessions already open
// stay open.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// Tokens counts the access tokens still valid by the simulator's clock.
func (s *Server) Tokens() int {
	now := s.opts.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, t := range s.tokens {
		if now.Before(t.expires) {
			n++
		}
	}
	return n
}

// newToken is 32 random bytes, base64url without padding (43 characters).
// The product's tokens look like JWTs (per the sample, whose value is
// invented); a client must treat the value as opaque either way.
func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// redactBody keeps client secrets out of the request log: in a form body,
// every client_secret value becomes [REDACTED] (the rest of the form stays
// as sent). Other bodies pass unchanged: the JSON ones Quell sends carry no
// credential.
func redactBody(body string) string {
	parts := strings.Split(body, "&")
	for i, part := range parts {
		name, _, _ := strings.Cut(part, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if strings.EqualFold(strings.TrimSpace(name), "client_secret") {
			parts[i] = name + "=[REDACTED]"
		}
	}
	return strings.Join(parts, "&")
}
