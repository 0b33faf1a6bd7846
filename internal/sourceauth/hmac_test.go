package sourceauth_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/sourceauth"
)

// GitHub's documented X-Hub-Signature-256 example (docs "Validating webhook
// deliveries"): a real sender's vector for the "sha256=" + hex layout.
const (
	ghSecret = "It's a Secret to Everybody"
	ghBody   = "Hello, World!"
	ghSig    = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
)

const (
	hmacKey    = "generic-hmac-key-5e8d2c71"
	hmacKeyOld = "generic-hmac-key-old-0a9f"
	hmacTS     = 1767225600
)

func mac(key string, parts ...string) []byte {
	m := hmac.New(sha256.New, []byte(key))
	for _, p := range parts {
		m.Write([]byte(p))
	}
	return m.Sum(nil)
}

func TestHMACVerify(t *testing.T) {
	ts := strconv.Itoa(hmacTS)
	hexSig := hex.EncodeToString(mac(hmacKey, ghBody))
	b64Sig := base64.StdEncoding.EncodeToString(mac(hmacKey, ghBody))
	tsSig := hex.EncodeToString(mac(hmacKey, ts, ".", ghBody))
	github := sourceauth.Config{Header: "X-Hub-Signature-256", Prefix: "sha256=", Secrets: secrets(ghSecret)}
	plainHex := sourceauth.Config{Header: "X-Signature", Secrets: secrets(hmacKeyOld, hmacKey)}
	b64 := sourceauth.Config{Header: "X-Signature", Encoding: "base64", Secrets: secrets(hmacKey)}
	withTS := sourceauth.Config{Header: "X-Signature", Signed: "timestamp.body", TimestampHeader: "X-Timestamp", IDHeader: "X-Delivery", Secrets: secrets(hmacKey)}
	cases := []struct {
		name    string
		cfg     sourceauth.Config
		offset  time.Duration
		headers []string
		body    string
		wantID  string
		wantErr error
	}{
		{name: "github vector", cfg: github, headers: []string{"X-Hub-Signature-256", ghSig}},
		{name: "prefix is case-insensitive", cfg: github, headers: []string{"X-Hub-Signature-256", "SHA256=" + ghSig[7:]}},
		{name: "github tampered body", cfg: github, headers: []string{"X-Hub-Signature-256", ghSig}, body: "Hello, World?", wantErr: sourceauth.ErrBadSignature},
		{name: "missing prefix", cfg: github, headers: []string{"X-Hub-Signature-256", ghSig[7:]}, wantErr: sourceauth.ErrMalformed},
		{name: "missing header", cfg: github, wantErr: sourceauth.ErrMissingCredentials},
		{name: "hex, second key", cfg: plainHex, headers: []string{"X-Signature", hexSig}},
		{name: "hex given base64", cfg: plainHex, headers: []string{"X-Signature", b64Sig}, wantErr: sourceauth.ErrMalformed},
		{name: "base64", cfg: b64, headers: []string{"X-Signature", b64Sig}},
		{name: "base64 unpadded", cfg: b64, headers: []string{"X-Signature", b64Sig[:len(b64Sig)-1]}},
		{name: "base64 wrong key", cfg: b64, headers: []string{"X-Signature", base64.StdEncoding.EncodeToString(mac("x", ghBody))}, wantErr: sourceauth.ErrBadSignature},
		{name: "base64 garbage", cfg: b64, headers: []string{"X-Signature", "***"}, wantErr: sourceauth.ErrMalformed},
		{name: "timestamp.body with id", cfg: withTS, headers: []string{"X-Signature", tsSig, "X-Timestamp", ts, "X-Delivery", "d-42"}, wantID: "d-42"},
		{name: "timestamp.body without id header", cfg: withTS, headers: []string{"X-Signature", tsSig, "X-Timestamp", ts}},
		{name: "timestamp.body RFC 3339", cfg: withTS, headers: []string{"X-Signature", hex.EncodeToString(mac(hmacKey, "2026-01-01T00:00:00Z", ".", ghBody)), "X-Timestamp", "2026-01-01T00:00:00Z"}},
		{name: "timestamp.body too old", cfg: withTS, offset: 10 * time.Minute, headers: []string{"X-Signature", tsSig, "X-Timestamp", ts}, wantErr: sourceauth.ErrTimestampTooOld},
		{name: "timestamp.body too new", cfg: withTS, offset: -10 * time.Minute, headers: []string{"X-Signature", tsSig, "X-Timestamp", ts}, wantErr: sourceauth.ErrTimestampTooNew},
		{name: "timestamp.body tampered timestamp", cfg: withTS, headers: []string{"X-Signature", tsSig, "X-Timestamp", strconv.Itoa(hmacTS + 1)}, wantErr: sourceauth.ErrBadSignature},
		{name: "timestamp.body signed body only", cfg: withTS, headers: []string{"X-Signature", hexSig, "X-Timestamp", ts}, wantErr: sourceauth.ErrBadSignature},
		{name: "timestamp.body missing timestamp", cfg: withTS, headers: []string{"X-Signature", tsSig}, wantErr: sourceauth.ErrMissingCredentials},
		{name: "timestamp.body unparseable timestamp", cfg: withTS, headers: []string{"X-Signature", hex.EncodeToString(mac(hmacKey, "soon", ".", ghBody)), "X-Timestamp", "soon"}, wantErr: sourceauth.ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.body == "" {
				tc.body = ghBody
			}
			tc.cfg.Scheme = sourceauth.SchemeHMAC
			tc.cfg.Now = clockAt(hmacTS, tc.offset)
			v := mustNew(t, tc.cfg)
			id, err := v.Verify(request(tc.headers...), []byte(tc.body))
			checkResult(t, id, err, tc.wantID, tc.wantErr, ghSecret, hmacKey, hmacKeyOld, ghSig[7:], hexSig, b64Sig, tsSig)
		})
	}
}

