package sourceauth

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/quell-dev/quell/internal/secret"
)

// Standard Webhooks header names (v1.0.0 of the specification).
const (
	// HeaderWebhookID carries the message id, stable across retries.
	HeaderWebhookID = "webhook-id"
	// HeaderWebhookTimestamp carries the attempt's time in unix seconds.
	HeaderWebhookTimestamp = "webhook-timestamp"
	// HeaderWebhookSignature carries space-separated "v1,<base64>" entries.
	HeaderWebhookSignature = "webhook-signature"
)

const (
	whsecPrefix = "whsec_"
	// minWhsecKey is a floor against truncated or placeholder secrets; the
	// specification asks senders for 24 to 64 random bytes.
	minWhsecKey = 16
)

// standardWebhooks verifies Standard Webhooks v1 symmetric signatures.
type standardWebhooks struct {
	keys   [][]byte
	window window
}

func newStandardWebhooks(cfg Config, p *problems) *standardWebhooks {
	v := &standardWebhooks{window: newWindow(cfg.Now, cfg.Tolerance)}
	for i, s := range cfg.Secrets {
		if s.IsZero() {
			continue // reported by New
		}
		key, err := decodeWhsec(s)
		if err != nil {
			p.add(fmt.Sprintf("secrets[%d]", i), "%v", err)
			continue
		}
		v.keys = append(v.keys, key)
	}
	return v
}

// decodeWhsec returns the HMAC key of a "whsec_" secret. Its errors describe
// the format only, never the value.
func decodeWhsec(s secret.Secret) ([]byte, error) {
	rest, ok := strings.CutPrefix(s.Reveal(), whsecPrefix)
	if !ok {
		return nil, errors.New(`a Standard Webhooks secret must start with "whsec_" followed by base64; ` +
			`a raw secret without the prefix is not accepted (write it as "whsec_" + base64 of the key)`)
	}
	key, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		return nil, errors.New(`the part after "whsec_" is not valid standard (padded) base64`)
	}
	if len(key) < minWhsecKey {
		return nil, fmt.Errorf(`the key after "whsec_" decodes to %d bytes; at least %d are required (the specification recommends 24 to 64)`, len(key), minWhsecKey)
	}
	return key, nil
}

// Verify checks the webhook-signature header against every configured key,
// then the timestamp, and returns webhook-id as the delivery id. Several
// signature headers are treated as one space-separated list; entries of
// versions other than "v1" are ignored.
func (v *standardWebhooks) Verify(r *http.Request, body []byte) (string, error) {
	id := r.Header.Get(HeaderWebhookID)
	ts := r.Header.Get(HeaderWebhookTimestamp)
	sigs := strings.Join(r.Header.Values(HeaderWebhookSignature), " ")
	var missing []string
	for _, h := range [][2]string{{HeaderWebhookID, id}, {HeaderWebhookTimestamp, ts}, {HeaderWebhookSignature, sigs}} {
		if strings.TrimSpace(h[1]) == "" {
			missing = append(missing, h[0])
		}
	}
	if len(missing) > 0 {
		return "", fail(ErrMissingCredentials, "missing header(s) "+strings.Join(missing, ", "))
	}
	if strings.Contains(id, ".") {
		return "", fail(ErrMalformed, HeaderWebhookID+" must not contain '.'")
	}
	t, ok := parseUnixSeconds(ts)
	if !ok {
		return "", fail(ErrMalformed, HeaderWebhookTimestamp+" must be integer unix seconds")
	}
	var candidates [][]byte
	for _, entry := range strings.Fields(sigs) {
		version, sig, ok := strings.Cut(entry, ",")
		if !ok || version != "v1" {
			continue
		}
		if b, err := base64.StdEncoding.DecodeString(sig); err == nil {
			candidates = append(candidates, b)
		}
	}
	if len(candidates) == 0 {
		return "", fail(ErrBadSignature, HeaderWebhookSignature+" has no well-formed v1 signature")
	}
	if !anyMAC(v.keys, candidates, []byte(id), []byte{'.'}, []byte(ts), []byte{'.'}, body) {
		return "", fail(ErrBadSignature, "no v1 signature in "+HeaderWebhookSignature+" matches")
	}
	if err := v.window.check(t); err != nil {
		return "", err
	}
	return id, nil
}

// Sign returns the webhook-signature header value ("v1,<base64>") for a
// message, as a Standard Webhooks sender computes it: HMAC-SHA256 keyed with
// the base64-decoded part of whsec after "whsec_", over
// "<id>.<unix seconds of ts>.<body>". It is meant for tests, the demo sender
// and quellctl. Send the same id and ts in webhook-id and webhook-timestamp.
func Sign(whsec secret.Secret, id string, ts time.Time, body []byte) (string, error) {
	key, err := decodeWhsec(whsec)
	if err != nil {
		return "", fmt.Errorf("sourceauth: sign: %w", err)
	}
	if id == "" || strings.Contains(id, ".") {
		return "", errors.New("sourceauth: sign: id must be non-empty and must not contain '.'")
	}
	if ts.Unix() < 0 {
		return "", errors.New("sourceauth: sign: timestamp is before 1970")
	}
	sec := strconv.FormatInt(ts.Unix(), 10)
	mac := macSHA256(key, []byte(id), []byte{'.'}, []byte(sec), []byte{'.'}, body)
	return "v1," + base64.StdEncoding.EncodeToString(mac), nil
}
