package sim_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/pam/beyondinsight/sim"
)

// send is do with a request body.
func (e *env) send(t *testing.T, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, e.url+sim.APIPrefix+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestPutUser(t *testing.T) {
	ldap := sim.User{UserID: 22, UserType: sim.TypeLDAP, UserName: "cdent", FirstName: "Arthur"}
	cases := []struct {
		name   string
		id     string
		body   string
		want   int
		msg    string              // a substring of the 400's text
		check  func(sim.User) bool // the stored user afterwards
		userID int
	}{
		{name: "local user", id: "12", body: `{"UserName":"jdoe","FirstName":"Johnny","LastName":"Doe","EmailAddress":"johnny@example.com"}`, want: 200,
			userID: 12, check: func(u sim.User) bool { return u.FirstName == "Johnny" && u.EmailAddress == "johnny@example.com" }},
		{name: "absent last name clears it, password ignored", id: "12", body: `{"UserName":"jdoe","FirstName":"John","EmailAddress":"jdoe@example.com","Password":"x","Extra":1}`, want: 200,
			userID: 12, check: func(u sim.User) bool { return u.LastName == "" }},
		{name: "application user", id: "57", body: `{"UserName":"svc-2","AccessPolicyID":8}`, want: 200,
			userID: 57, check: func(u sim.User) bool { return u.UserName == "svc-2" && u.AccessPolicyID == 8 }},
		{name: "required fields", id: "12", body: `{"LastName":"Doe"}`, want: 400,
			msg: "UserName is required. FirstName is required. EmailAddress is required."},
		{name: "e-mail format", id: "12", body: `{"UserName":"jdoe","FirstName":"J","EmailAddress":"John <j@example.com>"}`, want: 400,
			msg: "EmailAddress must be a properly formatted address."},
		{name: "lengths", id: "12", body: `{"UserName":"` + strings.Repeat("u", 65) + `","FirstName":"J","EmailAddress":"j@` + strings.Repeat("e", 255) + `.com"}`, want: 400,
			msg: "UserName must be at most 64 characters. EmailAddress must be at most 255 characters."},
		{name: "name taken", id: "12", body: `{"UserName":"ASmith","FirstName":"J","EmailAddress":"j@example.com"}`, want: 400,
			msg: "A user named ASmith already exists."},
		{name: "application user without policy", id: "57", body: `{"UserName":"svc"}`, want: 400, msg: "AccessPolicyID is required."},
		{name: "active directory user", id: "21", body: `{"UserName":"b","FirstName":"B","EmailAddress":"b@example.com"}`, want: 400,
			msg: "Cannot update ActiveDirectory or LDAP users."},
		{name: "ldap user without domain", id: "22", body: `{"UserName":"c","FirstName":"C","EmailAddress":"c@example.com"}`, want: 400,
			msg: "Cannot update ActiveDirectory or LDAP users."},
		{name: "not JSON", id: "12", body: `UserName=jdoe`, want: 400, msg: "not a valid user object"},
		{name: "unknown user", id: "999", body: `{}`, want: 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, sim.Options{Users: append(sim.DefaultUsers(), ldap)})
			e.signIn(t)
			before := e.sim.Users()
			status, body := e.send(t, "PUT", "/Users/"+tc.id, tc.body)
			if status != tc.want || !strings.Contains(body, tc.msg) {
				t.Fatalf("%d %q, want %d containing %q", status, body, tc.want, tc.msg)
			}
			if tc.check == nil {
				if after, _ := json.Marshal(e.sim.Users()); string(after) != mustJSON(t, before) {
					t.Error("a refused PUT changed state")
				}
				return
			}
			u, _ := e.sim.User(tc.userID)
			var answer map[string]any
			if err := json.Unmarshal([]byte(body), &answer); err != nil || answer["UserID"] != float64(tc.userID) {
				t.Errorf("answer %s", body)
			}
			if !tc.check(u) {
				t.Errorf("stored %+v", u)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
