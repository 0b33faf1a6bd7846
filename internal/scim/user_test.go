package scim

import (
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzDecodeUser: no POST or PUT body panics; an accepted one is a valid
// user, and its SCIM rendering decodes to the same user.
func FuzzDecodeUser(f *testing.F) {
	for _, s := range []string{
		`{"userName": "jdoe", "active": "False", "emails": [{"value": "a@b", "primary": "True"}]}`,
		`{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "USERNAME": "x", "name": {"givenName": "A"},
		  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": 12, "manager": "m"}}`,
		`{"userName": "x", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "m", "displayName": "M"}}}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		u, active, err := decodeUser([]byte(body))
		if err != nil {
			if e, ok := err.(*Error); !ok || e.Status != 400 {
				t.Fatalf("%q: %v is not a 400", body, err)
			}
			return
		}
		if active != nil {
			u.Active = *active
		}
		b, err := json.Marshal(toWire(u, "", ""))
		if err != nil {
			t.Fatal(err)
		}
		again, _, err := decodeUser(b)
		if err != nil {
			t.Fatalf("rendering %s of %q does not decode: %v", b, body, err)
		}
		again.Active = u.Active
		if !reflect.DeepEqual(again, u) {
			t.Fatalf("%q: %+v rendered and decoded as %+v", body, u, again)
		}
	})
}
