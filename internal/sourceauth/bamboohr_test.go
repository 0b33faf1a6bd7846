package sourceauth_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/secret"
	"github.com/quell-dev/quell/internal/sourceauth"
)

const (
	bambooKey      = "b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6"
	bambooKeyOld   = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
	bambooBody     = `{"employees":[{"id":"318","action":"Updated","timestamp":"2026-11-23T09:00:12+00:00","changedFields":["Employment Status","Status"]}]}`
	bambooTS       = "2026-11-23T09:00:12+00:00"
	bambooUnixTS   = "1795424412" // the same instant in unix seconds
	bambooUnixMsTS = "1795424412000"
)

// bambooSig computes the signature independently of the package.
func bambooSig(key, body, ts string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(body))
	m.Write([]byte(ts))
	return hex.EncodeToString(m.Sum(nil))
}

func TestSignBambooHR(t *testing.T) {
	want := bambooSig(bambooKey, bambooBody, bambooTS)
	if got := sourceauth.SignBambooHR(secret.New(bambooKey), []byte(bambooBody), bambooTS); got != want {
		t.Fatalf("SignBambooHR = %s, want %s", got, want)
	}
	if ts, _ := time.Parse(time.RFC3339, bambooTS); strconv.FormatInt(ts.Unix(), 10) != bambooUnixTS {
		t.Fatalf("test constants disagree: %d", ts.Unix())
	}
}

func TestBambooHRVerify(t *testing.T) {
	now, _ := time.Parse(time.RFC3339, bambooTS)
	hdr := func(sig, ts string) []string {
		return []string{"X-BambooHR-Signature", sig, "X-BambooHR-Timestamp", ts}
	}
	good := bambooSig(bambooKey, bambooBody, bambooTS)
	cases := []struct {
		name    string
		offset  time.Duration
		headers []string
		body    string
		wantErr error
	}{
		{name: "RFC 3339 timestamp", headers: hdr(good, bambooTS)},
		{name: "upper-case hex", headers: hdr(strings.ToUpper(good), bambooTS)},
		{name: "unix seconds", headers: hdr(bambooSig(bambooKey, bambooBody, bambooUnixTS), bambooUnixTS)},
		{name: "unix milliseconds", headers: hdr(bambooSig(bambooKey, bambooBody, bambooUnixMsTS), bambooUnixMsTS)},
		{name: "opaque timestamp is not checked", offset: 24 * time.Hour, headers: hdr(bambooSig(bambooKey, bambooBody, "batch-7"), "batch-7")},
		{name: "signed with the old key (rotation)", headers: hdr(bambooSig(bambooKeyOld, bambooBody, bambooTS), bambooTS)},
		{name: "too old", offset: 6 * time.Minute, headers: hdr(good, bambooTS), wantErr: sourceauth.ErrTimestampTooOld},
		{name: "too new", offset: -6 * time.Minute, headers: hdr(good, bambooTS), wantErr: sourceauth.ErrTimestampTooNew},
		{name: "unix seconds too old", offset: time.Hour, headers: hdr(bambooSig(bambooKey, bambooBody, bambooUnixTS), bambooUnixTS), wantErr: sourceauth.ErrTimestampTooOld},
		{name: "tampered body", headers: hdr(good, bambooTS), body: strings.Replace(bambooBody, "318", "319", 1), wantErr: sourceauth.ErrBadSignature},
		{name: "tampered timestamp", headers: hdr(good, "2026-11-23T09:00:13+00:00"), wantErr: sourceauth.ErrBadSignature},
		{name: "signed timestamp before body", headers: hdr(bambooSig(bambooKey, bambooTS, bambooBody), bambooTS), wantErr: sourceauth.ErrBadSignature},
		{name: "wrong key", headers: hdr(bambooSig("other", bambooBody, bambooTS), bambooTS), wantErr: sourceauth.ErrBadSignature},
		{name: "truncated signature", headers: hdr(good[:40], bambooTS), wantErr: sourceauth.ErrBadSignature},
		{name: "not hex", headers: hdr("sha256="+good, bambooTS), wantErr: sourceauth.ErrMalformed},
		{name: "missing signature", headers: hdr("", bambooTS), wantErr: sourceauth.ErrMissingCredentials},
		{name: "missing timestamp", headers: hdr(good, ""), wantErr: sourceauth.ErrMissingCredentials},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.body == "" {
				tc.body = bambooBody
			}
			v := mustNew(t, sourceauth.Config{
				Scheme:  sourceauth.SchemeBambooHR,
				Secrets: secrets(bambooKey, bambooKeyOld),
				Now:     func() time.Time { return now.Add(tc.offset) },
			})
			id, err := v.Verify(request(tc.headers...), []byte(tc.body))
			checkResult(t, id, err, "", tc.wantErr, bambooKey, bambooKeyOld, good)
		})
	}
}

func FuzzBambooHRVerify(f *testing.F) {
	f.Add(bambooSig(bambooKey, bambooBody, bambooTS), bambooTS, []byte(bambooBody))
	f.Add(bambooSig(bambooKey, bambooBody, bambooUnixTS), bambooUnixTS, []byte(bambooBody))
	f.Add(bambooSig(bambooKey, "", "x"), "x", []byte{})
	f.Add("zz", "99999999999999999999", []byte(nil))
	now, _ := time.Parse(time.RFC3339, bambooTS)
	v := mustNew(f, sourceauth.Config{
		Scheme: sourceauth.SchemeBambooHR, Secrets: secrets(bambooKey), Now: func() time.Time { return now },
	})
	f.Fuzz(func(t *testing.T, sig, ts string, body []byte) {
		r := request()
		r.Header = http.Header{"X-Bamboohr-Signature": {sig}, "X-Bamboohr-Timestamp": {ts}}
		id, err := v.Verify(r, body)
		checkErrorShape(t, err, bambooKey)
		if id != "" {
			t.Fatalf("bamboohr returned delivery id %q", id)
		}
		if err == nil && !strings.EqualFold(strings.TrimSpace(sig), bambooSig(bambooKey, string(body), ts)) {
			t.Fatalf("accepted a signature that is not the HMAC")
		}
	})
}
