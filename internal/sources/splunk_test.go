package sources

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
)

func TestSplunkSample(t *testing.T) {
	body := sample(t, "splunk-webhook.json")
	alerts, err := NewSplunk("splunk-prod").Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 1 {
		t.Fatalf("got %d alerts, want 1", len(alerts))
	}
	a := alerts[0]
	sid := "scheduler__admin__search__RMD5e461b39d4ff19795_at_1732345200_1234"
	if a.User != (actions.UserRef{Username: "jdoe"}) || a.Severity != 95 || a.SeverityOriginal != "critical" ||
		a.Rule != "Impossible travel - privileged login" || a.Title != a.Rule || a.SourceEventID != sid ||
		a.SourceKind != "splunk" || a.SourceName != "splunk-prod" {
		t.Errorf("alert = %+v", a)
	}
	if len(a.Links) != 1 || a.Links[0] != "https://splunk.example.com:8000/app/search/search?q=%7Cloadjob%20"+sid {
		t.Errorf("links = %v", a.Links)
	}
	if !bytes.Equal(a.Raw, body) {
		t.Errorf("raw is not the body")
	}
}

func TestSplunkVariations(t *testing.T) {
	u := func(s string) actions.UserRef { return actions.ParseUserRef(s) }
	cases := []struct {
		name      string
		body      string
		wantUsers []actions.UserRef
		wantSev   int
		wantOrig  string
		wantLinks int
	}{
		{"domain split", `{"result":{"user":"CORP\\jdoe","severity":"high"}}`, []actions.UserRef{{Domain: "CORP", Username: "jdoe"}}, 75, "high", 0},
		{"user wins over src_user", `{"result":{"src_user":"actor","user":"victim"}}`, []actions.UserRef{u("victim")}, 0, "", 0},
		{"src_user", `{"result":{"src_user":"bob","urgency":"medium"}}`, []actions.UserRef{u("bob")}, 50, "medium", 0},
		{"user_name", `{"result":{"user_name":"carol","risk_score":"80"}}`, []actions.UserRef{u("carol")}, 80, "80", 0},
		{"username", `{"result":{"username":"dave","risk_score":"160"}}`, []actions.UserRef{u("dave")}, 100, "160", 0},
		{"email only", `{"result":{"email":"e@corp.example.com"}}`, []actions.UserRef{{Email: "e@corp.example.com"}}, 0, "", 0},
		{"upn only", `{"result":{"upn":"f@corp.example.com"}}`, []actions.UserRef{{UPN: "f@corp.example.com"}}, 0, "", 0},
		{"address in user", `{"result":{"user":"g@corp.example.com"}}`, []actions.UserRef{u("g@corp.example.com")}, 0, "", 0},
		{"empty user falls through", `{"result":{"user":" ","src_user":"h"}}`, []actions.UserRef{u("h")}, 0, "", 0},
		{"numbers as numbers", `{"result":{"user":"i","severity":42.5},"results_link":"https://s/x"}`, []actions.UserRef{u("i")}, 42, "42.5", 1},
		{"severity number string", `{"result":{"user":"j","severity":"7"}}`, []actions.UserRef{u("j")}, 7, "7", 0},
		{"multivalue user", `{"result":{"user":["k","l","k"]}}`, []actions.UserRef{u("k"), u("l")}, 0, "", 0},
		{"unknown fields", `{"sid":1,"extra":{"a":[1]},"result":{"user":"m","x":"y"}}`, []actions.UserRef{u("m")}, 0, "", 0},
		{"array of bodies", `[{"result":{"user":"n"}},{"result":{"user":"o"}}]`, []actions.UserRef{u("n"), u("o")}, 0, "", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			alerts, err := NewSplunk("s").Parse([]byte(c.body))
			if err != nil {
				t.Fatal(err)
			}
			var users []actions.UserRef
			for _, a := range alerts {
				users = append(users, a.User)
				if a.Severity != c.wantSev || a.SeverityOriginal != c.wantOrig || len(a.Links) != c.wantLinks || len(a.Raw) == 0 {
					t.Errorf("alert %+v", a)
				}
			}
			if !reflect.DeepEqual(users, c.wantUsers) {
				t.Errorf("users = %+v, want %+v", users, c.wantUsers)
			}
		})
	}
}

func TestSplunkMalformed(t *testing.T) {
	tried := "result.user, result.src_user, result.user_name, result.username, result.email, result.upn"
	cases := []struct{ name, body, want string }{
		{"no user", `{"sid":"1","result":{"severity":"high"}}`, "no user identity: tried " + tried},
		{"no result", `{"sid":"1"}`, tried},
		{"domain only", `{"result":{"user":"CORP\\"}}`, tried},
		{"result not object", `{"result":"jdoe"}`, tried},
		{"second item", `[{"result":{"user":"a"}},{"result":{}}]`, "item 1"},
		{"not JSON", `{"result":`, "not JSON"},
		{"not object", `"jdoe"`, "want a JSON object or array"},
		{"empty array", `[]`, "empty array"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			alerts, err := NewSplunk("s").Parse([]byte(c.body))
			wantMalformed(t, err, c.want)
			if alerts != nil {
				t.Errorf("alerts = %v", alerts)
			}
		})
	}
}

func FuzzSplunkParse(f *testing.F) {
	seed(f, "splunk-webhook.json")
	f.Add([]byte(`{"result":{"user":["a","CORP\\b"],"risk_score":"1e400"}}`))
	p := NewSplunk("fuzz")
	f.Fuzz(func(t *testing.T, body []byte) {
		alerts, err := p.Parse(body)
		checkFuzzAlerts(t, alerts, err)
	})
}
