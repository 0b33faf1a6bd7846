package events_test

// Golden JSON tests freeze Quell's v1 events on the wire. Each case builds
// an event with the constructor Quell publishes it with (events.New,
// NewActionRequested, NewResult) and encodes it with events.Message, the
// path Publisher.Publish takes; the NATS message body, the whole CloudEvent
// in structured JSON mode, must equal testdata/golden/<case>.json. A renamed
// field, a changed tag, an added or removed field, or a changed omitempty
// fails; so does a field that can be written but not read back (the round
// trip test). To accept an intended change:
//
//	go test ./internal/events -run Golden -update
//
// Two cases per type: "<type>.json" sets every field, optional ones included
// (the values are chosen to show every field name, not to tell a likely
// story), and "<type>.minimal.json" leaves the data at its zero value except
// what the constructor needs, so it shows exactly which fields are always
// present and which omitempty drops.

import (
	"context"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/secret"
)

var (
	goldenAt       = time.Date(2026, 11, 23, 11, 44, 1, 123_000_000, time.UTC)
	goldenStarted  = time.Date(2026, 11, 23, 11, 44, 1, 173_000_000, time.UTC)
	goldenFinished = time.Date(2026, 11, 23, 11, 44, 1, 303_000_000, time.UTC)
)

// goldenSecret is set on the full results' Outcome.Secret; it must never
// appear in an encoding.
const goldenSecret = "golden-plaintext-client-secret"

const (
	goldenTraceparent = "00-3aede3b9ffeffe57c9917fde7f5b8b7e-3d256115a282eb7c-01"
	goldenTracestate  = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"
)

type goldenCase struct {
	name    string // file name in testdata/golden, without .json
	typ     string // CloudEvents type the event must have
	subject string // NATS subject it is published on
	full    bool   // every field set: checked for coverage
	build   func() (cloudevents.Event, error)
	// dataType is the Go type of the event's data, for the round trip and
	// the coverage check.
	dataType reflect.Type
	decode   func(cloudevents.Event) (any, error)
}

// parallel runs t in parallel with the other golden tests, except under
// -update, where the tests that read the files must wait for the one that
// writes them.
func parallel(t *testing.T) {
	if !*update {
		t.Parallel()
	}
}

func decodeAs[T any](ev cloudevents.Event) (any, error) { return events.DataAs[T](ev) }

func fullUser() actions.UserRef {
	return actions.UserRef{Username: "jdoe", Domain: "CORP", Email: "jane.doe@example.com", UPN: "jdoe@corp.example.com",
		ObjectID: "5f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b", EmployeeID: "E-4711", TargetID: "12"}
}

func fullAlert() events.Alert {
	lat, lon := 37.7749, -122.4194
	return events.Alert{
		SourceKind: "okta", SourceName: "okta-prod", SourceEventID: "AL-20931",
		Title: "Impossible travel", Rule: "impossible_travel", Severity: 85, SeverityOriginal: "high",
		User:       fullUser(),
		Links:      []string{"https://siem.example.com/alerts/AL-20931"},
		ReceivedAt: goldenAt,
		EventType:  "user.session.start", Outcome: "FAILURE", OutcomeReason: "INVALID_CREDENTIALS",
		Actor: &events.Principal{ID: "00u1abcdEFGH", Type: "User", AlternateID: "jane.doe@example.com", DisplayName: "Jane Doe"},
		Targets: []events.Principal{
			{ID: "0oa1salesforce", Type: "AppInstance", AlternateID: "Salesforce", DisplayName: "Salesforce.com"},
		},
		Published: goldenAt.Add(-2 * time.Second),
		Client: &events.Client{IPAddress: "203.0.113.7", City: "San Francisco", State: "California",
			Country: "United States", PostalCode: "94107", Latitude: &lat, Longitude: &lon},
		Raw: json.RawMessage(`{"uuid":"AL-20931","eventType":"user.session.start","actor":{"alternateId":"jane.doe@example.com"}}`),
	}
}

func fullHR() events.HREmployee {
	return events.HREmployee{
		SourceKind: "bamboohr", SourceName: "bamboo", SourceEventID: "bhr-5521", Change: "terminated",
		User:          fullUser(),
		ChangedFields: map[string]any{"employmentHistoryStatus": "Terminated", "department": "Finance", "employeeNumber": 4711},
		EffectiveDate: "2026-11-30",
		ReceivedAt:    goldenAt,
		Raw:           json.RawMessage(`{"employees":[{"id":"4711","changedFields":["employmentHistoryStatus"]}]}`),
	}
}

