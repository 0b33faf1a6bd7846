package sources

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestHRGenericParse(t *testing.T) {
	cases := []struct {
		name    string
		mapping map[string]string
		body    string
		change  []string
		users   []string
		changed map[string]any // of the first
		date    string         // of the first
		id      string         // of the first
	}{
		{"event word", nil, `{"event":"employee.terminated","email":"a@c.com","employee_id":"E1","termination_date":"2026-11-30","event_id":"ev1"}`,
			[]string{ChangeTerminated}, []string{"a@c.com"}, nil, "2026-11-30", "ev1"},
		{"inactive status", nil, `{"username":"CORP\\b","status":"Inactive"}`, []string{ChangeTerminated}, []string{`CORP\b`}, nil, "", ""},
		{"update with reached termination date", nil, `{"type":"updated","upn":"c@c.com","terminationDate":"2026-11-01"}`,
			[]string{ChangeTerminated}, []string{"c@c.com"}, nil, "2026-11-01", ""},
		{"future termination date", nil, `{"employee":{"email":"d@c.com","termination_date":"2027-01-15"}}`,
			[]string{ChangeUpdated}, []string{"d@c.com"}, nil, "2027-01-15", ""},
		{"hire", nil, `{"action":"hire","employeeNumber":42}`, []string{ChangeCreated}, []string{"employee:42"}, nil, "", ""},
		{"changed map", nil, `{"email":"e@c.com","changed_fields":{"title":"CTO","manager":null}}`,
			[]string{ChangeUpdated}, []string{"e@c.com"}, map[string]any{"title": "CTO", "manager": nil}, "", ""},
		{"changed names take payload values", nil, `{"email":"f@c.com","changes":["department","missing"],"department":"Ops"}`,
			[]string{ChangeUpdated}, []string{"f@c.com"}, map[string]any{"department": "Ops", "missing": nil}, "", ""},
		{"array", nil, `[{"email":"g@c.com"},{"event":"offboarding","email":"h@c.com"}]`,
			[]string{ChangeUpdated, ChangeTerminated}, []string{"g@c.com", "h@c.com"}, nil, "", ""},
		{"employees list", nil, `{"employees":[{"user":{"upn":"i@c.com"}},{"employee":{"id":"9"}}]}`,
			[]string{ChangeUpdated, ChangeUpdated}, []string{"i@c.com", "employee:9"}, nil, "", ""},
		{"mapping", map[string]string{
			"change":         `payload.kind == "leaver" ? "terminated" : "updated"`,
			"username":       "payload.person.login",
			"effective_date": "payload.last_day",
			"changed_fields": `{"title": payload.person.title, "level": 3}`,
			"id":             "payload.seq",
		}, `{"kind":"leaver","seq":17,"last_day":"2026-12-01T00:00:00Z","person":{"login":"jkim","title":"SRE"}}`,
			[]string{ChangeTerminated}, []string{"jkim"}, map[string]any{"title": "SRE", "level": float64(3)}, "2026-12-01", "17"},
		{"mapped change not understood falls back to status", map[string]string{"change": "payload.what"},
			`{"what":"moved","status":"terminated","email":"k@c.com"}`, []string{ChangeTerminated}, []string{"k@c.com"}, nil, "", ""},
		{"mapped names list", map[string]string{"changed_fields": "payload.diff.map(d, d.f)"},
			`{"email":"l@c.com","diff":[{"f":"phone"}],"phone":"555"}`, []string{ChangeUpdated}, []string{"l@c.com"}, map[string]any{"phone": "555"}, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, err := NewHRGeneric("hr", c.mapping)
			if err != nil {
				t.Fatal(err)
			}
			h.Now = bambooNow
			emps, err := h.ParseHR([]byte(c.body))
			if err != nil {
				t.Fatal(err)
			}
			var changes, users []string
			for _, e := range emps {
				changes, users = append(changes, e.Change), append(users, e.User.String())
				if e.SourceKind != "hr-generic" || e.SourceName != "hr" || len(e.Raw) == 0 {
					t.Errorf("employee %+v", e)
				}
			}
			e := emps[0]
			if !reflect.DeepEqual(changes, c.change) || !reflect.DeepEqual(users, c.users) ||
				!reflect.DeepEqual(e.ChangedFields, c.changed) || e.EffectiveDate != c.date || e.SourceEventID != c.id {
				t.Errorf("changes %v users %v; first %+v", changes, users, e)
			}
			if len(emps) == 1 && !bytes.Equal(e.Raw, []byte(c.body)) {
				t.Errorf("raw %s", e.Raw)
			}
		})
	}
}

func TestHRGenericMalformed(t *testing.T) {
	cases := []struct {
		name    string
		mapping map[string]string
		body    string
		want    string
	}{
		{"no identity", nil, `{"event":"terminated","first_name":"A"}`, "no user identity: tried username, user_name, user.username"},
		{"mapping named in error", map[string]string{"email": "payload.mail"}, `{"x":1}`, "mapping.email"},
		{"second employee", nil, `[{"email":"a@c.com"},{}]`, "item 1"},
		{"not JSON", nil, `{`, "not JSON"},
		{"bool", nil, `true`, "got a boolean"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, err := NewHRGeneric("hr", c.mapping)
			if err != nil {
				t.Fatal(err)
			}
			_, err = h.ParseHR([]byte(c.body))
			wantMalformed(t, err, c.want)
		})
	}
}

func TestHRGenericMappingErrors(t *testing.T) {
	_, err := NewHRGeneric("hr", map[string]string{"severity": "payload.s", "email": "payload.("})
	if err == nil || !strings.Contains(err.Error(), "mapping.severity: unknown field") || !strings.Contains(err.Error(), "mapping.email: ERROR") {
		t.Fatalf("err = %v", err)
	}
}

func FuzzHRGenericParse(f *testing.F) {
	for _, s := range []string{`{"event":"employee.terminated","email":"a@c.com","termination_date":"2026-11-30"}`,
		`[{"username":"b","changed_fields":{"t":1}},{"employee":{"id":2}}]`, `{"employees":[{"changes":["x"],"x":[1]}]}`} {
		f.Add([]byte(s))
	}
	seed(f, "bamboohr-webhook.json")
	h, err := NewHRGeneric("fuzz", map[string]string{"changed_fields": "payload.diff", "username": "payload.who.name"})
	if err != nil {
		f.Fatal(err)
	}
	h.Now = bambooNow
	f.Fuzz(func(t *testing.T, body []byte) {
		emps, err := h.ParseHR(body)
		checkFuzzHR(t, emps, err)
	})
}
