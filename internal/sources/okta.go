package sources

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/events"
)

// Okta parses an Okta Event Hook delivery: {"data": {"events": [...]}},
// each element a System Log event. It returns one alert per event that
// names a user, with the event's uuid as its id (Okta delivers at least
// once, and may deliver an event again in another batch). Events that name
// no user (an application's lifecycle, say), or have no uuid, are left out rather than
// failing the delivery: Okta disables a hook whose deliveries keep failing,
// and the other events of the batch must still be acted on.
type Okta struct{ name string }

// NewOkta returns the parser for the Okta source named sourceName.
func NewOkta(sourceName string) *Okta { return &Okta{name: sourceName} }

// EventIDs reports that each alert's SourceEventID is a stable event id
// (the System Log uuid) that the ingest uses as the event id.
func (o *Okta) EventIDs() bool { return true }

// maxOktaEvents bounds one delivery before anything is decoded per event;
// Okta batches at most a few hundred.
const maxOktaEvents = 10_000

type oktaDelivery struct {
	Data *struct {
		Events []oktaEvent `json:"events"`
	} `json:"data"`
}

type oktaEvent struct {
	UUID           string          `json:"uuid"`
	Published      string          `json:"published"`
	EventType      string          `json:"eventType"`
	DisplayMessage string          `json:"displayMessage"`
	Severity       string          `json:"severity"`
	Actor          *oktaPrincipal  `json:"actor"`
	Target         []oktaPrincipal `json:"target"`
	Outcome        *struct {
		Result string `json:"result"`
		Reason string `json:"reason"`
	} `json:"outcome"`
	Client *struct {
		IPAddress  string `json:"ipAddress"`
		Geographic *struct {
			City        string `json:"city"`
			State       string `json:"state"`
			Country     string `json:"country"`
			PostalCode  string `json:"postalCode"`
			Geolocation *struct {
				Lat *float64 `json:"lat"`
				Lon *float64 `json:"lon"`
			} `json:"geolocation"`
		} `json:"geographicalContext"`
	} `json:"client"`
}

type oktaPrincipal struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	AlternateID string `json:"alternateId"`
	DisplayName string `json:"displayName"`
}

// Parse implements [Parser].
func (o *Okta) Parse(body []byte) ([]events.Alert, error) {
	var d oktaDelivery
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, fmt.Errorf("%w: not an Okta event hook delivery: %v", ErrMalformed, err)
	}
	if d.Data == nil || d.Data.Events == nil {
		return nil, fmt.Errorf("%w: not an Okta event hook delivery: no data.events", ErrMalformed)
	}
	if n := len(d.Data.Events); n > maxOktaEvents {
		return nil, fmt.Errorf("%w: %d events in one delivery, at most %d", ErrMalformed, n, maxOktaEvents)
	}
	out := make([]events.Alert, 0, len(d.Data.Events))
	for _, e := range d.Data.Events {
		// Without a uuid an event cannot be deduplicated across Okta's
		// redeliveries: it is left out like one that names no user.
		if a, ok := o.alert(e); ok && e.UUID != "" {
			out = append(out, a)
		}
	}
	return out, nil
}

func (o *Okta) alert(e oktaEvent) (events.Alert, bool) {
	user, ok := oktaUser(e)
	if !ok {
		return events.Alert{}, false
	}
	sev, orig := NormalizeSeverity(e.Severity)
	a := events.Alert{SourceKind: "okta", SourceName: o.name, SourceEventID: e.UUID, Title: e.DisplayMessage,
		Severity: sev, SeverityOriginal: orig, User: user, EventType: e.EventType}
	if t, err := time.Parse(time.RFC3339Nano, e.Published); err == nil {
		a.Published = t.UTC()
	}
	if e.Outcome != nil {
		a.Outcome, a.OutcomeReason = e.Outcome.Result, e.Outcome.Reason
	}
	if e.Actor != nil {
		p := principal(*e.Actor)
		a.Actor = &p
	}
	for _, t := range e.Target {
		a.Targets = append(a.Targets, principal(t))
	}
	a.Client = oktaClient(e)
	return a, true
}

// oktaUser is who the event is about: its first target of type User (the
// user deactivated, suspended or removed from a group), else its actor
// when the actor is a user (a sign-in, a lock-out). An admin acting on an
// application is nobody to act on.
func oktaUser(e oktaEvent) (actions.UserRef, bool) {
	for _, t := range e.Target {
		if isOktaUser(t) {
			return actions.ParseUserRef(t.AlternateID), true
		}
	}
	if e.Actor != nil && isOktaUser(*e.Actor) {
		return actions.ParseUserRef(e.Actor.AlternateID), true
	}
	return actions.UserRef{}, false
}

// isOktaUser: a User principal with a login; Okta writes "unknown" where
// it has none.
func isOktaUser(p oktaPrincipal) bool {
	return strings.EqualFold(p.Type, "User") && p.AlternateID != "" && !strings.EqualFold(p.AlternateID, "unknown")
}

func principal(p oktaPrincipal) events.Principal {
	return events.Principal{ID: p.ID, Type: p.Type, AlternateID: p.AlternateID, DisplayName: p.DisplayName}
}

func oktaClient(e oktaEvent) *events.Client {
	if e.Client == nil {
		return nil
	}
	c := &events.Client{IPAddress: e.Client.IPAddress}
	if g := e.Client.Geographic; g != nil {
		c.City, c.State, c.Country, c.PostalCode = g.City, g.State, g.Country, g.PostalCode
		if g.Geolocation != nil {
			c.Latitude, c.Longitude = g.Geolocation.Lat, g.Geolocation.Lon
		}
	}
	if *c == (events.Client{}) {
		return nil
	}
	return c
}
