package scim

import (
	"encoding/json"
	"reflect"
	"testing"
)

func opsBody(ops string) []byte {
	return []byte(`{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [` + ops + `]}`)
}

// The PATCH forms Entra ID and Okta send, and what each does to a user.
func TestApplyPatch(t *testing.T) {
	base := func() User {
		return User{ID: "u-1", UserName: "jdoe@example.com", Active: true, DisplayName: "John Doe",
			Emails: []Email{{Value: "jdoe@example.com", Type: "work", Primary: true}}}
	}
	cases := []struct {
		name string
		ops  string
		want func(u *User)
	}{
		{"Entra active string False", `{"op": "Replace", "path": "active", "value": "False"}`, func(u *User) { u.Active = false }},
		{"Entra active string True on active user", `{"op": "Replace", "path": "active", "value": "True"}`, func(*User) {}},
		{"Okta no path", `{"op": "replace", "value": {"active": false}}`, func(u *User) { u.Active = false }},
		{"no path with dotted and URN keys", `{"op": "Replace", "value": {"name.givenName": "Johnny", "displayName": "JD",
		  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": 701984}}`, func(u *User) {
			u.GivenName, u.DisplayName, u.EmployeeNumber = "Johnny", "JD", "701984"
		}},
		{"no path with the enterprise object", `{"op": "add", "value": {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "m-9"}}}}`,
			func(u *User) { u.Manager = "m-9" }},
		{"work email replace", `{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "john@example.com"}`,
			func(u *User) { u.Emails[0].Value = "john@example.com" }},
		{"work email add to a user without one", `{"op": "Add", "path": "emails[type eq \"home\"].value", "value": "j@home.example"}`,
			func(u *User) { u.Emails = append(u.Emails, Email{Value: "j@home.example", Type: "home"}) }},
		{"emails add list, new primary", `{"op": "add", "path": "emails", "value": [{"value": "alt@example.com", "primary": "true"}]}`,
			func(u *User) {
				u.Emails[0].Primary = false
				u.Emails = append(u.Emails, Email{Value: "alt@example.com", Primary: true})
			}},
		{"emails replace", `{"op": "replace", "path": "emails", "value": [{"value": "x@example.com", "type": "work"}]}`,
			func(u *User) { u.Emails = []Email{{Value: "x@example.com", Type: "work"}} }},
		{"remove work email", `{"op": "remove", "path": "emails[type eq \"work\"]"}`, func(u *User) { u.Emails = []Email{} }},
		{"remove all emails", `{"op": "remove", "path": "emails"}`, func(u *User) { u.Emails = nil }},
		{"manager as Entra sends it", `{"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "m-1"}`,
			func(u *User) { u.Manager = "m-1" }},
		{"manager.value", `{"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value", "value": "m-2"}`,
			func(u *User) { u.Manager = "m-2" }},
		{"remove manager with a value", `{"op": "Remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": [{"value": "m-1"}]}`,
			func(*User) {}},
		{"name object merges", `{"op": "replace", "path": "name", "value": {"familyName": "Doe"}}`, func(u *User) { u.FamilyName = "Doe" }},
		{"userName trimmed", `{"op": "replace", "path": "userName", "value": " john@example.com "}`, func(u *User) { u.UserName = "john@example.com" }},
		{"single value wrapped in a list", `{"op": "replace", "path": "displayName", "value": [{"value": "J"}]}`, func(u *User) { u.DisplayName = "J" }},
		{"unkept attributes are ignored", `{"op": "replace", "path": "phoneNumbers[type eq \"work\"].value", "value": "1"},
		  {"op": "add", "path": "title", "value": "Boss"}, {"op": "add", "path": "urn:example:custom:1.0:User:badge", "value": "7"},
		  {"op": "replace", "path": "name.formatted", "value": "x"}`, func(*User) {}},
		{"several in order", `{"op": "replace", "path": "active", "value": false}, {"op": "replace", "path": "active", "value": true}`, func(*User) {}},
	}
	for _, c := range cases {
		ops, err := ParsePatch(opsBody(c.ops))
		if err != nil {
			t.Errorf("%s: parse: %v", c.name, err)
			continue
		}
		got, want := base(), base()
		c.want(&want)
		if err := Apply(&got, ops); err != nil {
			t.Errorf("%s: apply: %v", c.name, err)
			continue
		}
		if !reflect.DeepEqual(normal(got), normal(want)) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, want)
		}
	}
}

func normal(u User) User {
	if len(u.Emails) == 0 {
		u.Emails = nil
	}
	return u
}

