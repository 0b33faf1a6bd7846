package sources

import (
	"strings"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/events"
)

// hrMappingFields are the fields an hr-generic mapping may set, each a CEL
// expression over `payload` (one employee object).
var hrMappingFields = []string{"change", "username", "domain", "email", "upn", "object_id",
	"employee_id", "effective_date", "changed_fields", "id"}

// hrDefaultPaths are tried, in order, for a field the mapping does not set.
var hrDefaultPaths = map[string][]string{
	"change":         {"change", "event_type", "eventType", "type", "event", "action"},
	"username":       {"username", "user_name", "user.username", "employee.username", "login"},
	"domain":         {"domain", "user.domain", "employee.domain"},
	"email":          {"email", "work_email", "workEmail", "user.email", "employee.email", "employee.work_email"},
	"upn":            {"upn", "userPrincipalName", "user_principal_name", "user.upn", "employee.upn"},
	"object_id":      {"object_id", "objectId", "user.object_id", "employee.object_id"},
	"employee_id":    {"employee_id", "employeeId", "employee_number", "employeeNumber", "employee.id", "employee.employee_id"},
	"effective_date": {"effective_date", "effectiveDate", "termination_date", "terminationDate", "employee.termination_date"},
	"changed_fields": {"changed_fields", "changedFields", "changes", "employee.changed_fields"},
	"id":             {"event_id", "eventId", "id"},
}

// Where a payload without an explicit change says the employee is gone.
var (
	hrStatusPaths = []string{"status", "employment_status", "employmentStatus", "employee.status"}
	hrTermPaths   = []string{"termination_date", "terminationDate", "employee.termination_date"}
)

// HRGeneric parses any JSON employee object (or array of them, or a list
// under "employees") into HR changes, with an optional per-source mapping
// of normalized fields to CEL expressions over `payload`.
type HRGeneric struct {
	name    string
	mapping map[string]cel.Program
	// Now is the clock that decides whether a termination date has been
	// reached; nil means [time.Now].
	Now func() time.Time
}

// NewHRGeneric compiles the mapping; errors name each bad field.
func NewHRGeneric(sourceName string, mapping map[string]string) (*HRGeneric, error) {
	prgs, err := compileMapping(mapping, hrMappingFields)
	if err != nil {
		return nil, err
	}
	return &HRGeneric{name: sourceName, mapping: prgs}, nil
}

// ParseHR returns one change per employee object in body.
func (h *HRGeneric) ParseHR(body []byte) ([]events.HREmployee, error) {
	doc, err := decode(body)
	if err != nil {
		return nil, err
	}
	b, err := split(doc, "employees")
	if err != nil {
		return nil, err
	}
	out := make([]events.HREmployee, 0, len(b.items))
	for i, obj := range b.items {
		e, err := h.parseOne(obj)
		if err != nil {
			return nil, itemErr(err, i, len(b.items))
		}
		e.Raw = rawItem(body, obj, b.whole)
		out = append(out, e)
	}
	return out, nil
}

func (h *HRGeneric) parseOne(obj map[string]any) (events.HREmployee, error) {
	get := func(f string) string { return text(h.field(obj, f)) }
	u := actions.UserRef{Email: get("email"), UPN: get("upn"), ObjectID: get("object_id"), EmployeeID: get("employee_id")}
	withName(&u, get("username"), get("domain"))
	if !identified(u) {
		return events.HREmployee{}, noIdentity(h.tried())
	}
	return events.HREmployee{
		SourceKind: "hr-generic", SourceName: h.name, SourceEventID: get("id"),
		Change: h.change(obj), User: u, EffectiveDate: effectiveDate(get("effective_date")),
		ChangedFields: h.changed(obj),
	}, nil
}

// change reads the mapped or sent change; a plain update (or none) is
// still a termination when the status or a reached termination date says so.
func (h *HRGeneric) change(obj map[string]any) string {
	switch c := classifyChange(text(h.field(obj, "change"))); c {
	case ChangeTerminated, ChangeCreated:
		return c
	}
	if inactiveStatus(firstText(obj, hrStatusPaths...)) || dateReached(firstText(obj, hrTermPaths...), clock(h.Now)) {
		return ChangeTerminated
	}
	return ChangeUpdated
}

// changed maps changed field names to new values; a name listed without a
// value takes the payload's own field of that name, if any.
func (h *HRGeneric) changed(obj map[string]any) map[string]any {
	names, values, _ := changedFields(h.field(obj, "changed_fields"))
	if len(names) == 0 {
		return nil
	}
	out := make(map[string]any, len(names))
	for _, n := range names {
		v, ok := values[n]
		if !ok {
			v = find(obj, n)
		}
		out[n] = v
	}
	return out
}

// field evaluates the mapping for f, or tries the default paths. A mapping
// that fails on this payload (a missing key) leaves the field unset.
func (h *HRGeneric) field(obj map[string]any, f string) any {
	if prg, ok := h.mapping[f]; ok {
		out, _, err := prg.Eval(map[string]any{"payload": obj})
		if err != nil {
			return nil
		}
		switch v := out.Value().(type) {
		case string, bool, float64, int64:
			return v
		case uint64:
			return float64(v)
		}
		// Lists and maps (changed_fields) come back as CEL values: read
		// them as plain JSON.
		native, err := out.ConvertToNative(types.JSONValueType)
		if pv, ok := native.(*structpb.Value); ok && err == nil {
			return pv.AsInterface()
		}
		return nil
	}
	for _, p := range hrDefaultPaths[f] {
		v := find(obj, p)
		if (f == "changed_fields" && v != nil) || text(v) != "" {
			return v
		}
	}
	return nil
}

// tried names, for the identity error, every path the identity came from.
func (h *HRGeneric) tried() string {
	var tried []string
	for _, f := range []string{"username", "email", "upn", "object_id", "employee_id"} {
		if _, ok := h.mapping[f]; ok {
			tried = append(tried, "mapping."+f)
			continue
		}
		tried = append(tried, hrDefaultPaths[f]...)
	}
	return strings.Join(tried, ", ")
}
