package pamtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
	"github.com/quell-dev/quell/internal/pam/simkit"
)

// Client is a target client under test: every client in internal/pam is
// an [actions.Target] that also closes.
type Client interface {
	actions.Target
	Close(ctx context.Context) error
}

// Fixture is one simulator with a client built against it, as
// [Harness.Start] returns them.
type Fixture struct {
	Client Client
	// Sim is the simulator's Kit (every simulator embeds one): faults,
	// the request log and counts.
	Sim *simkit.Kit
	// IsQuarantined reads the simulator's state: whether the user with
	// that target id is quarantined (in the vendor's sense: quarantined,
	// disabled, without global access).
	IsQuarantined func(id string) bool
}

// User is a seeded user: the username it resolves by and the target's
// own id for it (Outcome.TargetUserID, UserRef.TargetID).
type User struct {
	Username string
	ID       string
}

// Harness is what one vendor's client+simulator pair gives [RunContract].
type Harness struct {
	// Start starts a fresh simulator on a loopback httptest server, seeded
	// with Existing and Quarantined, and builds a client against it with
	// a RetryAfterCeiling of at least 7s. With wrongCredentials the client
	// gets credentials the simulator refuses. Start sends no request.
	Start func(t *testing.T, wrongCredentials bool) Fixture
	// Supports is the package-level Supports; Supported lists every kind
	// of [actions.Kinds] the vendor implements.
	Supports  func(actions.Kind) bool
	Supported []actions.Kind

	// Existing is a user that exists and is not quarantined; Quarantined
	// one that already is; Missing a username no user has.
	Existing    User
	Quarantined User
	Missing     string
	// AlreadyQuarantined is the Outcome.Reason of a quarantine skipped
	// because the user already is quarantined.
	AlreadyQuarantined string

	// QuarantineWrite is the simkit route pattern of the one write a
	// quarantine sends ("POST Users/{id}/Quarantine"); QuarantineRead the
	// pattern of the read that resolves the user before it.
	QuarantineWrite string
	QuarantineRead  string

	// Secrets are the credentials that must never surface: the keys and
	// passwords of both clients Start builds, and any fixed part of a
	// session token.
	Secrets []string
}

// namedRef is a user reference with a subtest name.
type namedRef struct {
	name string
	ref  actions.UserRef
}

// missingID is a target id no seeded user has.
const missingID = "99999"

// unknownKind is an action no target implements.
const unknownKind = actions.Kind("disable_mfa")

// RunContract runs the cases every client+simulator pair must pass, each
// as a subtest on a fresh simulator:
//   - users resolve by username and by target id; no match is a permanent
//     [actions.ErrUserNotFound], with no write;
//   - quarantine completes with exactly one write and changes the state;
//     an already quarantined user, or a second quarantine, is skipped
//     with no write (read before write);
//   - faults on the write: 503 is transient, 429 with Retry-After: 7 is
//     transient with a 7s delay, 404 and 400 are permanent, a dropped
//     connection is transient; none changes the state, and the client
//     never retries by itself; after a transient failure the action
//     completes when repeated;
//   - faults on the read: 503 is transient, a deadline is transient and
//     reported as the context's; no write follows either;
//   - a dry run sends nothing and reports the calls, skipped;
//   - an unsupported or unknown action, an action without a user, and (if
//     update_attributes is supported) an unknown attribute are refused as
//     permanent before any request, in a dry run too;
//   - credentials never appear in errors, in the formatted client (%v,
//     %+v, %#v), in dry-run calls or in the simulator's request log.
func RunContract(t *testing.T, h Harness) {
	t.Run("Supports", func(t *testing.T) { contractSupports(t, h) })
	t.Run("ResolveByUsername", func(t *testing.T) {
		contractResolves(t, h, actions.UserRef{Username: h.Existing.Username})
	})
	t.Run("ResolveByTargetID", func(t *testing.T) {
		contractResolves(t, h, actions.UserRef{TargetID: h.Existing.ID})
	})
	t.Run("UserNotFound", func(t *testing.T) { contractNotFound(t, h) })
	t.Run("QuarantineWritesOnce", func(t *testing.T) { contractQuarantineWritesOnce(t, h) })
	t.Run("AlreadyQuarantinedIsSkipped", func(t *testing.T) { contractAlreadyQuarantined(t, h) })
	t.Run("SecondQuarantineIsSkipped", func(t *testing.T) { contractSecondQuarantine(t, h) })
	t.Run("WriteFaults", func(t *testing.T) { contractWriteFaults(t, h) })
	t.Run("TransientFailureThenSuccess", func(t *testing.T) { contractTransientThenSuccess(t, h) })
	t.Run("ReadFaults", func(t *testing.T) { contractReadFaults(t, h) })
	t.Run("DryRun", func(t *testing.T) { contractDryRun(t, h) })
	t.Run("RefusedBeforeAnyRequest", func(t *testing.T) { contractRefusals(t, h) })
	t.Run("UnknownAttribute", func(t *testing.T) { contractUnknownAttribute(t, h) })
	t.Run("CredentialsNeverLeak", func(t *testing.T) { contractCredentials(t, h) })
}

