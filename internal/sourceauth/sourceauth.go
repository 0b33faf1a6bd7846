package sourceauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/quell-dev/quell/internal/secret"
)

// Verifier authenticates one HTTP request whose body has already been read
// (capped) by the caller. Implementations are safe for concurrent use.
type Verifier interface {
	// Verify returns the sender's delivery id when the scheme carries one
	// ("" otherwise) and nil if the request is authentic. r must not be nil;
	// body is the exact raw body as received. A non-nil error wraps one of
	// the package's sentinel errors and means the request must be refused.
	Verify(r *http.Request, body []byte) (deliveryID string, err error)
}

// DefaultTolerance is how far a signed timestamp may be from the verifier's
// clock, in either direction, when [Config.Tolerance] is zero. It matches the
// Standard Webhooks reference libraries.
const DefaultTolerance = 5 * time.Minute

// Sentinel errors wrapped by every error a [Verifier] returns. All of them mean
// "not authenticated" (HTTP 401); they differ only in why.
var (
	// ErrMissingCredentials means the request carries no credentials for the
	// scheme: a required header is absent or empty, or another auth scheme
	// was used.
	ErrMissingCredentials = errors.New("sourceauth: missing credentials")
	// ErrMalformed means credentials are present but cannot be parsed (bad
	// encoding, a "." in a Standard Webhooks id, a non-numeric timestamp).
	ErrMalformed = errors.New("sourceauth: malformed credentials")
	// ErrBadSignature means no presented signature matches any configured
	// secret.
	ErrBadSignature = errors.New("sourceauth: bad signature")
	// ErrBadCredentials means a bearer token or a basic-auth user name and
	// password do not match the configured ones.
	ErrBadCredentials = errors.New("sourceauth: bad credentials")
	// ErrTimestampTooOld means the signature is valid but its timestamp is
	// further in the past than the tolerance allows.
	ErrTimestampTooOld = errors.New("sourceauth: timestamp too old")
	// ErrTimestampTooNew means the signature is valid but its timestamp is
	// further in the future than the tolerance allows.
	ErrTimestampTooNew = errors.New("sourceauth: timestamp too new")
)

// fail wraps a sentinel with a detail that must not contain secret material.
func fail(sentinel error, detail string) error {
	return fmt.Errorf("%w: %s", sentinel, detail)
}

// window checks signed timestamps against a clock and a tolerance.
type window struct {
	now       func() time.Time
	tolerance time.Duration
}

func newWindow(now func() time.Time, tolerance time.Duration) window {
	if now == nil {
		now = time.Now
	}
	if tolerance == 0 {
		tolerance = DefaultTolerance
	}
	return window{now: now, tolerance: tolerance}
}

func (w window) check(ts time.Time) error {
	now := w.now()
	if d := now.Sub(ts); d > w.tolerance {
		return fail(ErrTimestampTooOld, fmt.Sprintf("timestamp is %s behind the clock (tolerance %s)", d.Round(time.Second), w.tolerance))
	}
	if d := ts.Sub(now); d > w.tolerance {
		return fail(ErrTimestampTooNew, fmt.Sprintf("timestamp is %s ahead of the clock (tolerance %s)", d.Round(time.Second), w.tolerance))
	}
	return nil
}

// parseUnixSeconds accepts only ASCII digits, as Standard Webhooks requires.
func parseUnixSeconds(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return time.Time{}, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(n, 0), true
}

// parseLooseTimestamp accepts unix seconds, unix milliseconds (values of at
// least 1e12, i.e. beyond the year 33000 as seconds) and RFC 3339.
func parseLooseTimestamp(s string) (time.Time, bool) {
	if t, ok := parseUnixSeconds(s); ok {
		if n := t.Unix(); n >= 1e12 {
			return time.UnixMilli(n), true
		}
		return t, true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// macSHA256 is HMAC-SHA256 over the concatenation of parts.
func macSHA256(key []byte, parts ...[]byte) []byte {
	h := hmac.New(sha256.New, key)
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// anyMAC reports whether any candidate equals the MAC of parts under any key.
// Comparisons are constant-time; every key is tried.
func anyMAC(keys [][]byte, candidates [][]byte, parts ...[]byte) bool {
	ok := false
	for _, k := range keys {
		mac := macSHA256(k, parts...)
		for _, c := range candidates {
			if hmac.Equal(mac, c) {
				ok = true
			}
		}
	}
	return ok
}

// matchSecret compares got with every secret in constant time, hashing first
// so that neither the length nor the index of a match leaks through timing.
func matchSecret(got string, want []secret.Secret) bool {
	g := sha256.Sum256([]byte(got))
	ok := 0
	for _, w := range want {
		h := sha256.Sum256([]byte(w.Reveal()))
		ok |= subtle.ConstantTimeCompare(g[:], h[:])
	}
	return ok == 1
}

// rawKeys returns each secret's bytes as an HMAC key.
func rawKeys(secrets []secret.Secret) [][]byte {
	keys := make([][]byte, len(secrets))
	for i, s := range secrets {
		keys[i] = []byte(s.Reveal())
	}
	return keys
}
