package sourceauth

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/quell-dev/quell/internal/secret"
)

// bearer verifies "Authorization: Bearer <token>" against configured tokens.
type bearer struct {
	tokens []secret.Secret
}

func newBearer(cfg Config, p *problems) *bearer {
	for i, s := range cfg.Secrets {
		if v := s.Reveal(); v != "" && strings.IndexFunc(v, isSpace) >= 0 {
			p.add(fmt.Sprintf("secrets[%d]", i), "a bearer token must not contain whitespace")
		}
	}
	return &bearer{tokens: cfg.Secrets}
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' }

// authParams splits an Authorization header into its scheme and the rest,
// reporting [ErrMissingCredentials] if it is absent or of another scheme.
func authParams(r *http.Request, scheme string) (string, error) {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	if h == "" {
		return "", fail(ErrMissingCredentials, "no Authorization header")
	}
	got, rest, _ := strings.Cut(h, " ")
	if !strings.EqualFold(got, scheme) {
		return "", fail(ErrMissingCredentials, "Authorization header does not use the "+scheme+" scheme")
	}
	return strings.TrimSpace(rest), nil
}

// Verify compares the bearer token with every configured token in constant
// time. The scheme carries no delivery id.
func (v *bearer) Verify(r *http.Request, _ []byte) (string, error) {
	tok, err := authParams(r, "Bearer")
	if err != nil {
		return "", err
	}
	if tok == "" {
		return "", fail(ErrMalformed, "empty bearer token")
	}
	if !matchSecret(tok, v.tokens) {
		return "", fail(ErrBadCredentials, "bearer token does not match")
	}
	return "", nil
}