// quarantine is a quarantine action for ref on the fixture's target.
func (f Fixture) quarantine(ref actions.UserRef) actions.Action {
	return Action(f.Client.Name(), actions.Quarantine, ref, nil)
}

// execute runs a with a fresh context.
func (f Fixture) execute(a actions.Action) (actions.Outcome, error) {
	return f.Client.Execute(context.Background(), a)
}

// writeMethod is the method of the quarantine write ("POST").
func (h Harness) writeMethod() string {
	method, _, _ := strings.Cut(h.QuarantineWrite, " ")
	return method
}

// expectNoRequests fails t when the simulator received anything.
func (f Fixture) expectNoRequests(t *testing.T) {
	t.Helper()
	if n := len(f.Sim.Requests()); n != 0 {
		t.Errorf("%d requests sent; want the refusal before any", n)
	}
}

func contractSupports(t *testing.T, h Harness) {
	f := h.Start(t, false)
	for _, k := range append(slices.Clone(actions.Kinds), unknownKind) {
		want := slices.Contains(h.Supported, k)
		if h.Supports(k) != want || f.Client.Supports(k) != want {
			t.Errorf("Supports(%s) = %v, client.Supports = %v; want %v", k, h.Supports(k), f.Client.Supports(k), want)
		}
	}
}

func contractResolves(t *testing.T, h Harness, ref actions.UserRef) {
	f := h.Start(t, false)
	out, err := f.execute(f.quarantine(ref))
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != actions.StatusCompleted || out.TargetUserID != h.Existing.ID {
		t.Errorf("outcome %+v; want completed for user %s", out, h.Existing.ID)
	}
}

func contractNotFound(t *testing.T, h Harness) {
	for _, tc := range []namedRef{
		{"by username", actions.UserRef{Username: h.Missing}},
		{"by target id", actions.UserRef{TargetID: missingID}},
	} {
		ref := tc.ref
		t.Run(tc.name, func(t *testing.T) {
			f := h.Start(t, false)
			_, err := f.execute(f.quarantine(ref))
			if !errors.Is(err, actions.ErrUserNotFound) || !actions.IsPermanent(err) {
				t.Fatalf("got %v; want permanent ErrUserNotFound", err)
			}
			if n := f.Sim.Count(h.QuarantineWrite); n != 0 {
				t.Errorf("%d writes after a failed lookup", n)
			}
		})
	}
}

