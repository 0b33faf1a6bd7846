package scim

import (
	"strings"
	"testing"
	"time"
)

var sampleUser = User{ID: "u-1", ExternalID: "Ext-1", UserName: "JDoe@example.com", Active: true, DisplayName: "John Doe",
	GivenName: "John", FamilyName: "Doe", EmployeeNumber: "E-7", Manager: "m-1",
	Emails:  []Email{{Value: "jdoe@example.com", Type: "work", Primary: true}, {Value: "john@home.example", Type: "home"}},
	Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), LastModified: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}

func TestFilterParseAndMatch(t *testing.T) {
	cases := []struct {
		filter string
		match  bool
		canon  string
	}{
		{`userName eq "jdoe@example.com"`, true, `username eq "jdoe@example.com"`},
		{`USERNAME EQ "JDOE@EXAMPLE.COM"`, true, ""},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "jdoe@example.com"`, true, ""},
		{`externalId eq "Ext-1"`, true, ""},
		{`externalId eq "ext-1"`, false, ""},
		{`userName ne "x"`, true, ""},
		{`userName co "doe@"`, true, ""},
		{`userName sw "jd" and userName ew ".com"`, true, ""},
		{`displayName pr`, true, "displayname pr"},
		{`manager pr and urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "E-7"`, true, ""},
		{`active eq true`, true, ""},
		{`active eq False`, false, ""},
		{`emails[type eq "work" and primary eq true]`, true, `emails[type eq "work" and primary eq true]`},
		{`emails[type eq "other"]`, false, ""},
		{`emails.value eq "john@home.example"`, true, ""},
		{`emails eq "JOHN@home.example"`, true, ""},
		{`emails.type eq "home"`, true, ""},
		{`not (active eq true) or userName eq "x"`, false, `not (active eq true) or username eq "x"`},
		{`userName eq "a" or userName eq "b" and active eq true`, false, `username eq "a" or username eq "b" and active eq true`}, {`(userName eq "a" or userName eq "b") and (active eq true or active eq false)`, false, `(username eq "a" or username eq "b") and (active eq true or active eq false)`},
		{`(userName eq "a" or displayName eq "John Doe") and active eq true`, true, ""},
		{`meta.created gt "2026-01-01T00:00:00Z"`, true, ""},
		{`meta.lastModified lt "2026-01-01T00:00:00Z"`, false, ""},
		{`userName gt "j"`, true, ""},
		{`title eq null`, false, "invalid"},
		{`employeeNumber eq null`, false, ""},
		{`userName eq "with \"quote\" inside"`, false, ""},
	}
	for _, c := range cases {
		f, err := ParseFilter(c.filter)
		if c.canon == "invalid" {
			if err == nil {
				t.Errorf("%s: parsed", c.filter)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.filter, err)
			continue
		}
		if got := f.match(userSource{sampleUser}); got != c.match {
			t.Errorf("%s: match %v, want %v", c.filter, got, c.match)
		}
		if c.canon != "" && f.String() != c.canon {
			t.Errorf("%s: canonical %s, want %s", c.filter, f.String(), c.canon)
		}
	}
}

func TestFilterRefusals(t *testing.T) {
	for _, s := range []string{
		``, `userName`, `userName eq`, `userName eq jdoe`, `userName xx "a"`, `userName eq "a" and`,
		`(userName eq "a"`, `userName eq "a")`, `not userName eq "a"`, `password eq "x"`, `active eq "true"`,
		`userName eq true`, `active gt true`, `userName eq 12`, `userName gt null`, `userName[type eq "x"]`,
		`emails[type eq "work"`, `emails[password eq "x"]`, `userName eq "unterminated`, `"userName" eq "a"`,
		strings.Repeat("(", 40) + `userName eq "a"` + strings.Repeat(")", 40), strings.Repeat("a", maxFilterLen+1),
	} {
		_, err := ParseFilter(s)
		e, ok := err.(*Error)
		if !ok || e.Status != 400 || e.Type != typeInvalidFilter {
			t.Errorf("%q: %v, want 400 invalidFilter", s, err)
		}
	}
}

func TestUserNameEqualsIsOnlyTheExactLookup(t *testing.T) {
	for s, want := range map[string]bool{`userName eq "a"`: true, `userName Eq "a"`: true, `userName eq "a" and active eq true`: false,
		`userName co "a"`: false, `externalId eq "a"`: false} {
		f, err := ParseFilter(s)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := userNameEquals(f); ok != want {
			t.Errorf("%s: %v", s, ok)
		}
	}
}

// FuzzParseFilter: no input panics, and a parsed filter's canonical form
// parses to the same canonical form and matches the same user.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{`userName eq "jdoe"`, `emails[type eq "work" and value co "@"]`, `not (active eq true) or displayName pr`,
		`meta.created ge "2026-01-01T00:00:00Z"`, `externalId eq "a\"b"`, `((userName sw "j"))`, `employeeNumber eq null`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		flt, err := ParseFilter(s)
		if err != nil {
			if e, ok := err.(*Error); !ok || e.Status != 400 {
				t.Fatalf("%q: %v is not a 400", s, err)
			}
			return
		}
		again, err := ParseFilter(flt.String())
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", flt.String(), s, err)
		}
		if again.String() != flt.String() || again.match(userSource{sampleUser}) != flt.match(userSource{sampleUser}) {
			t.Fatalf("%q and its canonical form %q differ", s, flt.String())
		}
	})
}
