package sources

import (
	"bytes"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
)

func TestElasticSample(t *testing.T) {
	body := sample(t, "elastic-webhook.json")
	alerts, err := NewElastic("kibana").Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 1 {
		t.Fatalf("got %d alerts, want 1", len(alerts))
	}
	a := alerts[0]
	want := actions.UserRef{Username: "asmith", Domain: "CORP", Email: "asmith@corp.example.com"}
	if a.User != want || a.Severity != 73 || a.SeverityOriginal != "high" ||
		a.Rule != "Credential access via LSASS memory dump" || a.Title != a.Rule ||
		a.SourceEventID != "4f0e1d4c-7b7a-4a7c-9a0e-2f3b8f0d9c11" || a.Links != nil ||
		a.SourceKind != "elastic" || a.SourceName != "kibana" || !bytes.Equal(a.Raw, body) {
		t.Errorf("alert = %+v", a)
	}
}

func TestElasticList(t *testing.T) {
	alerts, err := NewElastic("kibana").Parse(sample(t, "elastic-alerts-list.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 2 {
		t.Fatalf("got %d alerts, want 2", len(alerts))
	}
	first, second := alerts[0], alerts[1]
	if first.User != (actions.UserRef{Domain: "CORP", Username: "tchen"}) || first.Severity != 99 ||
		first.SeverityOriginal != "critical" || first.SourceEventID != "0d0e6c1f3a9b" ||
		first.Rule != "Privileged account brute force" {
		t.Errorf("first = %+v", first)
	}
	// The second alert has no rule or link of its own: the envelope's apply.
	if second.User.UPN != "oyilmaz@corp.example.com" || second.Severity != 50 || second.SeverityOriginal != "medium" ||
		second.Rule != "Privileged account brute force" || second.SourceEventID != "7c5a" ||
		len(second.Links) != 1 || second.Links[0] != "https://kibana.example.com/app/security/rules/id/9a1b" {
		t.Errorf("second = %+v", second)
	}
	for _, a := range alerts {
		if bytes.Contains(a.Raw, []byte(`"alerts"`)) {
			t.Errorf("raw holds the envelope, want the item: %s", a.Raw)
		}
	}
}

func TestElasticVariations(t *testing.T) {
	cases := []struct {
		name     string
		body     string
		wantUser string
		wantSev  int
		wantOrig string
		wantID   string
		wantN    int
	}{
		{"nested", `{"kibana":{"alert":{"uuid":"u1","severity":"low","risk_score":21}},"user":{"name":"a"}}`, "a", 21, "low", "u1", 1},
		{"mixed dotted", `{"kibana.alert":{"rule.name":"r","risk_score":"47.5"},"user.name":"b"}`, "b", 47, "47.5", "", 1},
		{"word only", `{"kibana.alert.severity":"critical","user":{"name":"c"}}`, "c", 95, "critical", "", 1},
		{"score not a number", `{"kibana.alert.severity":"high","kibana.alert.risk_score":"n/a","user.name":"d"}`, "d", 75, "high", "", 1},
		{"legacy signal", `{"signal":{"id":"s1","rule":{"name":"r","severity":"medium","risk_score":55}},"user":{"name":"e"}}`, "e", 55, "medium", "s1", 1},
		{"email only", `{"user":{"email":"f@corp.example.com"}}`, "f@corp.example.com", 0, "", "", 1},
		{"domain in name beats user.domain", `{"user":{"name":"X\\g","domain":"Y"}}`, `X\g`, 0, "", "", 1},
		{"_id", `{"_id":"doc1","_source":{"user":{"name":"h"}}}`, "h", 0, "", "doc1", 1},
		{"top-level array", `[{"user.name":"i"},{"user.name":"j"}]`, "i", 0, "", "", 2},
		{"context.alerts", `{"context":{"alerts":[{"user.name":"k"}]}}`, "k", 0, "", "", 1},
		{"signals", `{"signals":[{"user.name":"l"},{"user.name":"m"},{"user.name":"n"}]}`, "l", 0, "", "", 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			alerts, err := NewElastic("k").Parse([]byte(c.body))
			if err != nil {
				t.Fatal(err)
			}
			a := alerts[0]
			if len(alerts) != c.wantN || a.User.String() != c.wantUser || a.Severity != c.wantSev ||
				a.SeverityOriginal != c.wantOrig || a.SourceEventID != c.wantID {
				t.Errorf("got %d alerts, first %+v", len(alerts), a)
			}
		})
	}
}

func TestElasticMalformed(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"no user", `{"kibana.alert.rule.name":"r","host":{"name":"h"}}`, "no user identity: tried user.name, user.email"},
		{"user is an object without name", `{"user":{"id":"S-1-5"}}`, "user.name, user.email"},
		{"one alert without user", `{"alerts":[{"user.name":"a"},{"host.name":"h"}]}`, "item 1"},
		{"empty list", `{"alerts":[]}`, "alerts empty array"},
		{"list of strings", `{"alerts":["a"]}`, "alerts item 0 is not a JSON object"},
		{"not JSON", `kibana`, "not JSON"},
		{"number", `73`, "want a JSON object or array, got a number"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewElastic("k").Parse([]byte(c.body))
			wantMalformed(t, err, c.want)
		})
	}
}

func FuzzElasticParse(f *testing.F) {
	seed(f, "elastic-webhook.json", "elastic-alerts-list.json")
	p := NewElastic("fuzz")
	f.Fuzz(func(t *testing.T, body []byte) {
		alerts, err := p.Parse(body)
		checkFuzzAlerts(t, alerts, err)
	})
}
