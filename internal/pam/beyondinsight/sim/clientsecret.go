package sim

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"math/big"
	"net/http"

	"github.com/quell-dev/quell/internal/pam/simkit"
)

// Client secret lengths: BeyondTrust's Go client accepts secrets of 36 to
// 64 characters, so the simulator issues secrets in that range. [VENDOR-CODE]
const (
	MinClientSecretLen = 36
	MaxClientSecretLen = 64
)

// secretAlphabet is what generated secrets are made of. The product's
// alphabet is unknown; letters and digits need no escaping anywhere.
const secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// recycleClientSecret serves POST Users/{id}/RecycleClientSecret: a new
// random secret replaces the old one and is answered once, as a JSON string
// (the documentation) or, with [Options.ClientSecretAsUser], inside the user
// object (the vendor library). Only its SHA-256 is kept, so no later answer
// or log can show it. Users other than Application users get 400.
func (s *Server) recycleClientSecret(w http.ResponseWriter, _ *http.Request, p simkit.Params, _ string) {
	u, ok := s.userParam(w, p)
	if !ok {
		return
	}
	if u.UserType != TypeApplication {
		badRequest(w, "Client secrets can only be recycled for application users.")
		return
	}
	value := newClientSecret()
	s.mu.Lock()
	s.secrets[u.UserID] = sha256.Sum256([]byte(value))
	s.mu.Unlock()
	if !s.opts.ClientSecretAsUser {
		simkit.WriteJSON(w, http.StatusOK, value)
		return
	}
	answer := wire(u).(wireAppUser)
	answer.ClientSecret = &value
	simkit.WriteJSON(w, http.StatusOK, answer)
}

// ClientSecretFingerprint is the fingerprint of user id's current client
// secret, computed as
// [github.com/quell-dev/quell/internal/secret.Secret.Fingerprint] does (the
// first 8 hex characters of its SHA-256), or "" when none was issued. Tests
// compare it with the fingerprint the client reports.
func (s *Server) ClientSecretFingerprint(id int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	sum, ok := s.secrets[id]
	if !ok {
		return ""
	}
	return hex.EncodeToString(sum[:4])
}

// CheckClientSecret reports whether value is user id's current client
// secret, as the OAuth token endpoint would check it.
func (s *Server) CheckClientSecret(id int, value string) bool {
	s.mu.Lock()
	sum, ok := s.secrets[id]
	s.mu.Unlock()
	got := sha256.Sum256([]byte(value))
	return ok && subtle.ConstantTimeCompare(sum[:], got[:]) == 1
}

// newClientSecret draws a length in [MinClientSecretLen,
// MaxClientSecretLen] and that many characters of secretAlphabet, all from
// crypto/rand.
func newClientSecret() string {
	n := MinClientSecretLen + randIntn(MaxClientSecretLen-MinClientSecretLen+1)
	b := make([]byte, n)
	for i := range b {
		b[i] = secretAlphabet[randIntn(len(secretAlphabet))]
	}
	return string(b)
}

// randIntn is a uniform int in [0, n). crypto/rand does not fail on the
// platforms Go supports; if it ever did, a simulator may panic.
func randIntn(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic("sim: crypto/rand: " + err.Error())
	}
	return int(v.Int64())
}
