package sourceauth

import (
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/quell-dev/quell/internal/secret"
)

// BambooHR webhook header names.
const (
	// HeaderBambooHRSignature carries hex(HMAC-SHA256(key, body || timestamp)).
	HeaderBambooHRSignature = "X-BambooHR-Signature"
	// HeaderBambooHRTimestamp carries the timestamp that is signed with the body.
	HeaderBambooHRTimestamp = "X-BambooHR-Timestamp"
)

// bambooHR verifies BambooHR webhook signatures:
// hex(HMAC-SHA256(private key, raw body || X-BambooHR-Timestamp)).
type bambooHR struct {
	keys   [][]byte
	window window
}

func newBambooHR(cfg Config) *bambooHR {
	return &bambooHR{keys: rawKeys(cfg.Secrets), window: newWindow(cfg.Now, cfg.Tolerance)}
}

// Verify checks the signature with every configured key. The timestamp is
// signed as the opaque string it is; if it parses as unix seconds (or
// milliseconds) or RFC 3339 it is also checked against the tolerance, and
// otherwise accepted as is, because BambooHR does not document its format.
// BambooHR sends no delivery id: Verify returns "" and the ingest
// deduplicates on a hash of the body.
func (v *bambooHR) Verify(r *http.Request, body []byte) (string, error) {
	sig := strings.TrimSpace(r.Header.Get(HeaderBambooHRSignature))
	ts := r.Header.Get(HeaderBambooHRTimestamp)
	if sig == "" || ts == "" {
		return "", fail(ErrMissingCredentials, "both "+HeaderBambooHRSignature+" and "+HeaderBambooHRTimestamp+" are required")
	}
	got, err := hex.DecodeString(sig)
	if err != nil {
		return "", fail(ErrMalformed, HeaderBambooHRSignature+" is not hex")
	}
	if !anyMAC(v.keys, [][]byte{got}, body, []byte(ts)) {
		return "", fail(ErrBadSignature, HeaderBambooHRSignature+" does not match")
	}
	if t, ok := parseLooseTimestamp(ts); ok {
		if err := v.window.check(t); err != nil {
			return "", err
		}
	}
	return "", nil
}

// SignBambooHR returns the X-BambooHR-Signature value BambooHR would send for
// body and the X-BambooHR-Timestamp value timestamp, for tests and the demo
// sender.
func SignBambooHR(key secret.Secret, body []byte, timestamp string) string {
	return hex.EncodeToString(macSHA256([]byte(key.Reveal()), body, []byte(timestamp)))
}
