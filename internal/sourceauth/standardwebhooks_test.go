package sourceauth_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/secret"
	"github.com/quell-dev/quell/internal/sourceauth"
)

const vecSigB64 = "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

func TestSignReferenceVector(t *testing.T) {
	got, err := sourceauth.Sign(secret.New(vecSecret), vecID, time.Unix(vecTS, 0), []byte(vecBody))
	if err != nil {
		t.Fatal(err)
	}
	if got != vecSig {
		t.Fatalf("Sign = %q, want %q", got, vecSig)
	}
}

func TestSignRejects(t *testing.T) {
	for name, tc := range map[string]struct {
		secret, id string
		ts         time.Time
	}{
		"raw secret":       {"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", vecID, time.Unix(vecTS, 0)},
		"bad base64":       {"whsec_not*base64", vecID, time.Unix(vecTS, 0)},
		"dot in id":        {vecSecret, "msg.1", time.Unix(vecTS, 0)},
		"empty id":         {vecSecret, "", time.Unix(vecTS, 0)},
		"before the epoch": {vecSecret, vecID, time.Unix(-1, 0)},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := sourceauth.Sign(secret.New(tc.secret), tc.id, tc.ts, nil)
			if err == nil {
				t.Fatal("Sign succeeded")
			}
			checkNoLeak(t, err, tc.secret, strings.TrimPrefix(tc.secret, "whsec_"))
		})
	}
}

func TestStandardWebhooksVerify(t *testing.T) {
	rotatedSig, err := sourceauth.Sign(secret.New(otherWhsec), vecID, time.Unix(vecTS, 0), []byte(vecBody))
	if err != nil {
		t.Fatal(err)
	}
	ts := strconv.Itoa(vecTS)
	hdr := func(id, ts string, sigs ...string) []string {
		h := []string{"webhook-id", id, "webhook-timestamp", ts}
		for _, s := range sigs {
			h = append(h, "webhook-signature", s)
		}
		return h
	}
	cases := []struct {
		name    string
		secrets []string
		offset  time.Duration
		headers []string
		body    string
		wantErr error
	}{
		{name: "reference vector", headers: hdr(vecID, ts, vecSig)},
		{name: "clock +6m", offset: 6 * time.Minute, headers: hdr(vecID, ts, vecSig), wantErr: sourceauth.ErrTimestampTooOld},
		{name: "clock -6m", offset: -6 * time.Minute, headers: hdr(vecID, ts, vecSig), wantErr: sourceauth.ErrTimestampTooNew},
		{name: "clock +5m edge", offset: 5 * time.Minute, headers: hdr(vecID, ts, vecSig)},
		{name: "clock -5m edge", offset: -5 * time.Minute, headers: hdr(vecID, ts, vecSig)},
		{name: "tampered body", headers: hdr(vecID, ts, vecSig), body: `{"test": 2432232315}`, wantErr: sourceauth.ErrBadSignature},
		{name: "tampered id", headers: hdr(vecID+"x", ts, vecSig), wantErr: sourceauth.ErrBadSignature},
		{name: "tampered timestamp", headers: hdr(vecID, strconv.Itoa(vecTS+1), vecSig), wantErr: sourceauth.ErrBadSignature},
		{name: "wrong secret", secrets: []string{otherWhsec}, headers: hdr(vecID, ts, vecSig), wantErr: sourceauth.ErrBadSignature},
		{name: "rotation, signed with the second", secrets: []string{vecSecret, otherWhsec}, headers: hdr(vecID, ts, rotatedSig)},
		{name: "rotation, signed with the first", secrets: []string{vecSecret, otherWhsec}, headers: hdr(vecID, ts, vecSig)},
		{name: "only the last of several is valid", headers: hdr(vecID, ts, "v1,AAAA v1,"+strings.Repeat("A", 43)+"= v1a,"+vecSigB64+" "+vecSig)},
		{name: "both rotation signatures", headers: hdr(vecID, ts, rotatedSig+" "+vecSig)},
		{name: "valid one in a second header line", headers: hdr(vecID, ts, "v1,AAAA", vecSig)},
		{name: "unknown version ignored", headers: hdr(vecID, ts, "v1a,"+vecSigB64), wantErr: sourceauth.ErrBadSignature},
		{name: "v2 ignored", headers: hdr(vecID, ts, "v2,"+vecSigB64), wantErr: sourceauth.ErrBadSignature},
		{name: "signature not base64", headers: hdr(vecID, ts, "v1,!!!"), wantErr: sourceauth.ErrBadSignature},
		{name: "no comma", headers: hdr(vecID, ts, vecSigB64), wantErr: sourceauth.ErrBadSignature},
		{name: "missing id", headers: hdr("", ts, vecSig), wantErr: sourceauth.ErrMissingCredentials},
		{name: "missing timestamp", headers: hdr(vecID, "", vecSig), wantErr: sourceauth.ErrMissingCredentials},
		{name: "missing signature", headers: hdr(vecID, ts), wantErr: sourceauth.ErrMissingCredentials},
		{name: "dot in id", headers: hdr("msg.1", ts, vecSig), wantErr: sourceauth.ErrMalformed},
		{name: "dot in timestamp", headers: hdr(vecID, ts+".0", vecSig), wantErr: sourceauth.ErrMalformed},
		{name: "negative timestamp", headers: hdr(vecID, "-1", vecSig), wantErr: sourceauth.ErrMalformed},
		{name: "timestamp not a number", headers: hdr(vecID, "yesterday", vecSig), wantErr: sourceauth.ErrMalformed},
		{name: "timestamp overflows", headers: hdr(vecID, strings.Repeat("9", 30), vecSig), wantErr: sourceauth.ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.secrets == nil {
				tc.secrets = []string{vecSecret}
			}
			if tc.body == "" {
				tc.body = vecBody
			}
			v := mustNew(t, sourceauth.Config{
				Scheme:  sourceauth.SchemeStandardWebhooks,
				Secrets: secrets(tc.secrets...),
				Now:     clockAt(vecTS, tc.offset),
			})
			id, err := v.Verify(request(tc.headers...), []byte(tc.body))
			checkResult(t, id, err, vecID, tc.wantErr, vecSecret, otherWhsec, vecSigB64, rotatedSig[3:])
		})
	}
}