func FuzzHMACVerify(f *testing.F) {
	ts := strconv.Itoa(hmacTS)
	f.Add(ghSig, "", []byte(ghBody), false)
	f.Add(base64.StdEncoding.EncodeToString(mac(hmacKey, ts, ".", ghBody)), ts, []byte(ghBody), true)
	f.Add(base64.StdEncoding.EncodeToString(mac(hmacKey, ghBody)), "", []byte(ghBody), false)
	f.Add("sha256=", "2026-01-01T00:00:00Z", []byte{}, true)
	f.Add("SHA256=zz", "-1", []byte(nil), true)
	configs := map[bool]sourceauth.Verifier{
		false: mustNew(f, sourceauth.Config{Scheme: sourceauth.SchemeHMAC, Header: "X-Hub-Signature-256", Prefix: "sha256=", Secrets: secrets(ghSecret)}),
		true: mustNew(f, sourceauth.Config{Scheme: sourceauth.SchemeHMAC, Header: "X-Signature", Encoding: "base64", Signed: "timestamp.body",
			TimestampHeader: "X-Timestamp", IDHeader: "X-Delivery", Secrets: secrets(hmacKey), Now: clockAt(hmacTS, 0)}),
	}
	f.Fuzz(func(t *testing.T, sig, ts string, body []byte, withTS bool) {
		r := request()
		r.Header = http.Header{"X-Hub-Signature-256": {sig}, "X-Signature": {sig}, "X-Timestamp": {ts}, "X-Delivery": {ts}}
		id, err := configs[withTS].Verify(r, body)
		checkErrorShape(t, err, ghSecret, hmacKey)
		if err == nil && withTS && id != ts {
			t.Fatalf("delivery id %q, want the X-Delivery value %q", id, ts)
		}
		if err == nil && !withTS && id != "" {
			t.Fatalf("delivery id %q without an id header", id)
		}
	})
}
