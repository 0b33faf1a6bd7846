package sim

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/quell-dev/quell/internal/pam/simkit"
)

// TokenIdleTimeout is how long a token lives without requests: 30 minutes
// of inactivity. [DOC]
const TokenIdleTimeout = 30 * time.Minute

// TokenPrefix starts every token the simulator issues, as Commvault's
// QSDK tokens do; clients send the token verbatim. [DOC]+[VENDOR-CODE]
const TokenPrefix = "QSDK "

// loginRequest is the documented JSON login body. mode, deviceId,
// commserver and timeout are accepted and ignored.
type loginRequest struct {
	Domain   string `json:"domain"`
	Username string `json:"username"`
	Password string `json:"password"`
}

// loginError is one errList entry of a refused login. [VENDOR-CODE]
type loginError struct {
	ErrorCode     int    `json:"errorCode"`
	ErrLogMessage string `json:"errLogMessage"`
}

// loginRefusal is the answer to a refused login: HTTP 200 with errList,
// which is where the vendor's own SDK looks. [VENDOR-CODE]; the 200 status
// is [INFERRED] from that SDK reading errList only on success statuses.
type loginRefusal struct {
	ErrList         []loginError `json:"errList"`
	IsAccountLocked bool         `json:"isAccountLocked"`
}

// loginAnswer carries the documented fields of a successful login; the
// values other than token and userName are invented.
type loginAnswer struct {
	AliasName           string `json:"aliasName"`
	UserGUID            string `json:"userGUID"`
	LoginAttempts       int    `json:"loginAttempts"`
	RemainingLockTime   int    `json:"remainingLockTime"`
	SMTPAddress         string `json:"smtpAddress"`
	UserName            string `json:"userName"`
	ProviderType        int    `json:"providerType"`
	CCN                 int    `json:"ccn"`
	Token               string `json:"token"`
	ForcePasswordChange bool   `json:"forcePasswordChange"`
	IsAccountLocked     bool   `json:"isAccountLocked"`
}

// login serves POST Login. The password arrives Base64-encoded. [DOC]
func (s *Server) login(w http.ResponseWriter, r *http.Request, _ simkit.Params) {
	var req loginRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, simkit.MaxRequestBody)).Decode(&req); err != nil {
		badRequest(w, "Invalid login request: the simulator takes the JSON body only")
		return
	}
	name := req.Username
	if req.Domain != "" {
		name = req.Domain + `\` + req.Username
	}
	if !s.credentialsMatch(name, req.Password) {
		simkit.WriteJSON(w, http.StatusOK, loginRefusal{ErrList: []loginError{{ErrLogMessage: "Invalid Username or Password", ErrorCode: ErrCodeLoginRefused}}})
		return
	}
	u, known := s.userByName(name)
	if known && !u.Enabled {
		simkit.WriteJSON(w, http.StatusOK, loginRefusal{ErrList: []loginError{{ErrLogMessage: "User account is disabled", ErrorCode: ErrCodeLoginRefused}}})
		return
	}
	simkit.WriteJSON(w, http.StatusOK, loginAnswer{
		AliasName: "1", UserGUID: u.GUID, SMTPAddress: u.Email, UserName: name, ProviderType: 1, Token: s.newToken(),
	})
}

// credentialsMatch decodes the Base64 password and compares in constant
// time: it is a simulator, but its code gets copied.
func (s *Server) credentialsMatch(name, encoded string) bool {
	pwd, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return false
	}
	nameOK := strings.EqualFold(name, s.opts.Username)
	pwdOK := subtle.ConstantTimeCompare(pwd, []byte(s.opts.Password)) == 1
	return nameOK && pwdOK
}

// newToken records a token and returns it: the prefix and 96 random bytes
// in hex, about the length of the documented example.
func (s *Server) newToken() string {
	b := make([]byte, 96)
	_, _ = rand.Read(b)
	token := TokenPrefix + hex.EncodeToString(b)
	s.tokens.Open(token)
	return token
}

// touchToken reports whether the request carries a live token, and
// extends it: the timeout counts from the last request.
func (s *Server) touchToken(r *http.Request) (string, bool) {
	token := r.Header.Get("Authtoken")
	if token == "" || !s.tokens.Touch(token) {
		return "", false
	}
	return token, true
}

// tokenHandler serves a route that needs a token; token is its value.
type tokenHandler func(w http.ResponseWriter, r *http.Request, p simkit.Params, token string)

// authed wraps a handler so it runs only with a live token: every route but
// Login answers 401 {"errorMessage": "Access denied", "errorCode": 5}
// without one, which tells a client to log in again. The body is the
// documented 401 of Logout; using it on every route is [INFERRED].
func (s *Server) authed(h tokenHandler) simkit.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p simkit.Params) {
		token, ok := s.touchToken(r)
		if !ok {
			writeError(w, http.StatusUnauthorized, ErrCodeAccessDenied, "Access denied")
			return
		}
		h(w, r, p, token)
	}
}

// logout serves POST Logout: the token stops working and the answer is
// the plain text "User logged out". [DOC]
func (s *Server) logout(w http.ResponseWriter, _ *http.Request, _ simkit.Params, token string) {
	s.tokens.End(token)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "User logged out")
}

// passwordFields matches the JSON members that carry a password (login's
// "password", the update's "newPassword" and "validationPassword").
var passwordFields = regexp.MustCompile(`(?i)("(?:password|newPassword|validationPassword)"\s*:\s*)"(?:[^"\\]|\\.)*"`)

// redactBody keeps passwords out of the request log. A body that still
// mentions a password after that (not JSON, or oddly escaped) is dropped
// whole rather than risk logging one.
func redactBody(body string) string {
	out := passwordFields.ReplaceAllString(body, `$1"[REDACTED]"`)
	if strings.Contains(strings.ToLower(passwordFields.ReplaceAllString(out, "")), "password") {
		return "[REDACTED: body mentions a password]"
	}
	return out
}
