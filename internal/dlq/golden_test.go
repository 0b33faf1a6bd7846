package dlq_test

// Golden JSON tests freeze the dead-letter queue's wire format. A DLQ entry
// is not a JSON document of its own: it is the original message, body
// unchanged, stored on quell.dlq.<stage> with Quell-Dlq-* headers. So each
// case writes a real entry with dlq.Write (or dlq.Replay) to an embedded
// JetStream server, reads the stored message back and compares
//
//   - <case>.message.json: the stored message as every reader gets it:
//     subject, the whole header set (Nats-Msg-Id included) and the body;
//   - <case>.entry.json: the dlq.Entry read from it (dlq.EntryOf), which is
//     what `quellctl dlq list -o json` prints (and `dlq show -o json` under
//     "entry") and what GET /v1/dlq returns in "items". Its time is the
//     stream's timestamp, the only value replaced by a fixed one.
//
// To accept an intended change:
//
//	go test ./internal/dlq -run Golden -update
//
// The cases run in order on one server, so stream sequences are fixed too.

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
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/dlq"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/notify"
	"github.com/quell-dev/quell/internal/quelltest"
)

var goldenAt = time.Date(2026, 11, 23, 11, 44, 1, 123_000_000, time.UTC)

// goldenStoredAt replaces the stream's timestamp of a stored entry.
var goldenStoredAt = time.Date(2026, 11, 23, 11, 44, 2, 61_000_000, time.UTC)

// wireMessage is a stored message as a golden file shows it.
type wireMessage struct {
	Subject string      `json:"subject"`
	Header  nats.Header `json:"header"`
	Data    string      `json:"data"`
}

type dlqCase struct {
	name string
	// entry: the message is a DLQ entry (else a message a replay put back).
	entry bool
	// full: every Entry field is set (checked for coverage).
	full bool
	// run writes the case's message and returns it as stored.
	run func(t *testing.T, js jetstream.JetStream) *jetstream.RawStreamMsg
}

