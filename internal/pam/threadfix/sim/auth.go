package sim

import (
	"crypto/subtle"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/quell-dev/quell/internal/pam/simkit"
)

// Messages of a failed envelope for key problems, verbatim. [DOC]+[VENDOR-CODE]
const (
	MessageAuthFailed = "Authentication failed, check your API Key."
	MessageRestricted = "The requested URL is restricted for your API Key."
)

// AuthFailureStatus is the HTTP status that carries [MessageAuthFailed] and
// [MessageRestricted]. The documentation does not state it [UNCONFIRMED];
// 200 is chosen because the community-edition source returns these
// envelopes from ordinary @ResponseBody controller methods without setting
// a status, as it does every other refusal. Change it here if a 3.x server
// is seen answering otherwise.
const AuthFailureStatus = http.StatusOK

// parseAPIKey reads "APIKEY <key>" from an Authorization value. The scheme
// is matched case-insensitively (as HTTP schemes are); the key is one token.
func parseAPIKey(h string) (string, bool) {
	scheme, key, ok := strings.Cut(strings.TrimSpace(h), " ")
	key = strings.TrimSpace(key)
	if !ok || !strings.EqualFold(scheme, "APIKEY") || key == "" || strings.ContainsAny(key, " \t") {
		return "", false
	}
	return key, true
}

// keyAccess reports whether key is known and whether it is restricted. It
// compares in constant time: it is a simulator, but its code gets copied.
func (s *Server) keyAccess(key string) (known, restricted bool) {
	if subtle.ConstantTimeCompare([]byte(key), []byte(s.opts.APIKey)) == 1 {
		return true, false
	}
	for _, k := range s.opts.RestrictedKeys {
		if subtle.ConstantTimeCompare([]byte(key), []byte(k)) == 1 {
			return true, true
		}
	}
	return false, false
}

// authed wraps a handler with content negotiation and the key check. An
// Accept header that rules out JSON gets 406, as Spring does for a produces
// condition [INFERRED]; a missing Accept is */* and passes. A bad key gets
// the documented failed envelope; a restricted key may read but not write.
func (s *Server) authed(write bool, h simkit.HandlerFunc) simkit.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p simkit.Params) {
		if !acceptsJSON(r.Header.Values("Accept")) {
			http.Error(w, "Not Acceptable: this endpoint produces application/json", http.StatusNotAcceptable)
			return
		}
		key, ok := parseAPIKey(r.Header.Get("Authorization"))
		known, restricted := false, false
		if ok {
			known, restricted = s.keyAccess(key)
		}
		switch {
		case !known:
			writeEnvelope(w, AuthFailureStatus, failed(MessageAuthFailed))
		case write && restricted:
			writeEnvelope(w, AuthFailureStatus, failed(MessageRestricted))
		default:
			h(w, r, p)
		}
	}
}

// acceptsJSON reports whether Accept header values admit application/json.
func acceptsJSON(values []string) bool {
	if len(values) == 0 {
		return true
	}
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			if mt == "application/json" || mt == "application/*" || mt == "*/*" {
				return true
			}
		}
	}
	return false
}

// secretFields are form or query fields whose values never reach the log.
var secretFields = []string{"password", "confirmPassword", "apiKey"}

// redactForm replaces the values of secretFields in a form-encoded string
// (a body or a query), keeping everything else byte for byte so the log
// still shows what was sent.
func redactForm(raw string) string {
	parts := strings.Split(raw, "&")
	for i, part := range parts {
		k, _, hasValue := strings.Cut(part, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		for _, f := range secretFields {
			if strings.EqualFold(strings.TrimSpace(name), f) && hasValue {
				parts[i] = k + "=[REDACTED]"
			}
		}
	}
	return strings.Join(parts, "&")
}