func fullAction() actions.Action {
	return actions.Action{
		ID: "act_4f44575c43da253577916eb7c87ac6ce", Kind: actions.Undo, Target: "commvault", User: fullUser(),
		Params:      map[string]any{"group": "vpn-users", "reason": "INC-4711"},
		Reason:      "undo of act_27b48e162041d08bbd6e13a301697902: INC-4711 was a false positive",
		RequestedBy: "quellctl:alice", Cause: "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", Rule: "quarantine-high-severity",
		DryRun: true, OnlyIfExists: true, ApprovedBy: "token:approvers", RequestedAt: goldenAt,
		Undo: &actions.UndoSpec{Of: "act_27b48e162041d08bbd6e13a301697902", Kind: actions.UpdateAttributes,
			Params: map[string]any{"email": "jane.doe@example.com"}, TargetUserID: "12",
			Before: map[string]any{"email": "jdoe@old.example.com"}, After: map[string]any{"email": "jane.doe@example.com"},
			Force: true},
	}
}

func minimalAction() actions.Action {
	return actions.Action{ID: "act_27b48e162041d08bbd6e13a301697902", Kind: actions.Quarantine, Target: "bi", RequestedAt: goldenAt}
}

func fullResult(status actions.Status, guard string) events.ActionResult {
	return events.ActionResult{
		Action: fullAction(), Status: status, Reason: "user quarantined",
		Outcome: actions.Outcome{Status: status, Reason: "user quarantined", TargetUserID: "12",
			Calls: []actions.Call{
				{Method: "POST", Path: "Users/12/Quarantine", Status: 200, Body: map[string]any{"reason": "INC-4711"}},
			},
			Details: map[string]string{"user_name": "jdoe", actions.DetailEffect: actions.EffectEarlierAttempt},
			Before:  map[string]any{"enabled": true}, After: map[string]any{"enabled": false},
			Refused: true, Secret: secret.New(goldenSecret)},
		ErrorClass: "permanent", Guard: guard, Attempts: 3, Deliveries: 2, Replays: 1,
		Worker: "quell-1/4242/9f2c1a7e", StartedAt: goldenStarted, FinishedAt: goldenFinished,
	}
}

// traced sets the trace extensions as a traced publish would (Message keeps
// a traceparent the event already carries).
func traced(ev cloudevents.Event, err error) (cloudevents.Event, error) {
	ev.SetExtension(events.ExtTraceparent, goldenTraceparent)
	ev.SetExtension(events.ExtTracestate, goldenTracestate)
	return ev, err
}

func goldenCases() []goldenCase {
	alert := reflect.TypeFor[events.Alert]()
	hr := reflect.TypeFor[events.HREmployee]()
	action := reflect.TypeFor[actions.Action]()
	result := reflect.TypeFor[events.ActionResult]()
	cases := []goldenCase{
		{name: events.TypeAlert, typ: events.TypeAlert, subject: "quell.events.alert.okta-prod", full: true,
			dataType: alert, decode: decodeAs[events.Alert],
			build: func() (cloudevents.Event, error) {
				return traced(events.New(events.SourceFor("okta-prod"), "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", events.TypeAlert, goldenAt, fullAlert()))
			}},
		{name: events.TypeAlert + ".minimal", typ: events.TypeAlert, subject: "quell.events.alert.demo",
			dataType: alert, decode: decodeAs[events.Alert],
			build: func() (cloudevents.Event, error) {
				return events.New(events.SourceFor("demo"), "evt-1", events.TypeAlert, goldenAt, events.Alert{})
			}},
		{name: events.TypeHREmployee, typ: events.TypeHREmployee, subject: "quell.events.hr.bamboo", full: true,
			dataType: hr, decode: decodeAs[events.HREmployee],
			build: func() (cloudevents.Event, error) {
				return traced(events.New(events.SourceFor("bamboo"), "bhr-5521-0", events.TypeHREmployee, goldenAt, fullHR()))
			}},
		{name: events.TypeHREmployee + ".minimal", typ: events.TypeHREmployee, subject: "quell.events.hr.hr-generic",
			dataType: hr, decode: decodeAs[events.HREmployee],
			build: func() (cloudevents.Event, error) {
				return events.New(events.SourceFor("hr-generic"), "evt-2", events.TypeHREmployee, goldenAt, events.HREmployee{})
			}},
		{name: events.TypeActionRequested, typ: events.TypeActionRequested, subject: "quell.actions.commvault.undo", full: true,
			dataType: action, decode: decodeAs[actions.Action],
			build: func() (cloudevents.Event, error) {
				return traced(events.NewActionRequested(events.SourceResponder, fullAction()))
			}},
		{name: events.TypeActionRequested + ".minimal", typ: events.TypeActionRequested, subject: "quell.actions.bi.quarantine",
			dataType: action, decode: decodeAs[actions.Action],
			build: func() (cloudevents.Event, error) {
				return events.NewActionRequested(events.SourcePlanner, minimalAction())
			}},
	}
	for _, r := range []struct {
		status actions.Status
		guard  string
	}{{actions.StatusCompleted, "parked"}, {actions.StatusFailed, "rejected"}, {actions.StatusSkipped, "refused"}} {
		typ := events.ResultType(r.status)
		cases = append(cases,
			goldenCase{name: typ, typ: typ, subject: "quell.results.commvault.undo", full: true,
				dataType: result, decode: decodeAs[events.ActionResult],
				build: func() (cloudevents.Event, error) {
					return traced(events.NewResult(fullResult(r.status, r.guard)))
				}},
			goldenCase{name: typ + ".minimal", typ: typ, subject: "quell.results.bi.quarantine",
				dataType: result, decode: decodeAs[events.ActionResult],
				build: func() (cloudevents.Event, error) {
					return events.NewResult(events.ActionResult{Action: minimalAction(), Status: r.status, FinishedAt: goldenFinished})
				}},
		)
	}
	return cases
}