func fullAction() actions.Action {
	return actions.Action{
		ID: "act_4f44575c43da253577916eb7c87ac6ce", Kind: actions.Undo, Target: "commvault",
		User: actions.UserRef{Username: "jdoe", Domain: "CORP", Email: "jane.doe@example.com", UPN: "jdoe@corp.example.com",
			ObjectID: "5f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b", EmployeeID: "E-4711", TargetID: "12"},
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

// stored is ev as its stream holds it at seq: the message Publisher.Publish
// sends, with the Nats-Msg-Id header JetStream keeps.
func stored(t *testing.T, subject string, seq uint64, ev cloudevents.Event, err error) *jetstream.RawStreamMsg {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	msg, err := events.Message(context.Background(), subject, ev)
	if err != nil {
		t.Fatal(err)
	}
	msg.Header.Set("Nats-Msg-Id", events.MsgID(ev))
	return &jetstream.RawStreamMsg{Subject: subject, Sequence: seq, Header: msg.Header, Data: msg.Data}
}

// last returns the newest message of stream.
func last(t *testing.T, js jetstream.JetStream, stream string) *jetstream.RawStreamMsg {
	t.Helper()
	msgs := quelltest.StreamMsgs(t, js, stream, "")
	if len(msgs) == 0 {
		t.Fatalf("%s is empty", stream)
	}
	return &msgs[len(msgs)-1]
}

// entryAt returns the DLQ entry at seq.
func entryAt(t *testing.T, js jetstream.JetStream, seq uint64) dlq.Entry {
	t.Helper()
	e, err := dlq.Get(context.Background(), js, seq)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func dlqCases() []dlqCase {
	ctx := context.Background()
	return []dlqCase{
		// An action request replayed twice already, traced, failing again:
		// every header and every Entry field.
		{name: "execute-action", entry: true, full: true, run: func(t *testing.T, js jetstream.JetStream) *jetstream.RawStreamMsg {
			a := fullAction()
			ev, err := events.NewActionRequested(events.SourceResponder, a)
			orig := stored(t, events.ActionSubject(a.Target, string(a.Kind)), 7, ev, err)
			orig.Header.Set("traceparent", "00-3aede3b9ffeffe57c9917fde7f5b8b7e-3d256115a282eb7c-01")
			orig.Header.Set("tracestate", "congo=t61rcWkgMzE")
			orig.Header.Set(dlq.HeaderReplays, "2")
			orig.Header.Set(dlq.HeaderReplayedBy, "token:oncall")
			orig.Header.Set("Nats-Expected-Stream", events.StreamActions)
			if err := dlq.Write(ctx, js, events.StageExecute, orig, 5, actions.ClassPermanent,
				`undo commvault: user 12: PUT /v4/user/12: 404 Not Found: {"errorCode":2,"errorMessage":"user not found"}`); err != nil {
				t.Fatal(err)
			}
			return last(t, js, events.StreamDLQ)
		}},
		// An alert the planner could not handle: an event, no action.
		{name: "plan-event", entry: true, run: func(t *testing.T, js jetstream.JetStream) *jetstream.RawStreamMsg {
			ev, err := events.New(events.SourceFor("demo"), "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", events.TypeAlert, goldenAt,
				events.Alert{SourceKind: "generic", SourceName: "demo", Severity: 85, User: actions.UserRef{Username: "jdoe"}, ReceivedAt: goldenAt})
			orig := stored(t, events.EventSubject(events.KindAlert, "demo"), 3, ev, err)
			if err := dlq.Write(ctx, js, events.StagePlan, orig, 3, actions.ClassTransient,
				"rule quarantine-high-severity: params.group: no such key: group"); err != nil {
				t.Fatal(err)
			}
			return last(t, js, events.StreamDLQ)
		}},
		// A body that is not a CloudEvent, without headers, no reason, never
		// delivered: the entry's omitempty fields are absent.
		{name: "plan-undecodable", entry: true, run: func(t *testing.T, js jetstream.JetStream) *jetstream.RawStreamMsg {
			orig := &jetstream.RawStreamMsg{Subject: events.EventSubject(events.KindCloudEvent, "demo"), Sequence: 4, Data: []byte("not a CloudEvent")}
			if err := dlq.Write(ctx, js, events.StagePlan, orig, 0, actions.ClassPermanent, ""); err != nil {
				t.Fatal(err)
			}
			return last(t, js, events.StreamDLQ)
		}},
		// A result a notification route gave up on: stage notify-<route>,
		// marked with the route, an event that is not an action request.
		{name: "notify-result", entry: true, run: func(t *testing.T, js jetstream.JetStream) *jetstream.RawStreamMsg {
			ev, err := events.NewResult(events.ActionResult{
				Action: actions.Action{ID: "act_27b48e162041d08bbd6e13a301697902", Kind: actions.Quarantine, Target: "bi",
					User: actions.UserRef{Username: "ghost"}, RequestedAt: goldenAt},
				Status: actions.StatusFailed, Reason: "quarantine ghost: user not found", ErrorClass: "permanent",
				Attempts: 1, Deliveries: 1, StartedAt: goldenAt, FinishedAt: goldenAt})
			orig := stored(t, events.ResultSubject("bi", "quarantine"), 9, ev, err)
			orig.Header.Set(notify.HeaderRoute, "slack-soc")
			if err := dlq.Write(ctx, js, notify.Stage("slack-soc"), orig, 8, actions.ClassTransient,
				"route slack-soc (slack): 503 Service Unavailable after 8 attempt(s)"); err != nil {
				t.Fatal(err)
			}
			return last(t, js, events.StreamDLQ)
		}},
		// Replaying execute-action (replayed twice) with at most 2 replays:
		// the loop guard writes it back with its own reason and message id.
		{name: "loop-guard", entry: true, run: func(t *testing.T, js jetstream.JetStream) *jetstream.RawStreamMsg {
			out, err := dlq.Replay(ctx, js, entryAt(t, js, 1), 2, false)
			if err != nil || out != dlq.LoopGuard {
				t.Fatalf("replay: %s %v, want %s", out, err, dlq.LoopGuard)
			}
			return last(t, js, events.StreamDLQ)
		}},
		// Replaying plan-event through the API (which names who asked): the
		// message put back on its original subject.
		{name: "replayed", run: func(t *testing.T, js jetstream.JetStream) *jetstream.RawStreamMsg {
			e := entryAt(t, js, 2)
			e.SetReplayedBy("token:oncall")
			out, err := dlq.Replay(ctx, js, e, 3, false)
			if err != nil || out != dlq.Replayed {
				t.Fatalf("replay: %s %v, want %s", out, err, dlq.Replayed)
			}
			return last(t, js, events.StreamEvents)
		}},
	}
}

func encodeMessage(t *testing.T, m *jetstream.RawStreamMsg) []byte {
	t.Helper()
	b, err := json.Marshal(wireMessage{Subject: m.Subject, Header: m.Header, Data: string(m.Data)})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func encodeEntry(t *testing.T, e dlq.Entry) []byte {
	t.Helper()
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGoldenDLQ(t *testing.T) {
	if !*update {
		t.Parallel()
	}
	n := quelltest.StartNATS(t)
	for _, c := range dlqCases() {
		ran := false
		t.Run(c.name, func(t *testing.T) {
			m := c.run(t, n.JS)
			ran = true
			checkGolden(t, c.name+".message.json", encodeMessage(t, m))
			if c.entry {
				at := *m
				at.Time = goldenStoredAt
				checkGolden(t, c.name+".entry.json", encodeEntry(t, dlq.EntryOf(&at)))
			}
		})
		if !ran {
			t.FailNow() // the later cases build on the earlier ones' entries
		}
	}
}

// readEntry decodes the entry golden of c.
func readEntry(t *testing.T, c dlqCase) ([]byte, dlq.Entry) {
	t.Helper()
	want := readGolden(t, c.name+".entry.json")
	var e dlq.Entry
	if err := json.Unmarshal(want, &e); err != nil {
		t.Fatal(err)
	}
	return want, e
}

// Decoding each entry golden into dlq.Entry and encoding it again gives the
// same JSON, and reading each message golden with dlq.EntryOf gives the
// entry golden: every header Write sets is one the readers understand.
func TestGoldenDLQRoundTrip(t *testing.T) {
	if !*update {
		t.Parallel()
	}
	for _, c := range dlqCases() {
		if !c.entry {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			want, e := readEntry(t, c)
			compareGolden(t, goldenDir+"/"+c.name+".entry.json (decoded and encoded again)", want,
				normalizeJSON(t, "the re-encoding", encodeEntry(t, e)))

			var m wireMessage
			if err := json.Unmarshal(readGolden(t, c.name+".message.json"), &m); err != nil {
				t.Fatal(err)
			}
			raw := &jetstream.RawStreamMsg{Subject: m.Subject, Header: m.Header, Data: []byte(m.Data), Sequence: e.Seq, Time: e.Time}
			compareGolden(t, goldenDir+"/"+c.name+".entry.json (read from "+c.name+".message.json)", want,
				normalizeJSON(t, "the entry read from the message", encodeEntry(t, dlq.EntryOf(raw))))
		})
	}
}

// The full entry golden shows every field of dlq.Entry, its action's
// included; its message every Quell-Dlq-* header.
func TestGoldenDLQCoverEveryField(t *testing.T) {
	if !*update {
		t.Parallel()
	}
	for _, c := range dlqCases() {
		if !c.full {
			continue
		}
		var doc any
		if err := json.Unmarshal(readGolden(t, c.name+".entry.json"), &doc); err != nil {
			t.Fatal(err)
		}
		if missing := unsetFields(reflect.TypeFor[dlq.Entry](), doc, "entry"); len(missing) > 0 {
			t.Errorf("%s: fields not set in the full golden (set them in dlqCases and run -update):\n  %s",
				c.name, strings.Join(missing, "\n  "))
		}
		var m wireMessage
		if err := json.Unmarshal(readGolden(t, c.name+".message.json"), &m); err != nil {
			t.Fatal(err)
		}
		for _, h := range []string{dlq.HeaderReason, dlq.HeaderStage, dlq.HeaderClass, dlq.HeaderSubject, dlq.HeaderStreamSeq,
			dlq.HeaderDeliveries, dlq.HeaderReplays, dlq.HeaderReplayedBy} {
			if len(m.Header[h]) == 0 {
				t.Errorf("%s: header %s missing from the full golden", c.name, h)
			}
		}
	}
}

// No golden file is left over from a renamed or removed case.
func TestGoldenDLQComplete(t *testing.T) {
	if *update {
		return
	}
	t.Parallel()
	var names []string
	for _, c := range dlqCases() {
		names = append(names, c.name+".message.json")
		if c.entry {
			names = append(names, c.name+".entry.json")
		}
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
	for _, name := range names {
		if !slices.ContainsFunc(files, func(f os.DirEntry) bool { return f.Name() == name }) {
			t.Errorf("%s/%s is missing (run: go test ./internal/dlq -run Golden -update)", goldenDir, name)
		}
	}
}
