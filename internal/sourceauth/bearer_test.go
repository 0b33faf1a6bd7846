package sourceauth_test

import (
	"net/http"
	"testing"

	"github.com/quell-dev/quell/internal/sourceauth"
)

const (
	tokenOld = "tok-old-3f9a1c7e5b2d4806"
	tokenNew = "tok-new-8c1e6a2f9d3b7045"
)

func TestBearerVerify(t *testing.T) {
	v := mustNew(t, sourceauth.Config{Scheme: sourceauth.SchemeBearer, Secrets: secrets(tokenOld, tokenNew)})
	cases := []struct {
		name    string
		auth    []string
		wantErr error
	}{
		{"first token", []string{"Bearer " + tokenOld}, nil},
		{"second token (rotation)", []string{"Bearer " + tokenNew}, nil},
		{"scheme is case-insensitive", []string{"bearer " + tokenNew}, nil},
		{"extra spaces", []string{"Bearer   " + tokenNew + " "}, nil},
		{"wrong token", []string{"Bearer tok-wrong"}, sourceauth.ErrBadCredentials},
		{"prefix of a token", []string{"Bearer " + tokenOld[:10]}, sourceauth.ErrBadCredentials},
		{"token plus suffix", []string{"Bearer " + tokenOld + "x"}, sourceauth.ErrBadCredentials},
		{"two tokens", []string{"Bearer " + tokenOld + " " + tokenNew}, sourceauth.ErrBadCredentials},
		{"missing header", nil, sourceauth.ErrMissingCredentials},
		{"empty header", []string{""}, sourceauth.ErrMissingCredentials},
		{"basic scheme", []string{"Basic dXNlcjpwYXNz"}, sourceauth.ErrMissingCredentials},
		{"token without scheme", []string{tokenOld}, sourceauth.ErrMissingCredentials},
		{"scheme without token", []string{"Bearer"}, sourceauth.ErrMalformed},
		{"scheme and space", []string{"Bearer  "}, sourceauth.ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := request()
			for _, a := range tc.auth {
				r.Header.Add("Authorization", a)
			}
			id, err := v.Verify(r, []byte("{}"))
			checkResult(t, id, err, "", tc.wantErr, tokenOld, tokenNew)
		})
	}
}

func FuzzBearerVerify(f *testing.F) {
	f.Add("Bearer " + tokenOld)
	f.Add("Bearer " + tokenNew)
	f.Add("bearer\t" + tokenNew)
	f.Add("Basic dXNlcjpwYXNz")
	f.Add("Bearer")
	v := mustNew(f, sourceauth.Config{Scheme: sourceauth.SchemeBearer, Secrets: secrets(tokenOld, tokenNew)})
	f.Fuzz(func(t *testing.T, auth string) {
		r := request()
		r.Header = http.Header{"Authorization": {auth}}
		id, err := v.Verify(r, nil)
		checkErrorShape(t, err, tokenOld, tokenNew)
		if id != "" {
			t.Fatalf("bearer returned delivery id %q", id)
		}
	})
}
