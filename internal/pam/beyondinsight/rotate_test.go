package beyondinsight_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam/beyondinsight"
	"github.com/quell-dev/quell/internal/pam/beyondinsight/sim"
	"github.com/quell-dev/quell/internal/pam/simkit"
)

func rotate(ref actions.UserRef) actions.Action { return action(actions.RotateClientSecret, ref) }

// TestRotateClientSecret covers both documented answer shapes: the secret
// as a JSON string, and the user object carrying it.
func TestRotateClientSecret(t *testing.T) {
	for _, asUser := range []bool{false, true} {
		t.Run(fmt.Sprintf("as user object %v", asUser), func(t *testing.T) {
			e := newEnv(t, func(o *sim.Options, _ *beyondinsight.Config) { o.ClientSecretAsUser = asUser })
			first := rotateOnce(t, e)
			second := rotateOnce(t, e)
			if first.Secret.Equal(second.Secret) || first.Details[actions.DetailSecretFingerprint] == second.Details[actions.DetailSecretFingerprint] {
				t.Error("two rotations gave the same secret")
			}
			if e.sim.CheckClientSecret(57, first.Secret.Reveal()) || !e.sim.CheckClientSecret(57, second.Secret.Reveal()) {
				t.Error("the simulator does not hold the latest secret only")
			}
			if n := e.writes(); n != 2 {
				t.Errorf("%d writes, want 2", n)
			}
		})
	}
}

// rotateOnce rotates svc-pam-worker's secret and checks the outcome and
// that the plaintext appears nowhere but in Outcome.Secret.
func rotateOnce(t *testing.T, e *env) actions.Outcome {
	t.Helper()
	out, err := e.client.Execute(context.Background(), rotate(actions.UserRef{Username: "svc-pam-worker"}))
	if err != nil {
		t.Fatal(err)
	}
	plain := out.Secret.Reveal()
	if n := len(plain); n < sim.MinClientSecretLen || n > sim.MaxClientSecretLen {
		t.Fatalf("secret of %d characters", n)
	}
	want := actions.Call{Method: "POST", Path: "Users/57/RecycleClientSecret", Status: 200}
	if out.Status != actions.StatusCompleted || out.Reason != "client secret rotated" || out.TargetUserID != "57" ||
		len(out.Calls) != 1 || jsonOf(t, out.Calls[0]) != jsonOf(t, want) {
		t.Errorf("outcome %+v", out)
	}
	fp := out.Details[actions.DetailSecretFingerprint]
	if fp == "" || fp != out.Secret.Fingerprint() || fp != e.sim.ClientSecretFingerprint(57) {
		t.Errorf("fingerprint %q, secret's %q, simulator's %q", fp, out.Secret.Fingerprint(), e.sim.ClientSecretFingerprint(57))
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("done", "outcome", out)
	reqLog, _ := json.Marshal(e.sim.Requests())
	for where, text := range map[string]string{
		"outcome JSON": jsonOf(t, out), "outcome %+v": fmt.Sprintf("%+v", out), "log": logged.String(), "request log": string(reqLog),
	} {
		if strings.Contains(text, plain) {
			t.Errorf("%s contains the secret", where)
		}
	}
	return out
}

func TestRotateClientSecretRefusals(t *testing.T) {
	cases := []struct {
		name       string
		ref        actions.UserRef
		params     map[string]any
		fault      *simkit.Fault
		want       failure
		noRequests bool
		attempts   int // POSTs sent
	}{
		{name: "local user", ref: actions.UserRef{Username: "jdoe"},
			want: failure{permanent: true, contains: "only application users have a client secret (jdoe is of type BeyondInsight)"}},
		{name: "directory user", ref: actions.UserRef{Domain: "CORP", Username: "bwayne"},
			want: failure{permanent: true, contains: `only application users have a client secret (CORP\bwayne is of type ActiveDirectory)`}},
		{name: "user not found", ref: actions.UserRef{TargetID: "999"},
			want: failure{permanent: true, notFound: true, status: 404, contains: "no BeyondInsight user with id 999"}},
		{name: "a parameter", ref: actions.UserRef{Username: "svc-pam-worker"}, params: map[string]any{"length": 64},
			noRequests: true, want: failure{permanent: true, contains: "rotate_client_secret takes no parameters (got length)"}},
		{name: "503", ref: actions.UserRef{Username: "svc-pam-worker"}, fault: &simkit.Fault{Status: 503, Times: 1},
			attempts: 1, want: failure{status: 503, contains: "rotate client secret of user 57: POST "}},
		{name: "400", ref: actions.UserRef{Username: "svc-pam-worker"}, fault: &simkit.Fault{Status: 400, Body: "PathFinder condition failed", Times: 1},
			attempts: 1, want: failure{permanent: true, status: 400, contains: "PathFinder condition failed"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			if tc.fault != nil {
				e.sim.Inject("POST Users/{id}/RecycleClientSecret", *tc.fault)
			}
			out, err := e.client.Execute(context.Background(), withParams(actions.RotateClientSecret, tc.ref, tc.params))
			tc.want.check(t, err)
			if !out.Secret.IsZero() {
				t.Error("a failed rotation returned a secret")
			}
			if tc.noRequests && len(e.sim.Requests()) != 0 {
				t.Errorf("%d requests sent", len(e.sim.Requests()))
			}
			if n := e.writes(); n != tc.attempts {
				t.Errorf("%d writes, want %d", n, tc.attempts)
			}
			if fp := e.sim.ClientSecretFingerprint(57); fp != "" {
				t.Errorf("the simulator issued a secret (%s)", fp)
			}
		})
	}
}

// TestRotateClientSecretAnswerShapes feeds the client answers through a
// 200 fault: the readable shapes give the secret, the others a permanent
// error that says the secret was recycled and never quotes the answer.
func TestRotateClientSecretAnswerShapes(t *testing.T) {
	const value = "Zq7pX2vN9sK4mW8rT1yB6cH3jL5dF0gAeUoI"
	cases := []struct {
		name, body string
		ok         bool
	}{
		{"JSON string", `"` + value + `"`, true},
		{"user object", `{"UserID":57,"ClientSecret":"` + value + `","UserType":"Application"}`, true},
		{"one-element array", `[{"ClientSecret":"` + value + `"}]`, true},
		{"object without secret", `{"UserID":57,"ClientSecret":null,"Marker":"` + value + `"}`, false},
		{"empty string", `""`, false},
		{"bare text", value, false},
		{"cut-off string", `"` + value, false},
		{"two objects", `[{"ClientSecret":"` + value + `"},{"ClientSecret":"x"}]`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.sim.Inject("POST Users/{id}/RecycleClientSecret", simkit.Fault{Status: 200, Body: tc.body, Times: 1})
			out, err := e.client.Execute(context.Background(), rotate(actions.UserRef{Username: "svc-pam-worker"}))
			if tc.ok {
				if err != nil || out.Secret.Reveal() != value {
					t.Fatalf("got %v; secret read %v", err, out.Secret.Reveal() == value)
				}
				return
			}
			failure{permanent: true, contains: "the secret was recycled (the previous one no longer works) but the answer"}.check(t, err)
			if strings.Contains(err.Error(), value) || strings.Contains(err.Error(), "Marker") {
				t.Errorf("the error quotes the answer: %v", err)
			}
		})
	}
}