func contractQuarantineWritesOnce(t *testing.T, h Harness) {
	f := h.Start(t, false)
	if f.IsQuarantined(h.Existing.ID) {
		t.Fatalf("user %s is quarantined before the action", h.Existing.ID)
	}
	out, err := f.execute(f.quarantine(actions.UserRef{Username: h.Existing.Username}))
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != actions.StatusCompleted || out.TargetUserID != h.Existing.ID || len(out.Calls) != 1 {
		t.Fatalf("outcome %+v; want completed for %s with one call", out, h.Existing.ID)
	}
	if c := out.Calls[0]; c.Method != h.writeMethod() || c.Status < 200 || c.Status > 299 || !strings.Contains(c.Path, h.Existing.ID) {
		t.Errorf("call %+v; want a 2xx %s naming user %s", c, h.writeMethod(), h.Existing.ID)
	}
	if n := f.Sim.Count(h.QuarantineWrite); n != 1 {
		t.Errorf("%d writes, want exactly 1", n)
	}
	if !f.IsQuarantined(h.Existing.ID) {
		t.Error("simulator state unchanged")
	}
}

func contractAlreadyQuarantined(t *testing.T, h Harness) {
	for _, tc := range []namedRef{
		{"by username", actions.UserRef{Username: h.Quarantined.Username}},
		{"by target id", actions.UserRef{TargetID: h.Quarantined.ID}},
	} {
		ref := tc.ref
		t.Run(tc.name, func(t *testing.T) {
			f := h.Start(t, false)
			out, err := f.execute(f.quarantine(ref))
			if err != nil {
				t.Fatal(err)
			}
			if out.Status != actions.StatusSkipped || out.Reason != h.AlreadyQuarantined || out.TargetUserID != h.Quarantined.ID || len(out.Calls) != 0 {
				t.Errorf("outcome %+v; want skipped %q for %s, no calls", out, h.AlreadyQuarantined, h.Quarantined.ID)
			}
			if n := f.Sim.Count(h.QuarantineWrite); n != 0 {
				t.Errorf("%d writes, want none", n)
			}
			if !f.IsQuarantined(h.Quarantined.ID) {
				t.Error("the user is no longer quarantined")
			}
		})
	}
}

func contractSecondQuarantine(t *testing.T, h Harness) {
	f := h.Start(t, false)
	ref := actions.UserRef{Username: h.Existing.Username}
	if _, err := f.execute(f.quarantine(ref)); err != nil {
		t.Fatal(err)
	}
	out, err := f.execute(f.quarantine(ref))
	if err != nil || out.Status != actions.StatusSkipped || out.Reason != h.AlreadyQuarantined || len(out.Calls) != 0 {
		t.Fatalf("repeat: %+v, %v; want skipped %q with no calls", out, err, h.AlreadyQuarantined)
	}
	if n := f.Sim.Count(h.QuarantineWrite); n != 1 {
		t.Errorf("%d writes after the repeat, want 1", n)
	}
}

// wantFailure is what a fault case expects of the error.
type wantFailure struct {
	permanent  bool
	retryAfter time.Duration
	status     int  // of a *pam.StatusError; 0 for none
	transport  bool // a *pam.TransportError: no answer at all
}

// check fails t unless err matches w.
func (w wantFailure) check(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("want an error, got none")
	}
	class, after := actions.Classify(err)
	if (class == actions.ClassPermanent) != w.permanent || after != w.retryAfter {
		t.Errorf("got %v after %v, want permanent=%v after %v: %v", class, after, w.permanent, w.retryAfter, err)
	}
	var se *pam.StatusError
	if w.status != 0 && (!errors.As(err, &se) || se.StatusCode != w.status) {
		t.Errorf("want *pam.StatusError %d, got %v", w.status, err)
	}
	var te *pam.TransportError
	if w.transport && !errors.As(err, &te) {
		t.Errorf("want *pam.TransportError, got %v", err)
	}
}

