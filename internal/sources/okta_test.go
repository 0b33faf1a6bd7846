package sources

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
)

// Okta's documented sample delivery (a sign-in): one alert about the actor,
// with the event's uuid as its id and every field a rule may want.
func TestOktaSample(t *testing.T) {
	alerts, err := NewOkta("okta").Parse(sample(t, "okta-event-hook.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 1 {
		t.Fatalf("%d alerts, want 1", len(alerts))
	}
	a := alerts[0]
	lat := 33.389
	if a.SourceEventID != "4d6b4a30-6ad5-11ea-9f68-d7b86f29cd45" || a.EventType != "user.session.start" ||
		a.User != (actions.UserRef{UPN: "john.doe@example.com", Email: "john.doe@example.com"}) ||
		a.Outcome != "SUCCESS" || a.Severity != 5 || a.SeverityOriginal != "INFO" || a.Title != "User login to Okta" ||
		!a.Published.Equal(time.Date(2020, 3, 20, 19, 16, 38, 296_000_000, time.UTC)) ||
		a.Actor == nil || a.Actor.ID != "00u1oa0ptPKZdNQTa0g4" || a.Actor.Type != "User" || len(a.Targets) != 0 ||
		a.Client == nil || a.Client.IPAddress != "98.168.69.10" || a.Client.City != "Mesa" || a.Client.Country != "United States" ||
		a.Client.Latitude == nil || *a.Client.Latitude != lat || a.SourceKind != "okta" {
		t.Fatalf("alert %+v (actor %+v, client %+v)", a, a.Actor, a.Client)
	}
}

func oktaBody(events ...string) []byte {
	return []byte(`{"eventType":"com.okta.event_hook","eventTypeVersion":"1.0","data":{"events":[` + strings.Join(events, ",") + `]}}`)
}

const (
	oktaAdmin = `{"id":"00uadmin","type":"User","alternateId":"admin@example.com","displayName":"Admin"}`
	oktaJdoe  = `{"id":"00ujdoe","type":"User","alternateId":"jdoe@example.com","displayName":"J Doe"}`
)

func oktaEv(uuid, typ, result, actor string, targets ...string) string {
	target := "null"
	if len(targets) > 0 {
		target = "[" + strings.Join(targets, ",") + "]"
	}
	return `{"uuid":"` + uuid + `","published":"2026-12-01T10:00:00.000Z","eventType":"` + typ + `","severity":"INFO",` +
		`"actor":` + actor + `,"outcome":{"result":"` + result + `","reason":null},"target":` + target + `}`
}

// Whom each event is about, and what it keeps: several events per delivery,
// one alert each; events that name no user are left out, not refused.
func TestOktaEvents(t *testing.T) {
	group := `{"id":"00gpam","type":"UserGroup","alternateId":"unknown","displayName":"PAM Admins"}`
	app := `{"id":"0oaapp","type":"AppInstance","alternateId":"Salesforce","displayName":"Salesforce"}`
	body := oktaBody(
		oktaEv("u-1", "user.lifecycle.deactivate", "SUCCESS", oktaAdmin, oktaJdoe),
		oktaEv("u-2", "user.lifecycle.suspend", "SUCCESS", oktaAdmin, oktaJdoe),
		oktaEv("u-3", "user.account.lock", "SUCCESS", oktaJdoe),
		oktaEv("u-4", "group.user_membership.remove", "SUCCESS", oktaAdmin, oktaJdoe, group),
		oktaEv("u-5", "user.session.start", "FAILURE", oktaJdoe),
		oktaEv("u-6", "application.lifecycle.deactivate", "SUCCESS", `{"id":"0oa","type":"PublicClientApp","alternateId":"x"}`, app),
		oktaEv("", "user.lifecycle.deactivate", "SUCCESS", oktaAdmin, oktaJdoe),
	)
	alerts, err := NewOkta("okta").Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ id, typ, outcome string }{
		{"u-1", "user.lifecycle.deactivate", "SUCCESS"}, {"u-2", "user.lifecycle.suspend", "SUCCESS"},
		{"u-3", "user.account.lock", "SUCCESS"}, {"u-4", "group.user_membership.remove", "SUCCESS"},
		{"u-5", "user.session.start", "FAILURE"},
	}
	if len(alerts) != len(want) {
		t.Fatalf("%d alerts, want %d (no user, no uuid: left out)", len(alerts), len(want))
	}
	for i, w := range want {
		a := alerts[i]
		if a.SourceEventID != w.id || a.EventType != w.typ || a.Outcome != w.outcome || a.User.UPN != "jdoe@example.com" {
			t.Errorf("alert %d: %+v", i, a)
		}
	}
	if g := alerts[3].Targets; len(g) != 2 || g[1].Type != "UserGroup" || g[1].DisplayName != "PAM Admins" {
		t.Errorf("group target: %+v", g)
	}
	if alerts[0].Actor == nil || alerts[0].Actor.AlternateID != "admin@example.com" {
		t.Errorf("the admin who deactivated is the actor, not the user: %+v", alerts[0].Actor)
	}
}

func TestOktaMalformed(t *testing.T) {
	for _, body := range []string{`{`, `[]`, `{"data":{}}`, `{"data":{"events":"x"}}`, `{"eventType":"com.okta.event_hook"}`} {
		alerts, err := NewOkta("okta").Parse([]byte(body))
		if !errors.Is(err, ErrMalformed) || alerts != nil {
			t.Errorf("%s: %v %v, want ErrMalformed", body, alerts, err)
		}
	}
	// A delivery with nothing usable is not an error: Okta must get its 200.
	alerts, err := NewOkta("okta").Parse(oktaBody(oktaEv("u-1", "application.lifecycle.create", "SUCCESS", `{"type":"SystemPrincipal"}`)))
	if err != nil || len(alerts) != 0 {
		t.Fatalf("no usable events: %v %v", alerts, err)
	}
}

func FuzzOktaParse(f *testing.F) {
	seed(f, "okta-event-hook.json")
	f.Add(oktaBody(oktaEv("u-1", "user.lifecycle.deactivate", "SUCCESS", oktaAdmin, oktaJdoe)))
	p := NewOkta("fuzz")
	f.Fuzz(func(t *testing.T, body []byte) {
		alerts, err := p.Parse(body)
		if err != nil {
			if !errors.Is(err, ErrMalformed) || alerts != nil {
				t.Fatalf("err = %v (alerts %d), want ErrMalformed and no alerts", err, len(alerts))
			}
			return
		}
		for _, a := range alerts {
			if !identified(a.User) || a.SourceEventID == "" || a.Severity < 0 || a.Severity > 100 || a.SourceKind != "okta" {
				t.Fatalf("bad alert %+v", a)
			}
		}
	})
}
