package sourceauth_test

import (
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/quell-dev/quell/internal/sourceauth"
)

const (
	basicUser    = "splunk-alerts"
	basicPassOld = "pw-old-71d0c5e2a9"
	basicPassNew = "pw-new-0b4f8e3c6d"
)

func basicHeader(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func TestBasicVerify(t *testing.T) {
	v := mustNew(t, sourceauth.Config{
		Scheme: sourceauth.SchemeBasic, Username: basicUser, Secrets: secrets(basicPassOld, basicPassNew),
	})
	cases := []struct {
		name    string
		auth    string
		wantErr error
	}{
		{"right", basicHeader(basicUser, basicPassOld), nil},
		{"rotated password", basicHeader(basicUser, basicPassNew), nil},
		{"scheme is case-insensitive", "basic " + basicHeader(basicUser, basicPassNew)[6:], nil},
		{"wrong password", basicHeader(basicUser, "nope"), sourceauth.ErrBadCredentials},
		{"wrong user", basicHeader("elastic", basicPassOld), sourceauth.ErrBadCredentials},
		{"both wrong", basicHeader("elastic", "nope"), sourceauth.ErrBadCredentials},
		{"password of another pair", basicHeader(basicUser, basicPassOld+basicPassNew), sourceauth.ErrBadCredentials},
		{"empty password", basicHeader(basicUser, ""), sourceauth.ErrBadCredentials},
		{"missing", "", sourceauth.ErrMissingCredentials},
		{"bearer scheme", "Bearer " + basicPassOld, sourceauth.ErrMissingCredentials},
		{"not base64", "Basic !!!", sourceauth.ErrMalformed},
		{"no colon", "Basic " + base64.StdEncoding.EncodeToString([]byte(basicUser)), sourceauth.ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := request()
			if tc.auth != "" {
				r.Header.Set("Authorization", tc.auth)
			}
			id, err := v.Verify(r, nil)
			checkResult(t, id, err, "", tc.wantErr, basicPassOld, basicPassNew)
		})
	}
}

func FuzzBasicVerify(f *testing.F) {
	f.Add(basicHeader(basicUser, basicPassOld))
	f.Add(basicHeader(basicUser, "nope"))
	f.Add("Basic !!!")
	f.Add("Basic")
	v := mustNew(f, sourceauth.Config{
		Scheme: sourceauth.SchemeBasic, Username: basicUser, Secrets: secrets(basicPassOld, basicPassNew),
	})
	f.Fuzz(func(t *testing.T, auth string) {
		r := request()
		r.Header = http.Header{"Authorization": {auth}}
		id, err := v.Verify(r, nil)
		checkErrorShape(t, err, basicPassOld, basicPassNew)
		if id != "" {
			t.Fatalf("basic returned delivery id %q", id)
		}
	})
}
