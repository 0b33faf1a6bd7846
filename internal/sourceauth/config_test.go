package sourceauth_test

import (
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/secret"
	"github.com/quell-dev/quell/internal/sourceauth"
)

func TestNewValid(t *testing.T) {
	for _, cfg := range []sourceauth.Config{
		{Scheme: "standard-webhooks", Secrets: secrets(vecSecret, otherWhsec), Tolerance: time.Minute},
		{Scheme: "bearer", Secrets: secrets(tokenOld)},
		{Scheme: "basic", Username: basicUser, Secrets: secrets(basicPassOld)},
		{Scheme: "bamboohr", Secrets: secrets(bambooKey)},
		{Scheme: "hmac", Header: "X-Signature", Secrets: secrets(hmacKey)},
		{Scheme: "hmac", Header: "X-Sig", Prefix: "sha256=", Encoding: "base64", Signed: "timestamp.body",
			TimestampHeader: "X-Ts", IDHeader: "X-Id", Tolerance: time.Minute, Secrets: secrets(hmacKey)},
		{Scheme: "none"},
	} {
		if _, err := sourceauth.New(cfg); err != nil {
			t.Errorf("New(%s): %v", cfg.Scheme, err)
		}
	}
}

// problemFields lists the Field of every *ConfigError in err.
func problemFields(t *testing.T, err error) []string {
	t.Helper()
	if !errors.Is(err, sourceauth.ErrInvalidConfig) {
		t.Fatalf("error %v does not match ErrInvalidConfig", err)
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	var fields []string
	for _, e := range errs {
		var ce *sourceauth.ConfigError
		if !errors.As(e, &ce) {
			t.Fatalf("%v is not a *ConfigError", e)
		}
		fields = append(fields, ce.Field)
	}
	sort.Strings(fields)
	return fields
}

func TestNewInvalid(t *testing.T) {
	const raw = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	cases := []struct {
		name       string
		cfg        sourceauth.Config
		wantFields []string
		wantText   string
	}{
		{"unknown scheme", sourceauth.Config{Scheme: "hmac-sha1"}, []string{"scheme"}, `"hmac-sha1" is not one of`},
		{"empty scheme", sourceauth.Config{}, []string{"scheme"}, "is not one of"},
		{"no secrets", sourceauth.Config{Scheme: "bearer"}, []string{"secrets"}, "at least one secret"},
		{"empty secret", sourceauth.Config{Scheme: "bamboohr", Secrets: secrets(bambooKey, "")}, []string{"secrets[1]"}, "is empty"},
		{"whsec without prefix", sourceauth.Config{Scheme: "standard-webhooks", Secrets: secrets(raw)}, []string{"secrets[0]"}, `must start with "whsec_"`},
		{"whsec not base64", sourceauth.Config{Scheme: "standard-webhooks", Secrets: secrets(vecSecret, "whsec_"+raw+"!")}, []string{"secrets[1]"}, "not valid standard (padded) base64"},
		{"whsec too short", sourceauth.Config{Scheme: "standard-webhooks", Secrets: secrets("whsec_c2hvcnQ=")}, []string{"secrets[0]"}, "decodes to 5 bytes"},
		{"negative tolerance", sourceauth.Config{Scheme: "standard-webhooks", Secrets: secrets(vecSecret), Tolerance: -time.Second}, []string{"tolerance"}, "negative"},
		{"tolerance on bearer", sourceauth.Config{Scheme: "bearer", Secrets: secrets(tokenOld), Tolerance: time.Minute}, []string{"tolerance"}, `does not apply to scheme "bearer"`},
		{"bearer token with space", sourceauth.Config{Scheme: "bearer", Secrets: secrets("tok-9f3 e7a")}, []string{"secrets[0]"}, "whitespace"},
		{"basic without username", sourceauth.Config{Scheme: "basic", Secrets: secrets(basicPassOld)}, []string{"username"}, "is required"},
		{"basic username with colon", sourceauth.Config{Scheme: "basic", Username: "a:b", Secrets: secrets(basicPassOld)}, []string{"username"}, "':'"},
		{"username on bamboohr", sourceauth.Config{Scheme: "bamboohr", Username: "x", Secrets: secrets(bambooKey)}, []string{"username"}, "does not apply"},
		{"none with secrets", sourceauth.Config{Scheme: "none", Secrets: secrets("x")}, []string{"secrets"}, "takes no secrets"},
		{"hmac without header", sourceauth.Config{Scheme: "hmac", Secrets: secrets(hmacKey)}, []string{"header"}, "is required"},
		{"hmac bad header name", sourceauth.Config{Scheme: "hmac", Header: "X Sig", Secrets: secrets(hmacKey)}, []string{"header"}, "valid HTTP header name"},
		{"hmac bad encoding", sourceauth.Config{Scheme: "hmac", Header: "X-Sig", Encoding: "base32", Secrets: secrets(hmacKey)}, []string{"encoding"}, `"base32"`},
		{"hmac bad signed", sourceauth.Config{Scheme: "hmac", Header: "X-Sig", Signed: "body.timestamp", Secrets: secrets(hmacKey)}, []string{"signed"}, `"body.timestamp"`},
		{"hmac timestamp.body without header", sourceauth.Config{Scheme: "hmac", Header: "X-Sig", Signed: "timestamp.body", Secrets: secrets(hmacKey)}, []string{"timestamp_header"}, "is required"},
		{"hmac timestamp header with body", sourceauth.Config{Scheme: "hmac", Header: "X-Sig", TimestampHeader: "X-Ts", Tolerance: time.Minute, Secrets: secrets(hmacKey)}, []string{"timestamp_header", "tolerance"}, "applies only with"},
		{"everything wrong at once", sourceauth.Config{Scheme: "basic", Header: "X", IDHeader: "Y", Secrets: []secret.Secret{{}}},
			[]string{"header", "id_header", "secrets[0]", "username"}, "does not apply"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := sourceauth.New(tc.cfg)
			if err == nil || v != nil {
				t.Fatalf("New = %v, %v; want an error", v, err)
			}
			if got := problemFields(t, err); !reflect.DeepEqual(got, tc.wantFields) {
				t.Errorf("problem fields = %v, want %v (error: %v)", got, tc.wantFields, err)
			}
			if !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("error %q does not mention %q", err, tc.wantText)
			}
			for _, s := range tc.cfg.Secrets {
				if s.Reveal() != "" && strings.Contains(err.Error(), strings.TrimPrefix(s.Reveal(), "whsec_")) {
					t.Errorf("error %q quotes a secret", err)
				}
			}
		})
	}
}
