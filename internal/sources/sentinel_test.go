package sources

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
)

func TestSentinelSample(t *testing.T) {
	body := sample(t, "sentinel-incident.json")
	alerts, err := NewSentinel("sentinel").Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 1 {
		t.Fatalf("got %d alerts, want 1 (the ip entity is not an account)", len(alerts))
	}
	a := alerts[0]
	want := actions.UserRef{Username: "mlee", Domain: "CORP", UPN: "mlee@corp.example.com", ObjectID: "6f1d2c3b-4a5e-6f70-8192-a3b4c5d6e7f8"}
	if a.User != want || a.Severity != 75 || a.SeverityOriginal != "High" ||
		a.Title != "Suspicious sign-in followed by mass password vault access" || a.Rule != "Anomalous token usage" ||
		a.SourceEventID != "4711" || a.SourceKind != "sentinel" || a.SourceName != "sentinel" || !bytes.Equal(a.Raw, body) {
		t.Errorf("alert = %+v", a)
	}
	if len(a.Links) != 1 || a.Links[0] != "https://portal.azure.com/#asset/Microsoft_Azure_Security_Insights/Incident/subscriptions/0000/resourceGroups/soc/providers/Microsoft.OperationalInsights/workspaces/soc/providers/Microsoft.SecurityInsights/Incidents/9b2f" {
		t.Errorf("links = %v", a.Links)
	}
}

func TestSentinelIncidentTrigger(t *testing.T) {
	alerts, err := NewSentinel("sentinel").Parse(sample(t, "sentinel-incident-trigger.json"))
	if err != nil {
		t.Fatal(err)
	}
	var users []actions.UserRef
	for _, a := range alerts {
		users = append(users, a.User)
		if a.Title != "Multiple failed MFA followed by success" || a.Severity != 50 || a.SeverityOriginal != "Medium" ||
			a.SourceEventID != "5120" || len(a.Links) != 1 {
			t.Errorf("alert = %+v", a)
		}
	}
	// The owner (the analyst) is not who the incident is about.
	want := []actions.UserRef{
		{Username: "rpatel", Domain: "CORP", UPN: "rpatel@corp.example.com", ObjectID: "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"},
		{Username: "svc-backup", Domain: "CORP"},
	}
	if !reflect.DeepEqual(users, want) {
		t.Errorf("users = %+v, want %+v", users, want)
	}
}

func TestSentinelDefenderAlert(t *testing.T) {
	alerts, err := NewSentinel("xdr").Parse(sample(t, "defender-xdr-alert.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 1 {
		t.Fatalf("got %d alerts, want 1 (process and device evidence are not the user)", len(alerts))
	}
	a := alerts[0]
	want := actions.UserRef{Username: "kwong", Domain: "CORP", UPN: "kwong@corp.example.com", ObjectID: "1f2e3d4c-5b6a-7980-a1b2-c3d4e5f60718"}
	if a.User != want || a.Severity != 25 || a.SeverityOriginal != "low" || a.Title != "Suspicious execution of hidden file" ||
		a.Rule != a.Title || a.SourceEventID != "da637578995287051192_756343937" || len(a.Links) != 2 ||
		a.Links[0] != "https://security.microsoft.com/alerts/da637578995287051192_756343937?tid=b3c1b5fc" {
		t.Errorf("alert = %+v", a)
	}
}

func TestSentinelVariations(t *testing.T) {
	cases := []struct {
		name      string
		body      string
		wantUsers []string
		wantSev   int
		wantRules []string
	}{
		{"several accounts and alerts, duplicates merged", `{"Title":"t","Severity":"Low","Alerts":[
			{"AlertDisplayName":"a1","Entities":[{"Type":"account","Name":"x","NTDomain":"D"},{"Type":"account","Name":"y","UPNSuffix":"s.com"}]},
			{"AlertDisplayName":"a2","Entities":[{"Type":"account","Name":"x","NTDomain":"D"},{"Type":"host","HostName":"h"}]}]}`,
			[]string{`D\x `, "y y@s.com"}, 25, []string{"a1", "a1"}},
		{"sentinel alert with entities as a string", `{"SystemAlertId":"id1","AlertDisplayName":"r","Severity":"Informational",
			"Entities":"[{\"Type\":\"account\",\"Name\":\"z\",\"UPNSuffix\":\"c.com\"}]"}`, []string{"z z@c.com"}, 5, []string{"r"}},
		{"upn property", `{"entities":[{"kind":"Account","properties":{"userPrincipalName":"u@c.com"}}]}`, []string{"u@c.com u@c.com"}, 0, []string{""}},
		{"object id only", `{"entities":[{"Type":"Account","AadUserId":"oid-1"}]}`, []string{"oid:oid-1 "}, 0, []string{""}},
		{"name is a upn", `{"entities":[{"Type":"account","Name":"w@c.com","NTDomain":"D"}]}`, []string{"w@c.com w@c.com"}, 0, []string{""}},
		{"sid-only account skipped", `{"entities":[{"Type":"account","Sid":"S-1"},{"Type":"account","Name":"v"}]}`, []string{"v "}, 0, []string{""}},
		{"graph list", `{"value":[{"id":"1","severity":"high","evidence":[{"@odata.type":"#microsoft.graph.security.userEvidence","userAccount":{"accountName":"p"}}]},
			{"id":"2","severity":"medium","evidence":[{"userAccount":{"userPrincipalName":"q@c.com"}}]}]}`, []string{"p ", "q@c.com q@c.com"}, 75, []string{"", ""}},
		{"unknown severity word", `{"severity":"unknown","entities":[{"type":"account","name":"r"}]}`, []string{"r "}, 0, []string{""}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			alerts, err := NewSentinel("s").Parse([]byte(c.body))
			if err != nil {
				t.Fatal(err)
			}
			var users, rules []string
			for _, a := range alerts {
				users, rules = append(users, a.User.String()+" "+a.User.UPN), append(rules, a.Rule)
			}
			if !reflect.DeepEqual(users, c.wantUsers) || !reflect.DeepEqual(rules, c.wantRules) || alerts[0].Severity != c.wantSev {
				t.Errorf("users %v rules %v severity %d", users, rules, alerts[0].Severity)
			}
		})
	}
}

