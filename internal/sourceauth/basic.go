package sourceauth

import (
	"net/http"
	"strings"

	"github.com/quell-dev/quell/internal/secret"
)

// basic verifies HTTP basic authentication for one user name and any of the
// configured passwords.
type basic struct {
	username  []secret.Secret
	passwords []secret.Secret
}

func newBasic(cfg Config, p *problems) *basic {
	switch {
	case cfg.Username == "":
		p.add("username", "is required for scheme %q", SchemeBasic)
	case strings.Contains(cfg.Username, ":"):
		p.add("username", "must not contain ':' (basic auth cannot carry it)")
	}
	return &basic{username: []secret.Secret{secret.New(cfg.Username)}, passwords: cfg.Secrets}
}

// Verify compares user name and password in constant time, always both, and
// does not say which of them was wrong. The scheme carries no delivery id.
func (v *basic) Verify(r *http.Request, _ []byte) (string, error) {
	if _, err := authParams(r, "Basic"); err != nil {
		return "", err
	}
	user, pass, ok := r.BasicAuth()
	if !ok {
		return "", fail(ErrMalformed, "Authorization header is not valid basic credentials")
	}
	userOK := matchSecret(user, v.username)
	passOK := matchSecret(pass, v.passwords)
	if !userOK || !passOK {
		return "", fail(ErrBadCredentials, "user name or password does not match")
	}
	return "", nil
}
