package sim

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"net/http"
	"strings"
	"time"

	"github.com/quell-dev/quell/internal/pam/simkit"
)

// SessionCookie is the name of the session cookie the simulator sets.
// BeyondInsight runs on IIS/ASP.NET, so ASP.NET_SessionId is plausible, but
// no reference confirms it (API-FACTS.md §1.2, [UNCONFIRMED]); clients must
// not depend on the name, only keep whatever cookie SignAppIn sets.
const SessionCookie = "ASP.NET_SessionId"

// SessionIdleTimeout is how long a session lives without requests; the
// vendor's Go client documents 20 minutes. [VENDOR-CODE]
const SessionIdleTimeout = 20 * time.Minute

// psAuth is a parsed "PS-Auth key=..; runas=..; pwd=[..];" header value.
type psAuth struct {
	key, runas, pwd string
	hasPwd          bool
}

// parsePSAuth reads a PS-Auth Authorization value. Parameters are separated
// by ";" with or without a following space (BeyondTrust's own Go client and
// Terraform provider send none, the documentation shows one). The password
// is bracketed so that it may itself contain ";" or "]".
func parsePSAuth(h string) (psAuth, bool) {
	scheme, rest, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "PS-Auth") {
		return psAuth{}, false
	}
	var a psAuth
	seen := map[string]bool{}
	for {
		rest = strings.TrimLeft(rest, " ;")
		if rest == "" {
			break
		}
		name, after, ok := strings.Cut(rest, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		if !ok || seen[name] {
			return psAuth{}, false
		}
		seen[name] = true
		var val string
		if name == "pwd" && strings.HasPrefix(after, "[") {
			val, rest, ok = cutBracketed(after[1:])
			if !ok {
				return psAuth{}, false
			}
		} else {
			val, rest, _ = strings.Cut(after, ";")
			val = strings.TrimSpace(val)
		}
		switch name {
		case "key":
			a.key = val
		case "runas":
			a.runas = val
		case "pwd":
			a.pwd, a.hasPwd = val, true
		}
	}
	return a, a.key != "" && a.runas != ""
}

// cutBracketed splits "secret];rest" at the "]" that ends the value: the
// first one followed only by spaces and then ";" or the end.
func cutBracketed(s string) (val, rest string, ok bool) {
	for i := 0; i < len(s); i++ {
		if s[i] != ']' {
			continue
		}
		after := strings.TrimLeft(s[i+1:], " ")
		if after == "" || after[0] == ';' {
			return s[:i], after, true
		}
	}
	return "", "", false
}

// redactAuthorization logs a PS-Auth value with only runas readable, so
// tests can assert who signed in without the key or password in the log.
func redactAuthorization(v string) string {
	a, ok := parsePSAuth(v)
	if !ok {
		// "Bearer <token>" and anything else: the scheme only. A value
		// without a space may be a bare credential: nothing of it is kept.
		scheme, _, found := strings.Cut(strings.TrimSpace(v), " ")
		if !found {
			return "[REDACTED]"
		}
		return scheme + " [REDACTED]"
	}
	out := "PS-Auth key=[REDACTED]; runas=" + a.runas + ";"
	if a.hasPwd {
		out += " pwd=[REDACTED];"
	}
	return out
}

// credentialsMatch compares in constant time: it is a simulator, but its
// code gets copied.
func (s *Server) credentialsMatch(a psAuth) bool {
	if s.opts.APIKey == "" {
		return false // OAuth only
	}
	keyOK := subtle.ConstantTimeCompare([]byte(a.key), []byte(s.opts.APIKey)) == 1
	runasOK := strings.EqualFold(a.runas, s.opts.RunAs)
	pwdOK := s.opts.Password == "" || subtle.ConstantTimeCompare([]byte(a.pwd), []byte(s.opts.Password)) == 1
	return keyOK && runasOK && pwdOK
}

// newSession records a session and returns its cookie value: 24 lower-case
// base32 characters, the shape of an ASP.NET session id.
func (s *Server) newSession() string {
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	token := strings.ToLower(base32.StdEncoding.EncodeToString(b))
	s.sessions.Open(token)
	return token
}

// touchSession reports whether the request carries a live session, and
// extends it: the timeout counts from the last request.
func (s *Server) touchSession(r *http.Request) (string, bool) {
	c, err := r.Cookie(SessionCookie)
	if err != nil || !s.sessions.Touch(c.Value) {
		return "", false
	}
	return c.Value, true
}

// sessionHandler serves a route that needs a session; session is its token.
type sessionHandler func(w http.ResponseWriter, r *http.Request, p simkit.Params, session string)

// authed wraps a handler so it runs only with a live session: every route
// but SignAppIn answers 401 without one, which is what tells a client to
// sign in again.
func (s *Server) authed(h sessionHandler) simkit.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p simkit.Params) {
		token, ok := s.touchSession(r)
		if !ok {
			http.Error(w, "Session is not authenticated or has expired; call Auth/SignAppIn.", http.StatusUnauthorized)
			return
		}
		h(w, r, p, token)
	}
}

// ExpireSessions ends every session at once, as a server restart or the
// idle timeout would: the next request of each client gets 401.
func (s *Server) ExpireSessions() { s.sessions.EndAll() }

// Sessions counts the sessions still alive by the simulator's clock.
func (s *Server) Sessions() int { return s.sessions.Live() }

// signAppIn serves POST Auth/SignAppIn: PS-Auth credentials, or a bearer
// token from Auth/connect/token, open a session kept by cookie, and the
// answer describes the user signed in: the run-as user, or the token's
// Application user.
func (s *Server) signAppIn(w http.ResponseWriter, r *http.Request, _ simkit.Params) {
	h := r.Header.Get("Authorization")
	var u User
	if scheme, token, _ := strings.Cut(strings.TrimSpace(h), " "); strings.EqualFold(scheme, "Bearer") {
		found, ok := s.bearerUser(strings.TrimSpace(token))
		if !ok || found.UserType != TypeApplication {
			http.Error(w, "Invalid or expired access token.", http.StatusUnauthorized)
			return
		}
		if found.IsQuarantined {
			http.Error(w, "The application user is quarantined.", http.StatusUnauthorized)
			return
		}
		u = found
	} else {
		a, ok := parsePSAuth(h)
		if !ok || !s.credentialsMatch(a) {
			http.Error(w, "Invalid API key, run-as user or password.", http.StatusUnauthorized)
			return
		}
		found := s.find(s.opts.RunAs)
		if len(found) != 1 || found[0].IsQuarantined {
			http.Error(w, "The run-as user is unknown or quarantined.", http.StatusUnauthorized)
			return
		}
		u = found[0]
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: s.newSession(), Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	simkit.WriteJSON(w, http.StatusOK, map[string]any{
		"UserId":       u.UserID,
		"EmailAddress": u.EmailAddress,
		"UserName":     u.UserName,
		"Name":         strings.TrimSpace(u.FirstName + " " + u.LastName),
	})
}

// signOut serves POST Auth/Signout, ending the caller's session.
func (s *Server) signOut(w http.ResponseWriter, _ *http.Request, _ simkit.Params, session string) {
	s.sessions.End(session)
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1})
	w.WriteHeader(http.StatusOK)
}
