package sources

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
)

// bambooNow is the sample's delivery time.
var bambooNow = func() time.Time { return time.Date(2026, 11, 23, 9, 0, 12, 0, time.UTC) }

func newTestBambooHR() *BambooHR {
	b := NewBambooHR("bamboo")
	b.Now = bambooNow
	return b
}

func TestBambooHRSample(t *testing.T) {
	emps, err := newTestBambooHR().ParseHR(sample(t, "bamboohr-webhook.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(emps) != 2 {
		t.Fatalf("got %d employees, want 2", len(emps))
	}
	term, upd := emps[0], emps[1]
	wantTerm := actions.UserRef{Email: "dortiz@corp.example.com", UPN: "dortiz@corp.example.com", EmployeeID: "E-1043"}
	if term.Change != ChangeTerminated || term.User != wantTerm || term.EffectiveDate != "2026-11-23" ||
		!reflect.DeepEqual(term.ChangedFields, map[string]any{"Employment Status": "Terminated", "Status": "Inactive"}) ||
		term.SourceKind != "bamboohr" || term.SourceName != "bamboo" || !bytes.Contains(term.Raw, []byte(`"id":"318"`)) {
		t.Errorf("terminated = %+v", term)
	}
	wantUpd := actions.UserRef{Email: "pnair-kumar@corp.example.com", UPN: "pnair-kumar@corp.example.com", EmployeeID: "E-1107"}
	if upd.Change != ChangeUpdated || upd.User != wantUpd || upd.EffectiveDate != "" ||
		!reflect.DeepEqual(upd.ChangedFields, map[string]any{"Last Name": "Nair-Kumar", "Work Email": "pnair-kumar@corp.example.com"}) ||
		bytes.Contains(upd.Raw, []byte("318")) {
		t.Errorf("updated = %+v", upd)
	}
}

func TestBambooHREventBased(t *testing.T) {
	body := sample(t, "bamboohr-event.json")
	emps, err := newTestBambooHR().ParseHR(body)
	if err != nil {
		t.Fatal(err)
	}
	// Event-based bodies name the changed fields without their values, so
	// a status change cannot be read as a termination.
	e := emps[0]
	if len(emps) != 1 || e.Change != ChangeUpdated || e.User != (actions.UserRef{EmployeeID: "318"}) ||
		!reflect.DeepEqual(e.ChangedFields, map[string]any{"employmentStatus": nil, "status": nil}) || !bytes.Equal(e.Raw, body) {
		t.Errorf("employee = %+v", e)
	}
}

func TestBambooHRVariations(t *testing.T) {
	legacy := func(changed, fields string) string {
		return `{"employees":[{"id":"9","action":"Updated","changedFields":` + changed + `,"fields":` + fields + `}]}`
	}
	cases := []struct {
		name    string
		body    string
		change  string
		user    string
		changed map[string]any
		date    string
	}{
		{"future termination date", legacy(`["Termination Date"]`, `{"Work Email":"a@c.com","Termination Date":"2026-12-31","Status":"Active"}`),
			ChangeUpdated, "a@c.com", map[string]any{"Termination Date": "2026-12-31"}, "2026-12-31"},
		{"termination date today", legacy(`["terminationDate"]`, `{"workEmail":"b@c.com","terminationDate":"2026-11-23"}`),
			ChangeTerminated, "b@c.com", map[string]any{"terminationDate": "2026-11-23"}, "2026-11-23"},
		{"old termination date not changed", legacy(`["Last Name"]`, `{"Work Email":"c@c.com","Last Name":"X","Termination Date":"2020-01-31","Status":"Active"}`),
			ChangeUpdated, "c@c.com", map[string]any{"Last Name": "X"}, "2020-01-31"},
		{"inactive status not changed", legacy(`["Job Title"]`, `{"Work Email":"d@c.com","Status":"Inactive","Job Title":"CTO"}`),
			ChangeUpdated, "d@c.com", map[string]any{"Job Title": "CTO"}, ""},
		{"no changed list, terminated status", `{"employees":[{"id":"9","fields":{"email":"e@c.com","employmentStatus":"Terminated"}}]}`,
			ChangeTerminated, "e@c.com", map[string]any{"email": "e@c.com", "employmentStatus": "Terminated"}, ""},
		{"unset date", `{"employees":[{"id":"9","fields":{"Work Email":"f@c.com","Termination Date":"0000-00-00"}}]}`,
			ChangeUpdated, "f@c.com", map[string]any{"Work Email": "f@c.com", "Termination Date": "0000-00-00"}, ""},
		{"created", `{"employees":[{"id":"9","action":"Created","fields":{"Work Email":"g@c.com"}}]}`,
			ChangeCreated, "g@c.com", map[string]any{"Work Email": "g@c.com"}, ""},
		{"created envelope type", `{"type":"employee_with_fields.created","employees":[{"id":"9","fields":{"Employee #":7}}]}`,
			ChangeCreated, "employee:7", map[string]any{"Employee #": float64(7)}, ""},
		{"event created", `{"type":"employee.created","timestamp":"t","data":{"companyId":1,"employeeId":12}}`,
			ChangeCreated, "employee:12", nil, ""},
		{"event with values", `{"type":"employee.updated","data":{"employeeId":"5","changedFields":{"status":"Inactive"}}}`,
			ChangeTerminated, "employee:5", map[string]any{"status": "Inactive"}, ""},
		{"event deleted", `{"type":"employee.deleted","data":{"employeeId":"6"}}`,
			ChangeUpdated, "employee:6", map[string]any{"deleted": true}, ""},
		{"username alias", legacy(`[]`, `{"username":"CORP\\hjones","Work Email":"h@c.com"}`),
			ChangeUpdated, `CORP\hjones`, nil, ""},
		{"id only", `{"employees":[{"id":"77","action":"Updated","changedFields":["Department"],"fields":{"Department":"Ops"}}]}`,
			ChangeUpdated, "employee:77", map[string]any{"Department": "Ops"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			emps, err := newTestBambooHR().ParseHR([]byte(c.body))
			if err != nil {
				t.Fatal(err)
			}
			e := emps[0]
			if len(emps) != 1 || e.Change != c.change || e.User.String() != c.user || e.EffectiveDate != c.date ||
				!reflect.DeepEqual(e.ChangedFields, c.changed) {
				t.Errorf("got %d, first %+v", len(emps), e)
			}
		})
	}
}

func TestBambooHRBatchOfEvents(t *testing.T) {
	emps, err := newTestBambooHR().ParseHR([]byte(`[{"type":"employee.updated","data":{"employeeId":"1"}},
		{"type":"employee.updated","data":{"employeeId":"2"}}]`))
	if err != nil || len(emps) != 2 || emps[1].User.EmployeeID != "2" {
		t.Fatalf("got %+v, %v", emps, err)
	}
}

func TestBambooHRMalformed(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"no identity", `{"employees":[{"action":"Updated","fields":{"First Name":"A"}}]}`, "no user identity: tried " + bambooTried},
		{"event without employee", `{"type":"employee.updated","data":{"companyId":1}}`, "data.employeeId"},
		{"second employee", `{"employees":[{"id":"1"},{"fields":{}}]}`, "item 1"},
		{"empty employees", `{"employees":[]}`, "employees empty array"},
		{"not JSON", `employees=1`, "not JSON"},
		{"string", `"x"`, "got a string"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := newTestBambooHR().ParseHR([]byte(c.body))
			wantMalformed(t, err, c.want)
		})
	}
}

func FuzzBambooHRParse(f *testing.F) {
	seed(f, "bamboohr-webhook.json", "bamboohr-event.json")
	f.Add([]byte(`{"type":"employee.updated","data":{"employeeId":"5","changedFields":[{"name":"status","value":"Inactive"}]}}`))
	p := newTestBambooHR()
	f.Fuzz(func(t *testing.T, body []byte) {
		emps, err := p.ParseHR(body)
		checkFuzzHR(t, emps, err)
	})
}
