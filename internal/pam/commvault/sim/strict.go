package sim

import (
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/quell-dev/quell/internal/pam/simkit"
)

// The behaviours Options.Strict switches on, each in one place.

// MediaJSON is the Accept value a strict simulator requires. The Login
// documentation lists Accept among the request headers, "the format of the
// response. Valid values are: application/xml or application/json" [DOC];
// the simulator serves JSON only.
const MediaJSON = "application/json"

// accepts wraps a route so that, in strict mode, a request whose Accept
// header does not name application/json answers 406 before anything else
// happens. The status and its text body are [INFERRED]: the documentation
// does not say how the product answers a missing or other Accept.
func (s *Server) accepts(h simkit.HandlerFunc) simkit.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p simkit.Params) {
		if s.opts.Strict && !acceptsJSON(r.Header.Values("Accept")) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusNotAcceptable)
			_, _ = fmt.Fprintf(w, "Not Acceptable: send Accept: %s", MediaJSON)
			return
		}
		h(w, r, p)
	}
}

// acceptsJSON reports whether any media range of the Accept values is
// application/json (parameters such as q or charset ignored).
func acceptsJSON(values []string) bool {
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err == nil && mt == MediaJSON {
				return true
			}
		}
	}
	return false
}

// Authentication methods: the enum of UserAuthenticationMethods and
// AuthenticationServer in Commvault's OpenAPI3.yaml [DOC]. The User schema
// says of authenticationMethod "Default value is Commcell" [DOC].
const (
	AuthSAML     = "SAML"
	AuthAD       = "AD"
	AuthLocal    = "LOCAL"
	AuthCommcell = "Commcell"
)

// checkAuthMethod refuses, in strict mode, an authenticationMethod outside
// the documented enum (exact case). UpdateUser types the field as a plain
// string, so the refusal and its 400 are [INFERRED]; an empty value is
// "no change" (see setString).
func (s *Server) checkAuthMethod(v *string) error {
	if !s.opts.Strict || v == nil || *v == "" {
		return nil
	}
	switch *v {
	case AuthSAML, AuthAD, AuthLocal:
		return nil
	}
	return fmt.Errorf("invalid authenticationMethod [%s]: use SAML, AD or LOCAL", *v)
}

// reportedAuthMethod is the authenticationMethod a read answers. Strict: a
// local (LOCAL or unset) user reads as "Commcell", the documented default;
// that a user set to LOCAL reads back so is [INFERRED].
func (s *Server) reportedAuthMethod(stored string) string {
	if s.opts.Strict && (stored == "" || stored == AuthLocal) {
		return AuthCommcell
	}
	return stored
}

// externalGroupsIgnored reports whether a group change of an external user
// is answered with success and not carried out (strict) rather than
// refused with 400 (lenient). The documentation says only "for external
// users, user groups cannot be modified" [DOC]; that the product may
// answer 200 and ignore the change is [INFERRED], and the harder case for
// a client, so strict mode serves it.
func (s *Server) externalGroupsIgnored() bool { return s.opts.Strict }