// encode is what Publisher.Publish sends for ev: the message body, after
// checking the headers that copy the event's attributes.
func encode(t *testing.T, subject string, ev cloudevents.Event) []byte {
	t.Helper()
	msg, err := events.Message(context.Background(), subject, ev)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Content-Type": "application/cloudevents+json", "ce-type": ev.Type(), "ce-id": ev.ID(), "ce-source": ev.Source()}
	for k, v := range want {
		if got := msg.Header.Values(k); len(got) != 1 || got[0] != v {
			t.Errorf("header %s: %q, want %q", k, got, v)
		}
	}
	return msg.Data
}

func TestGoldenEvents(t *testing.T) {
	parallel(t)
	for _, c := range goldenCases() {
		t.Run(c.name, func(t *testing.T) {
			ev, err := c.build()
			if err != nil {
				t.Fatal(err)
			}
			if ev.Type() != c.typ {
				t.Fatalf("type %q, want %q", ev.Type(), c.typ)
			}
			body := encode(t, c.subject, ev)
			if strings.Contains(string(body), goldenSecret) {
				t.Fatalf("the encoding carries Outcome.Secret in plain text:\n%s", body)
			}
			checkGolden(t, c.name+".json", body)
		})
	}
}

// Decoding each golden file (events.Decode, then DataAs into the data's Go
// type) and encoding it again gives the same JSON: a field that can be
// written but not read, or read but not written, fails.
func TestGoldenEventsRoundTrip(t *testing.T) {
	parallel(t)
	for _, c := range goldenCases() {
		t.Run(c.name, func(t *testing.T) {
			want := readGolden(t, c.name+".json")
			ev, err := events.Decode(want)
			if err != nil {
				t.Fatal(err)
			}
			data, err := c.decode(ev)
			if err != nil {
				t.Fatal(err)
			}
			if reflect.TypeOf(data) != c.dataType {
				t.Fatalf("decoded %T, want %s", data, c.dataType)
			}
			if err := ev.SetData(cloudevents.ApplicationJSON, data); err != nil {
				t.Fatal(err)
			}
			got := normalizeJSON(t, "the re-encoding", encode(t, c.subject, ev))
			compareGolden(t, goldenDir+"/"+c.name+".json (decoded and encoded again)", want, got)
		})
	}
}

// The full golden of each type shows every field of its data, at every
// depth: a field added to a Go type is either in the goldens or fails here
// (omitempty would otherwise keep it out of sight). The envelope carries
// subject and the trace extensions where Quell sets them.
func TestGoldenEventsCoverEveryField(t *testing.T) {
	parallel(t)
	for _, c := range goldenCases() {
		if !c.full {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			var doc map[string]any
			if err := json.Unmarshal(readGolden(t, c.name+".json"), &doc); err != nil {
				t.Fatal(err)
			}
			for _, attr := range []string{"specversion", "id", "source", "type", "datacontenttype", "time", "data",
				events.ExtTraceparent, events.ExtTracestate} {
				if _, ok := doc[attr]; !ok {
					t.Errorf("envelope attribute %q missing", attr)
				}
			}
			if missing := unsetFields(c.dataType, doc["data"], "data"); len(missing) > 0 {
				t.Errorf("fields not set in the full golden (set them in goldenCases and run -update):\n  %s",
					strings.Join(missing, "\n  "))
			}
		})
	}
}

// Every v1 type has a full and a minimal golden, and no golden file is
// left over from a renamed or removed case.
func TestGoldenEventsComplete(t *testing.T) {
	parallel(t)
	var names []string
	byType := map[string]int{}
	for _, c := range goldenCases() {
		names = append(names, c.name+".json")
		byType[c.typ]++
	}
	for _, typ := range []string{events.TypeAlert, events.TypeHREmployee, events.TypeActionRequested,
		events.TypeActionCompleted, events.TypeActionFailed, events.TypeActionSkipped} {
		if byType[typ] != 2 {
			t.Errorf("%s: %d golden cases, want a full and a minimal one", typ, byType[typ])
		}
	}
	if *update {
		return
	}
	files, err := os.ReadDir(goldenDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !slices.Contains(names, f.Name()) {
			t.Errorf("%s/%s has no golden case (stale after a rename? delete it)", goldenDir, f.Name())
		}
	}
}
