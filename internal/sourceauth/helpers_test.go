package sourceauth_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/secret"
	"github.com/quell-dev/quell/internal/sourceauth"
)

// The Standard Webhooks reference test vector, asserted by the official Go,
// JS, Java and C# libraries (standard-webhooks/standard-webhooks,
// libraries/go/webhook_test.go TestWebhookSign); copied from
// reference/samples/standard-webhooks-test-vector.json so that the tests need
// nothing outside the module.
const (
	vecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vecID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vecTS     = 1614265330
	vecBody   = `{"test": 2432232314}`
	vecSig    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

// otherWhsec is a second, unrelated Standard Webhooks secret (32 bytes).
const otherWhsec = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

var sentinels = []error{
	sourceauth.ErrMissingCredentials, sourceauth.ErrMalformed, sourceauth.ErrBadSignature,
	sourceauth.ErrBadCredentials, sourceauth.ErrTimestampTooOld, sourceauth.ErrTimestampTooNew,
}

// clockAt returns a fixed clock at unix seconds sec plus offset.
func clockAt(sec int64, offset time.Duration) func() time.Time {
	t := time.Unix(sec, 0).Add(offset)
	return func() time.Time { return t }
}

func secrets(values ...string) []secret.Secret {
	out := make([]secret.Secret, len(values))
	for i, v := range values {
		out[i] = secret.New(v)
	}
	return out
}

func mustNew(t testing.TB, cfg sourceauth.Config) sourceauth.Verifier {
	t.Helper()
	v, err := sourceauth.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return v
}

// request builds a POST with the given headers (name, value pairs; a value
// may repeat a name to add a second header line).
func request(headers ...string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/v1/webhooks/test", nil)
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Add(headers[i], headers[i+1])
	}
	return r
}

// checkResult asserts Verify's outcome: wantErr nil means success with
// wantID; otherwise errors.Is(err, wantErr), an empty id, and a message free
// of every string in secretish.
func checkResult(t testing.TB, id string, err error, wantID string, wantErr error, secretish ...string) {
	t.Helper()
	if wantErr == nil {
		if err != nil {
			t.Fatalf("Verify: unexpected error %v", err)
		}
		if id != wantID {
			t.Fatalf("delivery id = %q, want %q", id, wantID)
		}
		return
	}
	if !errors.Is(err, wantErr) {
		t.Fatalf("Verify error = %v, want %v", err, wantErr)
	}
	if id != "" {
		t.Fatalf("delivery id %q returned with an error", id)
	}
	checkNoLeak(t, err, secretish...)
}

// checkErrorShape asserts that a Verify error wraps exactly one sentinel and
// leaks none of secretish; used by the fuzz targets.
func checkErrorShape(t testing.TB, err error, secretish ...string) {
	t.Helper()
	if err == nil {
		return
	}
	n := 0
	for _, s := range sentinels {
		if errors.Is(err, s) {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("error %q wraps %d sentinels, want 1", err, n)
	}
	checkNoLeak(t, err, secretish...)
}

func checkNoLeak(t testing.TB, err error, secretish ...string) {
	t.Helper()
	for _, s := range secretish {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Fatalf("error message %q contains secret material %q", err, s)
		}
	}
}
