package sourceauth_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/quell-dev/quell/internal/sourceauth"
)

// Okta Event Hooks send the hook's secret as the whole header value.
func TestHeaderSecretVerify(t *testing.T) {
	cases := []struct {
		name    string
		header  string // configured; "" is the default, Authorization
		sent    map[string][]string
		wantErr error
	}{
		{"first secret", "", map[string][]string{"Authorization": {tokenOld}}, nil},
		{"second secret (rotation)", "", map[string][]string{"Authorization": {tokenNew}}, nil},
		{"configured header", "X-Okta-Secret", map[string][]string{"X-Okta-Secret": {tokenNew}}, nil},
		{"configured header, sent in Authorization", "X-Okta-Secret", map[string][]string{"Authorization": {tokenNew}}, sourceauth.ErrMissingCredentials},
		{"with a Bearer word", "", map[string][]string{"Authorization": {"Bearer " + tokenOld}}, sourceauth.ErrBadCredentials},
		{"wrong secret", "", map[string][]string{"Authorization": {"nope"}}, sourceauth.ErrBadCredentials},
		{"prefix of a secret", "", map[string][]string{"Authorization": {tokenOld[:8]}}, sourceauth.ErrBadCredentials},
		{"missing", "", nil, sourceauth.ErrMissingCredentials},
		{"empty", "", map[string][]string{"Authorization": {""}}, sourceauth.ErrMissingCredentials},
		{"twice", "", map[string][]string{"Authorization": {tokenOld, tokenOld}}, sourceauth.ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := mustNew(t, sourceauth.Config{Scheme: sourceauth.SchemeHeader, Header: tc.header, Secrets: secrets(tokenOld, tokenNew)})
			r := request()
			for k, vals := range tc.sent {
				for _, val := range vals {
					r.Header.Add(k, val)
				}
			}
			id, err := v.Verify(r, []byte("{}"))
			checkResult(t, id, err, "", tc.wantErr, tokenOld, tokenNew)
		})
	}
}

func TestHeaderSecretConfig(t *testing.T) {
	_, err := sourceauth.New(sourceauth.Config{Scheme: sourceauth.SchemeHeader, Header: "Bad Header", Secrets: secrets(tokenOld)})
	if !errors.Is(err, sourceauth.ErrInvalidConfig) {
		t.Fatalf("bad header name: %v", err)
	}
	_, err = sourceauth.New(sourceauth.Config{Scheme: sourceauth.SchemeHeader, Username: "u", Secrets: secrets(tokenOld)})
	if !errors.Is(err, sourceauth.ErrInvalidConfig) {
		t.Fatalf("username on header scheme: %v", err)
	}
}

func FuzzHeaderSecretVerify(f *testing.F) {
	f.Add(tokenOld)
	f.Add("Bearer " + tokenNew)
	f.Add("")
	v := mustNew(f, sourceauth.Config{Scheme: sourceauth.SchemeHeader, Secrets: secrets(tokenOld, tokenNew)})
	f.Fuzz(func(t *testing.T, auth string) {
		r := request()
		r.Header = http.Header{"Authorization": {auth}}
		id, err := v.Verify(r, nil)
		checkErrorShape(t, err, tokenOld, tokenNew)
		if id != "" {
			t.Fatalf("header scheme returned delivery id %q", id)
		}
		if err == nil && auth != tokenOld && auth != tokenNew {
			t.Fatalf("accepted %q", auth)
		}
	})
}