func TestStandardWebhooksTolerance(t *testing.T) {
	v := mustNew(t, sourceauth.Config{
		Scheme: sourceauth.SchemeStandardWebhooks, Secrets: secrets(vecSecret),
		Tolerance: time.Hour, Now: clockAt(vecTS, 59*time.Minute),
	})
	r := request("webhook-id", vecID, "webhook-timestamp", strconv.Itoa(vecTS), "webhook-signature", vecSig)
	id, err := v.Verify(r, []byte(vecBody))
	checkResult(t, id, err, vecID, nil)
}

func FuzzStandardWebhooksVerify(f *testing.F) {
	ts := strconv.Itoa(vecTS)
	f.Add(vecID, ts, vecSig, []byte(vecBody))
	f.Add(vecID, ts, "v1,AAAA "+vecSig, []byte(vecBody))
	f.Add(vecID, ts, "v1a,"+vecSigB64, []byte(vecBody))
	f.Add("msg.1", ts+".5", "v1,", []byte{})
	f.Add("", "", ",,, v1 ,v1", []byte("\x00"))
	v := mustNew(f, sourceauth.Config{
		Scheme: sourceauth.SchemeStandardWebhooks, Secrets: secrets(vecSecret), Now: clockAt(vecTS, 0),
	})
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte) {
		r := request()
		r.Header = http.Header{"Webhook-Id": {id}, "Webhook-Timestamp": {ts}, "Webhook-Signature": {sig}}
		got, err := v.Verify(r, body)
		checkErrorShape(t, err, vecSecret, vecSecret[len("whsec_"):])
		if err == nil && got != id {
			t.Fatalf("accepted with delivery id %q, header was %q", got, id)
		}
		// Whatever Sign produces for a well-formed id must verify.
		if strings.TrimSpace(id) == "" || strings.Contains(id, ".") {
			return
		}
		good, err := sourceauth.Sign(secret.New(vecSecret), id, time.Unix(vecTS, 0), body)
		if err != nil {
			t.Fatalf("Sign: %v", err)
		}
		r.Header.Set("Webhook-Timestamp", strconv.Itoa(vecTS))
		r.Header.Set("Webhook-Signature", sig+" "+good)
		if got, err := v.Verify(r, body); err != nil || got != id {
			t.Fatalf("signed message rejected: id %q err %v", got, err)
		}
	})
}
