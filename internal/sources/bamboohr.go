package sources

import (
	"strings"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/events"
)

const bambooTried = "fields.workEmail (Work Email), fields.email, fields.userPrincipalName, " +
	"fields.employeeNumber (Employee #), fields.username, employees[].id, data.employeeId"

// BambooHR parses BambooHR employee webhooks in both styles: field-based
// (legacy, {"employees": [{id, action, changedFields, fields}]}, field
// names as labels or configured aliases) and event-based ({type, timestamp,
// data: {companyId, employeeId, changedFields}}), alone or in an array.
type BambooHR struct {
	name string
	// Now is the clock that decides whether a termination date has been
	// reached; nil means [time.Now].
	Now func() time.Time
}

// NewBambooHR returns the parser for the BambooHR source named sourceName.
func NewBambooHR(sourceName string) *BambooHR { return &BambooHR{name: sourceName} }

// ParseHR returns one change per employee in body.
func (b *BambooHR) ParseHR(body []byte) ([]events.HREmployee, error) {
	doc, err := decode(body)
	if err != nil {
		return nil, err
	}
	bt, err := split(doc, "employees")
	if err != nil {
		return nil, err
	}
	envType := ""
	if bt.env != nil {
		envType = text(bt.env["type"])
	}
	out := make([]events.HREmployee, 0, len(bt.items))
	for i, item := range bt.items {
		e, err := b.employee(bambooRecord(item, envType))
		if err != nil {
			return nil, itemErr(err, i, len(bt.items))
		}
		e.Raw = rawItem(body, item, bt.whole)
		out = append(out, e)
	}
	return out, nil
}

// hrRecord is one employee's change, whichever payload style carried it.
type hrRecord struct {
	event   string         // event type or action, as sent
	id      string         // BambooHR's employee id
	fields  map[string]any // field values (field-based payloads only)
	changed []string       // names of the changed fields
	values  map[string]any // new values sent along with changed names
	known   bool           // the sender said which fields changed
	index   map[string]any // fields and values by normKey
}

func bambooRecord(item map[string]any, envType string) hrRecord {
	src := item
	if data, ok := item["data"].(map[string]any); ok {
		src = data // event-based
	}
	r := hrRecord{event: orElse(text(item["type"]), orElse(text(item["action"]), envType))}
	r.id = firstText(src, "employeeId", "id")
	r.fields, _ = src["fields"].(map[string]any)
	r.changed, r.values, r.known = changedFields(src["changedFields"])
	r.index = map[string]any{}
	for _, m := range []map[string]any{r.values, r.fields} {
		for _, k := range sortedKeys(m) {
			if _, dup := r.index[normKey(k)]; !dup {
				r.index[normKey(k)] = m[k]
			}
		}
	}
	return r
}

// get is the first non-empty field value among names, matched by normKey.
func (r hrRecord) get(names ...string) string {
	for _, n := range names {
		if s := text(r.index[normKey(n)]); s != "" {
			return s
		}
	}
	return ""
}

// changedNow reports whether one of names is among the changed fields, or
// the sender did not say which changed.
func (r hrRecord) changedNow(names ...string) bool {
	if !r.known {
		return true
	}
	for _, c := range r.changed {
		for _, n := range names {
			if normKey(c) == normKey(n) {
				return true
			}
		}
	}
	return false
}

// changedValues maps each changed field to its new value (nil when the
// payload names the field without a value, as event-based ones do); with no
// list of changed fields, every field sent is taken as changed.
func (r hrRecord) changedValues() map[string]any {
	out := map[string]any{}
	if !r.known {
		for k, v := range r.fields {
			out[k] = v
		}
	}
	for _, name := range r.changed {
		v, ok := r.values[name]
		if !ok {
			v = r.index[normKey(name)]
		}
		out[name] = v
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func (b *BambooHR) employee(r hrRecord) (events.HREmployee, error) {
	email := r.get("workEmail", "email")
	u := actions.UserRef{Email: email, UPN: orElse(r.get("userPrincipalName", "upn"), email),
		EmployeeID: orElse(r.get("employeeNumber"), r.id)}
	withName(&u, r.get("username", "userName", "samAccountName", "networkId", "login"), "")
	if !identified(u) {
		return events.HREmployee{}, noIdentity(bambooTried)
	}
	term := r.get("terminationDate")
	e := events.HREmployee{SourceKind: "bamboohr", SourceName: b.name, User: u,
		EffectiveDate: effectiveDate(term), ChangedFields: r.changedValues()}
	event := strings.ToLower(r.event)
	switch {
	case strings.Contains(event, "created"):
		e.Change = ChangeCreated
	case strings.Contains(event, "deleted"):
		// Deleting a record is how duplicates and mistakes are cleaned up
		// (BambooHR terminates, it does not delete, leavers): report it
		// without calling it a termination.
		e.Change, e.ChangedFields = ChangeUpdated, map[string]any{"deleted": true}
	case b.terminated(r, term):
		e.Change = ChangeTerminated
	default:
		e.Change = ChangeUpdated
	}
	return e, nil
}

// terminated: a status field that changed to Inactive/Terminated, or a
// termination date, changed and reached. Requiring the change keeps an
// already-gone employee's later edits (or a rehire that kept an old date)
// from reading as a new termination.
func (b *BambooHR) terminated(r hrRecord, term string) bool {
	for _, f := range []string{"status", "employmentStatus", "employeeStatus"} {
		if inactiveStatus(r.get(f)) && r.changedNow(f) {
			return true
		}
	}
	return r.changedNow("terminationDate") && dateReached(term, clock(b.Now))
}
