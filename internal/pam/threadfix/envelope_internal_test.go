package threadfix

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
	"github.com/quell-dev/quell/internal/secret"
)

// documented answers, verbatim from shared/reference/samples.
const (
	sampleUpdate = `{
    "message": "",
    "success": true,
    "responseCode": -1,
    "object": "Successfully updated the user."
}`
	sampleAuthError = `{
    "message": "Authentication failed, check your API Key.",
    "success": false,
    "responseCode": -1,
    "object": null
}`
	sampleList = `{"message":"","success":true,"responseCode":-1,"object":[
 {"id":2,"name":"Albert","displayName":"","type":"LOCAL","activeDirectory":null},
 {"id":3,"name":"aant","displayName":"Adam","type":"LDAP","activeDirectory":{"id":111,"name":"AWS Instance 1"}},
 {"id":1,"name":"user","displayName":null,"type":"LOCAL","activeDirectory":null}]}`
)

func TestDecodeEnvelope(t *testing.T) {
	cases := []struct {
		name      string
		body      string
		success   bool
		err       string
		permanent bool
	}{
		{name: "documented update", body: sampleUpdate, success: true},
		{name: "documented auth error", body: sampleAuthError, success: false},
		{name: "documented list", body: sampleList, success: true},
		{name: "unknown fields tolerated", body: `{"success":true,"extra":{"a":[1]},"responseCode":"x"}`, success: true},
		{name: "empty", body: " \n", err: "empty answer", permanent: true},
		{name: "html", body: "<!DOCTYPE html><p>login", err: `starts "<!DOCTYPE html><p>login"`, permanent: true},
		{name: "array", body: `[1,2]`, err: "not a ThreadFix JSON envelope", permanent: true},
		{name: "no success field", body: `{"message":"hi"}`, err: `no "success" field`, permanent: true},
		{name: "success not a bool", body: `{"success":"yes"}`, err: "not a ThreadFix JSON envelope", permanent: true},
		{name: "garbage inside", body: `{"success":true,,}`, err: "not a ThreadFix JSON envelope", permanent: true},
		{name: "cut off", body: `{"message":"","success":tr`, err: "answer cut off after", permanent: false},
		{name: "cut off in a string", body: `{"message":"abc`, err: "answer cut off", permanent: false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env, err := decodeEnvelope([]byte(tc.body))
			if tc.err == "" {
				if err != nil || *env.Success != tc.success {
					t.Fatalf("got %+v, %v", env, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) || actions.IsPermanent(err) != tc.permanent {
				t.Fatalf("got %v, want error containing %q, permanent=%v", err, tc.err, tc.permanent)
			}
		})
	}
	env, _ := decodeEnvelope([]byte(sampleList))
	var users []user
	if err := json.Unmarshal(env.Object, &users); err != nil || len(users) != 3 || users[1].directoryID() != 111 || users[2].DisplayName != "" {
		t.Errorf("documented list decoded as %+v, %v", users, err)
	}
}

func TestCleanMessage(t *testing.T) {
	key := secret.New("k3y-k3y-k3y")
	got := cleanMessage("bad\r\nkey k3y-k3y-k3y\x00 here\t ", key)
	if got != "bad key [REDACTED] here" {
		t.Errorf("got %q", got)
	}
	long := cleanMessage(strings.Repeat("é", pam.MaxErrorBody), key)
	if !strings.HasSuffix(long, "…(truncated)") || !utf8.ValidString(long) || len(long) > pam.MaxErrorBody+len("…(truncated)") {
		t.Errorf("long message: %d bytes, valid=%v", len(long), utf8.ValidString(long))
	}
}

func TestGlobalRoleID(t *testing.T) {
	cases := []struct {
		a    auditUser
		id   int
		ok   bool
		desc string
	}{
		{auditUser{HasGlobalGroupAccess: false}, NoGlobalAccess, true, "no global access"},
		{auditUser{HasGlobalGroupAccess: true}, ReadAccess, true, "read access"},
		{auditUser{HasGlobalGroupAccess: true, GlobalRole: &role{ID: 0}}, ReadAccess, true, "read access"},
		{auditUser{HasGlobalGroupAccess: true, GlobalRole: &role{ID: 1, DisplayName: "Administrator"}}, 1, true, "role 1 (Administrator)"},
		{auditUser{HasGlobalGroupAccess: true, GlobalRole: &role{ID: 7}}, 7, true, "role 7"},
		{auditUser{HasGlobalGroupAccess: false, GlobalRole: &role{ID: 7}}, 0, false, "inconsistent (no global access flag, role 7)"},
	}
	for _, tc := range cases {
		id, ok := tc.a.globalRoleID()
		if id != tc.id || ok != tc.ok || tc.a.describe() != tc.desc {
			t.Errorf("%+v: got %d/%v %q, want %d/%v %q", tc.a, id, ok, tc.a.describe(), tc.id, tc.ok, tc.desc)
		}
	}
}

// FuzzDecodeEnvelope checks that any body decodes without panicking into
// either an envelope with success set, or a classified error, and that a
// success envelope survives a round trip.
func FuzzDecodeEnvelope(f *testing.F) {
	for _, s := range []string{sampleUpdate, sampleAuthError, sampleList, "", "<html>", `{"success":tr`, `{"success":null}`, `{"object":[` + strings.Repeat("[", 100)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		env, err := decodeEnvelope(body)
		if err != nil {
			if env.Success != nil {
				t.Fatal("error with an envelope")
			}
			if c, _ := actions.Classify(err); c != actions.ClassPermanent && !strings.Contains(err.Error(), "cut off") {
				t.Fatalf("unclassified or wrongly transient: %v", err)
			}
			return
		}
		if env.Success == nil {
			t.Fatal("envelope without success")
		}
		again, err := json.Marshal(env)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		env2, err := decodeEnvelope(again)
		if err != nil || *env2.Success != *env.Success || env2.Message != env.Message {
			t.Fatalf("round trip: %+v -> %+v, %v", env, env2, err)
		}
	})
}

// FuzzCleanMessage checks the message scrubber's promises on any input.
func FuzzCleanMessage(f *testing.F) {
	f.Add("Authentication failed, check your API Key.", "k")
	f.Add("a\x00b\r\nc", "secret")
	f.Fuzz(func(t *testing.T, msg, key string) {
		got := cleanMessage(msg, secret.New(key))
		if !utf8.ValidString(got) || strings.ContainsAny(got, "\r\n\x00\t") {
			t.Fatalf("not one clean line: %q", got)
		}
		if len(got) > pam.MaxErrorBody+len("…(truncated)") {
			t.Fatalf("%d bytes", len(got))
		}
		// An alphanumeric key (as real keys are) cannot be recreated by
		// collapsing white space or by the brackets of "[REDACTED]".
		if alnum(key) && len(key) >= 4 && !strings.Contains("REDACTED", key) && strings.Contains(got, key) {
			t.Fatalf("key %q survived in %q", key, got)
		}
	})
}

func alnum(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