func TestSentinelMalformed(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"no account", `{"Title":"t","Alerts":[{"Entities":[{"Type":"ip","Address":"1.2.3.4"}]}]}`, "no user identity: tried Entities[Type=account]"},
		{"owner is not an account", `{"properties":{"owner":{"userPrincipalName":"a@c.com"}}}`, "evidence[userEvidence].userAccount"},
		{"process evidence only", `{"evidence":[{"@odata.type":"#microsoft.graph.security.processEvidence","userAccount":{"accountName":"SYSTEM"}}]}`, "no user identity"},
		{"second record", `[{"entities":[{"type":"account","name":"a"}]},{}]`, "item 1"},
		{"not JSON", `<xml/>`, "not JSON"},
		{"null", `null`, "got null"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewSentinel("s").Parse([]byte(c.body))
			wantMalformed(t, err, c.want)
		})
	}
}

func FuzzSentinelParse(f *testing.F) {
	seed(f, "sentinel-incident.json", "sentinel-incident-trigger.json", "sentinel-incident-entities.json", "defender-xdr-alert.json")
	p := NewSentinel("fuzz")
	f.Fuzz(func(t *testing.T, body []byte) {
		alerts, err := p.Parse(body)
		checkFuzzAlerts(t, alerts, err)
	})
}

// The REST API's entities (Incidents - List Entities, and relatedEntities
// of an incident read with the API) carry the resource type in "type" and
// the entity kind in "kind": an Account there is a user to act on.
func TestSentinelRESTEntities(t *testing.T) {
	alerts, err := NewSentinel("sentinel").Parse(sample(t, "sentinel-incident-entities.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := actions.UserRef{Username: "jdoe", Domain: "CORP", UPN: "jdoe@corp.example.com", ObjectID: "7c9e6679-7425-40de-944b-e07fc1f90ae7"}
	if len(alerts) != 1 || alerts[0].User != want {
		t.Fatalf("alerts %+v, want one for %+v (the Ip entity is not an account)", alerts, want)
	}
	incident := `{"name":"9b2f","type":"Microsoft.SecurityInsights/Incidents","properties":{"title":"t","severity":"High","incidentNumber":12,
		"relatedEntities":[{"id":"/e/1","name":"1","type":"Microsoft.SecurityInsights/Entities","kind":"Account","properties":{"accountName":"mroe","ntDomain":"CORP"}},
		{"id":"/e/2","name":"2","type":"Microsoft.SecurityInsights/Entities","kind":"Host","properties":{"hostName":"ws1"}}]}}`
	alerts, err = NewSentinel("sentinel").Parse([]byte(incident))
	if err != nil || len(alerts) != 1 || alerts[0].User != (actions.UserRef{Username: "mroe", Domain: "CORP"}) || alerts[0].SourceEventID != "12" {
		t.Fatalf("incident with ARM relatedEntities: %+v %v", alerts, err)
	}
}