func contractWriteFaults(t *testing.T, h Harness) {
	cases := []struct {
		name  string
		fault simkit.Fault
		want  wantFailure
	}{
		{"503", simkit.Fault{Status: 503}, wantFailure{status: 503}},
		{"429 retry-after 7", simkit.Fault{Status: 429, RetryAfter: "7"}, wantFailure{retryAfter: 7 * time.Second, status: 429}},
		{"404", simkit.Fault{Status: 404}, wantFailure{permanent: true, status: 404}},
		{"400", simkit.Fault{Status: 400}, wantFailure{permanent: true, status: 400}},
		{"dropped connection", simkit.Fault{Drop: true}, wantFailure{transport: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := h.Start(t, false)
			fault := tc.fault
			fault.Times = 1
			f.Sim.Inject(h.QuarantineWrite, fault)
			_, err := f.execute(f.quarantine(actions.UserRef{Username: h.Existing.Username}))
			tc.want.check(t, err)
			if n := f.Sim.Count(h.QuarantineWrite); n != 1 {
				t.Errorf("%d writes: the client must not retry by itself", n)
			}
			if f.IsQuarantined(h.Existing.ID) {
				t.Error("state changed despite the fault")
			}
		})
	}
}

func contractTransientThenSuccess(t *testing.T, h Harness) {
	f := h.Start(t, false)
	f.Sim.Inject(h.QuarantineWrite, simkit.Fault{Status: 503, Times: 1})
	a := f.quarantine(actions.UserRef{Username: h.Existing.Username})
	if _, err := f.execute(a); err == nil || actions.IsPermanent(err) {
		t.Fatalf("first attempt: %v, want transient", err)
	}
	out, err := f.execute(a)
	if err != nil || out.Status != actions.StatusCompleted || !f.IsQuarantined(h.Existing.ID) {
		t.Fatalf("second attempt: %+v, %v; want completed", out, err)
	}
	if n := f.Sim.Count(h.QuarantineWrite); n != 2 {
		t.Errorf("%d writes, want 2 (one per attempt)", n)
	}
}