// TestRotateClientSecretLostAnswer cuts the answer off mid-secret: the
// secret was recycled, but the error is transient (a retry recycles it
// again and reads it) and holds no part of it.
func TestRotateClientSecretLostAnswer(t *testing.T) {
	var issued atomic.Value // the secret the cut-off answer carried; set once
	issued.Store("")
	e := newWrappedEnv(t, nil, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasSuffix(r.URL.Path, "RecycleClientSecret") || issued.Load() != "" {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			issued.Store(strings.Trim(strings.TrimSpace(rec.Body.String()), `"`))
			w.Header().Set("Content-Length", strconv.Itoa(rec.Body.Len()))
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(rec.Body.Bytes()[:20])
			conn, _, _ := http.NewResponseController(w).Hijack()
			_ = conn.Close()
		})
	})
	ctx := context.Background()
	_, err := e.client.Execute(ctx, rotate(actions.UserRef{Username: "svc-pam-worker"}))
	failure{contains: "the secret was recycled but its answer was lost"}.check(t, err)
	if sent := issued.Load().(string); sent == "" || strings.Contains(err.Error(), sent[:19]) {
		t.Errorf("error %q quotes the secret", err)
	}
	out, err := e.client.Execute(ctx, rotate(actions.UserRef{Username: "svc-pam-worker"}))
	if err != nil || out.Secret.Fingerprint() != e.sim.ClientSecretFingerprint(57) {
		t.Fatalf("retry: %+v, %v", out, err)
	}
}

func TestRotateClientSecretDryRun(t *testing.T) {
	e := newEnv(t, nil)
	e.dryRun(t, rotate(actions.UserRef{Username: "svc-pam-worker"}), []actions.Call{
		{Method: "GET", Path: "Users?includeInactive=true&username=svc-pam-worker"}, {Method: "POST", Path: "Users/{id}/RecycleClientSecret"}})
	e.dryRun(t, rotate(actions.UserRef{TargetID: "57"}), []actions.Call{
		{Method: "GET", Path: "Users/57"}, {Method: "POST", Path: "Users/57/RecycleClientSecret"}})
}