func TestPatchRefusals(t *testing.T) {
	cases := []struct{ body, scimType string }{
		{`{`, typeInvalidSyntax},
		{`{"schemas": ["urn:x"], "Operations": [{"op": "add", "path": "displayName", "value": "x"}]}`, typeInvalidSyntax},
		{`{"Operations": []}`, typeInvalidSyntax},
		{string(opsBody(`{"op": "copy", "path": "displayName", "value": "x"}`)), typeInvalidSyntax},
		{string(opsBody(`{"op": "remove"}`)), typeNoTarget},
		{string(opsBody(`{"op": "add", "value": [1]}`)), typeInvalidValue},
		{string(opsBody(`{"op": "add", "path": "displayName"}`)), typeInvalidValue},
		{string(opsBody(`{"op": "add", "path": "meta.created", "value": "x"}`)), typeMutability},
		{string(opsBody(`{"op": "add", "path": "id", "value": "x"}`)), typeMutability},
		{string(opsBody(`{"op": "add", "path": "emails.value", "value": "x"}`)), typeInvalidPath},
		{string(opsBody(`{"op": "add", "path": "emails[type eq \"work\"].nope", "value": "x"}`)), typeInvalidPath},
		{string(opsBody(`{"op": "add", "path": "emails[type eq ]", "value": "x"}`)), typeInvalidPath},
		{string(opsBody(`{"op": "add", "path": "emails[type eq \"x\"", "value": "x"}`)), typeInvalidPath},
		{string(opsBody(`{"op": "add", "path": "user name", "value": "x"}`)), typeInvalidPath},
	}
	for _, c := range cases {
		_, err := ParsePatch([]byte(c.body))
		if e, ok := err.(*Error); !ok || e.Status != 400 || e.Type != c.scimType {
			t.Errorf("%s: %v, want 400 %s", c.body, err, c.scimType)
		}
	}
	applyCases := []struct{ ops, scimType string }{
		{`{"op": "replace", "path": "active", "value": "maybe"}`, typeInvalidValue},
		{`{"op": "replace", "path": "active", "value": 0}`, typeInvalidValue},
		{`{"op": "remove", "path": "active"}`, typeMutability},
		{`{"op": "remove", "path": "userName"}`, typeMutability},
		{`{"op": "replace", "path": "userName", "value": "  "}`, typeInvalidValue},
		{`{"op": "replace", "path": "displayName", "value": {"a": 1}}`, typeInvalidValue},
		{`{"op": "replace", "path": "name", "value": "x"}`, typeInvalidValue},
		{`{"op": "add", "path": "emails[type eq \"work\"].type", "value": "other"}, {"op": "add", "path": "emails[type eq \"x\"].type", "value": "y"}`, typeInvalidValue},
	}
	for _, c := range applyCases {
		ops, err := ParsePatch(opsBody(c.ops))
		if err != nil {
			t.Errorf("%s: parse: %v", c.ops, err)
			continue
		}
		u := User{UserName: "jdoe", Active: true, Emails: []Email{{Value: "a@example.com", Type: "work"}}}
		err = Apply(&u, ops)
		if e, ok := err.(*Error); !ok || e.Status != 400 || e.Type != c.scimType {
			t.Errorf("%s: %v, want 400 %s", c.ops, err, c.scimType)
		}
	}
}

// FuzzPatch: no body panics the parser or Apply; whatever Apply accepts is
// a valid user, and an accepted body is either a 400 or applies.
func FuzzPatch(f *testing.F) {
	for _, s := range []string{
		`{"op": "Replace", "path": "active", "value": "False"}`,
		`{"op": "replace", "value": {"active": false, "name.givenName": "x"}}`,
		`{"op": "Add", "path": "emails[type eq \"work\"].value", "value": "a@b"}`,
		`{"op": "remove", "path": "emails[value co \"@\"]"}`,
		`{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": {"value": "m"}}`,
		`{"op": "add", "path": "emails", "value": [{"value": "x@y", "primary": true}, "z@y"]}`,
	} {
		f.Add(string(opsBody(s)))
	}
	f.Fuzz(func(t *testing.T, body string) {
		ops, err := ParsePatch([]byte(body))
		if err != nil {
			if e, ok := err.(*Error); !ok || e.Status != 400 {
				t.Fatalf("%q: %v is not a 400", body, err)
			}
			return
		}
		u := sampleUser.clone()
		if err := Apply(&u, ops); err != nil {
			if e, ok := err.(*Error); !ok || e.Status != 400 {
				t.Fatalf("%q: apply: %v is not a 400", body, err)
			}
			return
		}
		if err := u.validate(); err != nil {
			t.Fatalf("%q gave an invalid user: %v", body, err)
		}
		primaries := 0
		for _, e := range u.Emails {
			if e.Primary {
				primaries++
			}
		}
		if primaries > 1 {
			t.Fatalf("%q gave %d primary emails", body, primaries)
		}
		if _, err := json.Marshal(toWire(u, "", "")); err != nil {
			t.Fatal(err)
		}
	})
}
