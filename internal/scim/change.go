package scim

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/sources"
)

// SourceKind is [events.HREmployee.SourceKind] of SCIM events.
const SourceKind = "scim"

// maxRaw caps the request body kept in an event's raw, as the HR parsers do.
const maxRaw = 64 << 10

// pending is a change stored with the user before its event is published.
type pending struct {
	EventID string            `json:"event_id"`
	At      time.Time         `json:"at"`
	Data    events.HREmployee `json:"data"`
}

// Publisher stores an event and returns once JetStream acknowledged it;
// *[events.Publisher] is one.
type Publisher interface {
	Publish(ctx context.Context, subject string, ev cloudevents.Event) (events.Published, error)
}

// change describes what happened to a user, or nil when nothing did.
func change(source string, old *User, cur User, deleted bool, raw []byte, seq int, now time.Time) *pending {
	data := events.HREmployee{SourceKind: SourceKind, SourceName: source, ReceivedAt: now.UTC(), Raw: rawJSON(raw)}
	switch {
	case deleted:
		data.Change, data.User, data.ChangedFields = sources.ChangeTerminated, userRef(cur), map[string]any{"deleted": true}
	case old == nil:
		data.Change, data.User, data.ChangedFields = sources.ChangeCreated, userRef(cur), fields(User{}, cur)
	default:
		diff := fields(*old, cur)
		if len(diff) == 0 {
			return nil
		}
		// The targets know the user as they were: a rename is looked up
		// by the old name, and the new one is in changed_fields.
		data.User, data.ChangedFields = userRef(*old), diff
		data.Change = sources.ChangeUpdated
		if old.Active && !cur.Active {
			data.Change = sources.ChangeTerminated
		}
	}
	return &pending{EventID: "scim-" + cur.ID + "-" + strconv.Itoa(seq), At: now.UTC(), Data: data}
}

// userRef names the user for the targets: userName as the HR parsers read
// a name (DOMAIN\name, an address as UPN, else a username), the primary
// address as e-mail, employeeNumber as employee id.
func userRef(u User) actions.UserRef {
	ref := actions.ParseUserRef(u.UserName)
	if e := u.PrimaryEmail(); e != "" {
		ref.Email = e
	}
	ref.EmployeeID = u.EmployeeNumber
	return ref
}

// fields lists the attributes that differ between a and b under the names
// policies use in data.changed_fields; a removed value is null.
func fields(a, b User) map[string]any {
	out := map[string]any{}
	set := func(name, x, y string) {
		if x != y {
			out[name] = nullable(y)
		}
	}
	set("userName", a.UserName, b.UserName)
	set("externalId", a.ExternalID, b.ExternalID)
	set("displayName", a.DisplayName, b.DisplayName)
	set("givenName", a.GivenName, b.GivenName)
	set("familyName", a.FamilyName, b.FamilyName)
	set("email", a.PrimaryEmail(), b.PrimaryEmail())
	set("employeeNumber", a.EmployeeNumber, b.EmployeeNumber)
	set("manager", a.Manager, b.Manager)
	if a.Active != b.Active || a.ID == "" {
		out["active"] = b.Active
	}
	if !emailsEqual(a.Emails, b.Emails) {
		// The whole list too: a secondary address is no target field, but
		// its change is still a change of the stored user.
		out["emails"] = b.Emails
	}
	return out
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func emailsEqual(a, b []Email) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func rawJSON(body []byte) json.RawMessage {
	if len(body) == 0 || !json.Valid(body) {
		return nil
	}
	if len(body) > maxRaw {
		b, _ := json.Marshal(fmt.Sprintf("request body of %d bytes, not kept", len(body)))
		return b
	}
	return json.RawMessage(body)
}

// publish stores p's event on quell.events.hr.<source>.
func publish(ctx context.Context, pub Publisher, source string, p *pending) error {
	ev, err := events.New(events.SourceFor(source), p.EventID, events.TypeHREmployee, p.At, p.Data)
	if err != nil {
		return err
	}
	if _, err := pub.Publish(ctx, events.EventSubject(events.KindHR, source), ev); err != nil {
		return fmt.Errorf("%w: %w", errStore, err)
	}
	return nil
}