func contractReadFaults(t *testing.T, h Harness) {
	t.Run("503", func(t *testing.T) {
		f := h.Start(t, false)
		f.Sim.Inject(h.QuarantineRead, simkit.Fault{Status: 503, Times: 1})
		_, err := f.execute(f.quarantine(actions.UserRef{Username: h.Existing.Username}))
		wantFailure{status: 503}.check(t, err)
		if n := f.Sim.Count(h.QuarantineWrite); n != 0 || f.IsQuarantined(h.Existing.ID) {
			t.Errorf("%d writes after a failed read; want none and no change", n)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		f := h.Start(t, false)
		f.Sim.Inject(h.QuarantineRead, simkit.Fault{Latency: 2 * time.Second, Times: 1})
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := f.Client.Execute(ctx, f.quarantine(actions.UserRef{Username: h.Existing.Username}))
		if !errors.Is(err, context.DeadlineExceeded) || actions.IsPermanent(err) {
			t.Fatalf("got %v, want transient deadline exceeded", err)
		}
		if n := f.Sim.Count(h.QuarantineWrite); n != 0 {
			t.Errorf("%d writes after a failed read", n)
		}
	})
}

func contractDryRun(t *testing.T, h Harness) {
	for _, tc := range []namedRef{
		{"by username", actions.UserRef{Username: h.Existing.Username}},
		{"by target id", actions.UserRef{TargetID: h.Existing.ID}},
	} {
		ref := tc.ref
		t.Run(tc.name, func(t *testing.T) {
			f := h.Start(t, false)
			a := f.quarantine(ref)
			a.DryRun = true
			out, err := f.execute(a)
			if err != nil {
				t.Fatal(err)
			}
			if out.Status != actions.StatusSkipped || out.Reason != "dry run" || len(out.Calls) == 0 {
				t.Fatalf("outcome %+v; want skipped as a dry run, listing the calls", out)
			}
			for i, c := range out.Calls {
				if c.Status != 0 || c.Method == "" || c.Path == "" {
					t.Errorf("call %d = %+v; want a method and path, and no status (not sent)", i, c)
				}
			}
			last := out.Calls[len(out.Calls)-1]
			if last.Method != h.writeMethod() || (ref.TargetID != "" && !strings.Contains(last.Path, ref.TargetID)) {
				t.Errorf("last call %+v; want the %s write (naming the target id when known)", last, h.writeMethod())
			}
			f.expectNoRequests(t)
			if f.IsQuarantined(h.Existing.ID) {
				t.Error("a dry run changed the state")
			}
		})
	}
}

func contractRefusals(t *testing.T, h Harness) {
	f := h.Start(t, false)
	ref := actions.UserRef{Username: h.Existing.Username}
	for _, k := range append(slices.Clone(actions.Kinds), unknownKind) {
		if slices.Contains(h.Supported, k) {
			continue
		}
		for _, dry := range []bool{false, true} {
			a := Action(f.Client.Name(), k, ref, nil)
			a.DryRun = dry
			_, err := f.execute(a)
			if !errors.Is(err, actions.ErrUnsupported) || !actions.IsPermanent(err) {
				t.Errorf("%s (dry run %v): got %v, want permanent ErrUnsupported", k, dry, err)
			}
		}
	}
	for _, dry := range []bool{false, true} {
		a := f.quarantine(actions.UserRef{})
		a.DryRun = dry
		if _, err := f.execute(a); err == nil || !actions.IsPermanent(err) {
			t.Errorf("no user identifier (dry run %v): got %v, want permanent", dry, err)
		}
	}
	f.expectNoRequests(t)
}

func contractUnknownAttribute(t *testing.T, h Harness) {
	if !h.Supports(actions.UpdateAttributes) {
		t.Skip("update_attributes is not supported")
	}
	f := h.Start(t, false)
	for _, dry := range []bool{false, true} {
		a := Action(f.Client.Name(), actions.UpdateAttributes, actions.UserRef{Username: h.Existing.Username}, map[string]any{"department": "IT"})
		a.DryRun = dry
		_, err := f.execute(a)
		if err == nil || !actions.IsPermanent(err) || !strings.Contains(err.Error(), "cannot set department") {
			t.Errorf("dry run %v: got %v, want permanent \"cannot set department\"", dry, err)
		}
	}
	f.expectNoRequests(t)
}

// contractCredentials makes the client fail in the ways that could quote
// a credential (refused credentials, error answers) and succeed once, then
// looks for the credentials everywhere the outcome can surface.
func contractCredentials(t *testing.T, h Harness) {
	refused := h.Start(t, true)
	_, refusedErr := refused.execute(refused.quarantine(actions.UserRef{Username: h.Existing.Username}))
	if refusedErr == nil || !actions.IsPermanent(refusedErr) {
		t.Fatalf("refused credentials: got %v, want a permanent error", refusedErr)
	}

	good := h.Start(t, false)
	errs := []error{refusedErr}
	for _, status := range []int{503, 400} {
		good.Sim.Inject(h.QuarantineWrite, simkit.Fault{Status: status, Times: 1})
		_, err := good.execute(good.quarantine(actions.UserRef{Username: h.Existing.Username}))
		if err == nil {
			t.Fatalf("%d on the write: no error", status)
		}
		errs = append(errs, err)
	}
	if _, err := good.execute(good.quarantine(actions.UserRef{Username: h.Existing.Username})); err != nil {
		t.Fatal(err)
	}
	dry := good.quarantine(actions.UserRef{Username: h.Existing.Username})
	dry.DryRun = true
	planned, err := good.execute(dry)
	if err != nil {
		t.Fatal(err)
	}
	requestLog, err := json.Marshal(append(refused.Sim.Requests(), good.Sim.Requests()...))
	if err != nil {
		t.Fatal(err)
	}
	places := map[string]string{
		"request log":   string(requestLog),
		"dry-run calls": fmt.Sprintf("%+v", planned),
	}
	for i, err := range errs {
		places[fmt.Sprintf("error %d", i)] = fmt.Sprintf("%s | %v | %+v | %#v", err.Error(), err, err, err)
	}
	for name, c := range map[string]Client{"refused client": refused.Client, "client": good.Client} {
		places[name] = fmt.Sprintf("%v | %+v | %#v | %s", c, c, c, c)
	}
	NoSecrets(t, places, h.Secrets...)
}
