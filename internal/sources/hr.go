package sources

import (
	"strings"
	"time"
)

// The changes an HR event reports ([events.HREmployee.Change]).
const (
	ChangeTerminated = "terminated"
	ChangeUpdated    = "updated"
	ChangeCreated    = "created"
)

// Words in an event type or a mapped change value that mean the employee
// left or arrived. Anything else is an update: a termination must be said,
// never guessed, because it leads to quarantining somebody.
var (
	leaveWords = map[string]bool{"terminated": true, "terminate": true, "termination": true,
		"offboard": true, "offboarded": true, "offboarding": true, "left": true, "leaver": true,
		"deactivate": true, "deactivated": true, "separated": true, "separation": true}
	joinWords = map[string]bool{"created": true, "create": true, "hired": true, "hire": true,
		"onboard": true, "onboarded": true, "onboarding": true, "joined": true, "joiner": true}
)

// classifyChange reads an event type or mapped value ("employee.left",
// "terminated", "user.lifecycle.deactivate") as a change, or "" when it
// says neither leaving, joining nor updating.
func classifyChange(s string) string {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return (r < 'a' || r > 'z') && (r < '0' || r > '9')
	})
	for _, w := range words {
		switch {
		case leaveWords[w]:
			return ChangeTerminated
		case joinWords[w]:
			return ChangeCreated
		}
	}
	for _, w := range words {
		if w == "updated" || w == "update" || w == "changed" || w == "modified" {
			return ChangeUpdated
		}
	}
	return ""
}

// inactiveStatus reports whether an employee status value means the
// employee is gone.
func inactiveStatus(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	return s == "inactive" || s == "terminated"
}

// parseDate reads the date formats HR systems send; BambooHR writes an
// unset date as 0000-00-00, which is no date.
func parseDate(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02", time.RFC3339, "2006-01-02T15:04:05", "01/02/2006"} {
		if t, err := time.Parse(layout, s); err == nil && t.Year() > 1 {
			return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), true
		}
	}
	return time.Time{}, false
}

// effectiveDate normalizes a parseable date to YYYY-MM-DD and keeps any
// other non-empty value as sent.
func effectiveDate(s string) string {
	if t, ok := parseDate(s); ok {
		return t.Format(time.DateOnly)
	}
	if s == "0000-00-00" {
		return ""
	}
	return s
}

// dateReached reports whether s is a date on or before now's date (UTC):
// a termination dated in the future has not happened yet.
func dateReached(s string, now time.Time) bool {
	t, ok := parseDate(s)
	if !ok {
		return false
	}
	now = now.UTC()
	return !t.After(time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC))
}

// normKey folds a field name or alias to compare "Work Email", "workEmail"
// and "work_email" alike; "#" reads as "number" ("Employee #").
func normKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.ReplaceAll(s, "#", "number")) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// changedFields reads a changedFields value: a list of names, a list of
// {name|field|alias, value|newValue} objects or a map of name to new value.
// known is false when v is none of these (the sender did not say).
func changedFields(v any) (names []string, values map[string]any, known bool) {
	values = map[string]any{}
	switch t := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(t) {
			names = append(names, k)
			values[k] = t[k]
		}
		return names, values, true
	case []any:
		for _, item := range t {
			if s := text(item); s != "" {
				names = append(names, s)
				continue
			}
			m, ok := item.(map[string]any)
			name := ""
			if ok {
				name = firstText(m, "name", "field", "alias", "id")
			}
			if name == "" {
				continue
			}
			names = append(names, name)
			if val, ok := firstPresent(m, "value", "newValue", "new", "to"); ok {
				values[name] = val
			}
		}
		return names, values, true
	}
	return nil, values, false
}

func firstPresent(m map[string]any, keys ...string) (any, bool) {
	for _, k := range keys {
		if v, ok := m[k]; ok {
			return v, true
		}
	}
	return nil, false
}

// clock returns now(), or time.Now() when no clock was injected.
func clock(now func() time.Time) time.Time {
	if now != nil {
		return now()
	}
	return time.Now()
}
