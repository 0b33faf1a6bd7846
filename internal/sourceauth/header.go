package sourceauth

import (
	"fmt"
	"net/http"

	"github.com/quell-dev/quell/internal/secret"
)

// headerSecret verifies a shared secret sent as the whole value of one
// header, with no scheme word: what Okta Event Hooks send ("Authorization:
// <the secret configured on the hook>"). Two secrets are accepted while one
// is rotated.
type headerSecret struct {
	header  string
	secrets []secret.Secret
}

// DefaultSecretHeader is the header scheme "header" reads when none is set.
const DefaultSecretHeader = "Authorization"

func newHeaderSecret(cfg Config, p *problems) *headerSecret {
	h := cfg.Header
	if h == "" {
		h = DefaultSecretHeader
	}
	if !validHeaderName(h) {
		p.add("header", "%q is not a header name", h)
	}
	return &headerSecret{header: http.CanonicalHeaderKey(h), secrets: cfg.Secrets}
}

// Verify compares the header's value with every secret in constant time.
// The scheme carries no delivery id: the parser gives each event its own.
func (v *headerSecret) Verify(r *http.Request, _ []byte) (string, error) {
	vals := r.Header.Values(v.header)
	switch {
	case len(vals) == 0 || vals[0] == "":
		return "", fail(ErrMissingCredentials, fmt.Sprintf("no %s header", v.header))
	case len(vals) > 1:
		return "", fail(ErrMalformed, fmt.Sprintf("%s header sent %d times", v.header, len(vals)))
	}
	if !matchSecret(vals[0], v.secrets) {
		return "", fail(ErrBadCredentials, v.header+" does not match")
	}
	return "", nil
}
