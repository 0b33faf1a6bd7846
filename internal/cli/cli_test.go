package cli_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/quell-dev/quell/internal/cli"
	"github.com/quell-dev/quell/internal/pam/simkit"
	"github.com/quell-dev/quell/internal/quelltest"
	"github.com/quell-dev/quell/internal/secret"
)

func run(t *testing.T, cfg string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := cli.NewRoot(&out, &errOut)
	root.SetArgs(append([]string{"--config", cfg}, args...))
	err := root.Execute()
	return out.String(), err
}

func TestActionListAndShow(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{})
	out, err := run(t, p.ConfigFile, "action", "quarantine", "--target", "bi", "--user", "asmith",
		"--reason", "INC-1 stolen credentials", "--wait", "--json")
	if err != nil {
		t.Fatalf("action: %v\n%s", err, out)
	}
	var res struct {
		Status string
		Action struct {
			ID          string `json:"id"`
			RequestedBy string `json:"requested_by"`
		}
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Status != "completed" || !strings.HasPrefix(res.Action.RequestedBy, "quellctl:") {
		t.Fatalf("action output %q (%v)", out, err)
	}
	if u, _ := p.BI.User(13); !u.IsQuarantined {
		t.Fatal("not quarantined")
	}

	out, err = run(t, p.ConfigFile, "actions", "list")
	if err != nil || !strings.Contains(out, res.Action.ID) || !strings.Contains(out, "completed") || !strings.Contains(out, "asmith") {
		t.Fatalf("list: %v\n%s", err, out)
	}
	out, err = run(t, p.ConfigFile, "actions", "list", "--status", "failed")
	if err != nil || strings.Contains(out, res.Action.ID) {
		t.Fatalf("filtered list: %v\n%s", err, out)
	}
	out, err = run(t, p.ConfigFile, "actions", "show", res.Action.ID)
	if err != nil || !strings.Contains(out, "Ledger    done") || !strings.Contains(out, "INC-1 stolen credentials") || !strings.Contains(out, "POST Users/13/Quarantine") {
		t.Fatalf("show: %v\n%s", err, out)
	}
}

func TestClearErrors(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{NoWorker: true})
	dead := filepath.Join(t.TempDir(), "dead.yaml")
	if err := os.WriteFile(dead, []byte("nats: {url: \"nats://127.0.0.1:1\"}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		cfg  string
		args []string
		want string
	}{
		{"unknown id", p.ConfigFile, []string{"actions", "show", "act_nope"}, "no action act_nope"},
		{"nats unreachable", dead, []string{"actions", "list"}, "connect to NATS at nats://127.0.0.1:1"},
		{"unknown target", p.ConfigFile, []string{"action", "quarantine", "--target", "nope", "--user", "a", "--reason", "r"}, `no such target: "nope"`},
		{"unsupported", p.ConfigFile, []string{"action", "rotate_client_secret", "--target", "tf", "--user", "a", "--reason", "r"}, "tf (threadfix) cannot rotate_client_secret"},
		{"no recipient", p.ConfigFile, []string{"action", "rotate_client_secret", "--target", "bi", "--user", "a", "--reason", "r"}, "no secret_recipients"},
		{"missing reason", p.ConfigFile, []string{"action", "quarantine", "--target", "bi", "--user", "a"}, `"reason" not set`},
	}
	for _, c := range cases {
		_, err := run(t, c.cfg, append(c.args, "--timeout", "2s")...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
}

func TestWebhookSendSignsForTheSource(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{})
	file := filepath.Join(t.TempDir(), "alert.json")
	if err := os.WriteFile(file, []byte(`{"user":"jdoe","severity":90}`), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, p.ConfigFile, "webhook", "send", "demo", file)
	if err != nil || !strings.Contains(out, "202") {
		t.Fatalf("send: %v %s", err, out)
	}
	res := p.WaitResults(t, 1, 15*time.Second)
	if res[0].Action.User.Username != "jdoe" || res[0].Status != "completed" {
		t.Fatalf("result %+v", res[0])
	}
}

func TestStatus(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{})
	p.PostAlert(t, `{"user":"asmith","severity":90}`, "")
	p.WaitResults(t, 1, 15*time.Second)
	out, err := run(t, p.ConfigFile, "status")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"QUELL_EVENTS", "QUELL_DLQ", "executor", "planner", "bi      closed", "quarantine on bi", "PARKED for approval: 0"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	out, err = run(t, p.ConfigFile, "status", "--json")
	var st cli.Status
	if err != nil || json.Unmarshal([]byte(out), &st) != nil || len(st.Streams) != 4 || st.Streams[0].Messages != 1 {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
}

// The runbook story: an action fails for good (404), the operator finds it
// in the DLQ, fixes the target, and replays it; a message that keeps
// failing is stopped by the loop guard.
func TestDLQReplay(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{})
	p.BI.Inject("POST Users/{id}/Quarantine", simkit.Fault{Status: 404, Body: "User not found"})
	p.PostAlert(t, `{"user":"asmith","severity":90}`, "")
	p.WaitResults(t, 1, 15*time.Second)
	var out string
	quelltest.Eventually(t, 10*time.Second, "DLQ entry", func() bool {
		out, _ = run(t, p.ConfigFile, "dlq", "list")
		return strings.Contains(out, "quarantine asmith on bi")
	})
	if !strings.Contains(out, "user not found") {
		t.Fatalf("dlq list:\n%s", out)
	}
	if out, err := run(t, p.ConfigFile, "dlq", "show", "1"); err != nil || !strings.Contains(out, "404") || !strings.Contains(out, `"type":"dev.quell.action.requested.v1"`) {
		t.Fatalf("dlq show: %v\n%s", err, out)
	}
	if out, err := run(t, p.ConfigFile, "dlq", "replay", "--all", "--dry-run"); err != nil || !strings.Contains(out, "1 would replay") {
		t.Fatalf("dry run: %v %s", err, out)
	}
	// Still failing: replay once more than allowed and the loop guard stops it.
	if out, err := run(t, p.ConfigFile, "dlq", "replay", "--all", "--max-replays", "1"); err != nil || !strings.Contains(out, "1 replayed") {
		t.Fatalf("first replay: %v %s", err, out)
	}
	p.WaitResults(t, 2, 15*time.Second)
	quelltest.Eventually(t, 10*time.Second, "failed again into the DLQ", func() bool {
		out, _ = run(t, p.ConfigFile, "dlq", "list", "--json")
		return strings.Contains(out, `"replays": 1`)
	})
	if out, err := run(t, p.ConfigFile, "dlq", "replay", "--all", "--max-replays", "1"); err != nil || !strings.Contains(out, "1 sent back by the loop guard") {
		t.Fatalf("loop guard: %v %s", err, out)
	}
	// The operator fixes the target and replays for real.
	p.BI.ClearFaults()
	out, _ = run(t, p.ConfigFile, "dlq", "list")
	if !strings.Contains(out, "replayed 1 times") {
		t.Fatalf("loop-guard reason missing:\n%s", out)
	}
	if out, err := run(t, p.ConfigFile, "dlq", "replay", "--all", "--max-replays", "5"); err != nil || !strings.Contains(out, "1 replayed") {
		t.Fatalf("replay after fix: %v %s", err, out)
	}
	res := p.WaitResults(t, 3, 15*time.Second)
	if res[2].Status != "completed" {
		t.Fatalf("after the fix: %+v", res[2])
	}
	if out, _ := run(t, p.ConfigFile, "dlq", "list"); !strings.Contains(out, "the DLQ is empty") {
		t.Fatalf("DLQ not empty after a successful replay:\n%s", out)
	}
}

func TestPolicyTestAndReplay(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{})
	dir := t.TempDir()
	payload := filepath.Join(dir, "alert.json")
	if err := os.WriteFile(payload, []byte(`[{"user":"jdoe","severity":90},{"user":"asmith","severity":10}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, p.ConfigFile, "policy", "test", "--payload", payload, "--source", "demo")
	if err != nil || strings.Count(out, "MATCHED") != 1 || strings.Count(out, "no match") != 1 || !strings.Contains(out, "quarantine jdoe on bi") {
		t.Fatalf("policy test: %v\n%s", err, out)
	}
	ce := filepath.Join(dir, "ce.json")
	if err := os.WriteFile(ce, []byte(`{"specversion":"1.0","id":"x1","source":"/siem","type":"dev.quell.alert.v1","datacontenttype":"application/json","data":{"severity":99,"user":{"username":"mroe"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := run(t, p.ConfigFile, "policy", "test", "--event", ce); err != nil || !strings.Contains(out, "quarantine mroe on bi") {
		t.Fatalf("policy test --event: %v\n%s", err, out)
	}
	if p.BI.Count("POST Users/{id}/Quarantine") != 0 || len(quelltest.StreamMsgs(t, p.NATS.JS, "QUELL_EVENTS", "")) != 0 {
		t.Fatal("policy test acted or published")
	}

	// Two stored events: one was acted on, one was not (it arrived while
	// the rule did not match); the replay tells them apart and sends nothing.
	p.PostAlert(t, `{"user":"jdoe","severity":90}`, "")
	p.WaitResults(t, 1, 15*time.Second)
	p.StopWorker()
	p.PostAlert(t, `{"user":"asmith","severity":95}`, "")
	out, err = run(t, p.ConfigFile, "policy", "replay", "--since", "1h")
	if err != nil || !strings.Contains(out, "already done") || !strings.Contains(out, "would request (new)") ||
		!strings.Contains(out, "2 event(s), 2 action(s) planned, 1 new") {
		t.Fatalf("policy replay: %v\n%s", err, out)
	}
	if n := p.BI.Count("POST Users/{id}/Quarantine"); n != 1 {
		t.Fatalf("replay acted: %d quarantine calls", n)
	}
}

func TestSecretGet(t *testing.T) {
	t.Parallel()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{
		TargetExtra: `secret_recipients: [{users: "svc-*", recipient: "` + id.Recipient().String() + `"}]`})
	idFile := filepath.Join(t.TempDir(), "age.key")
	if err := os.WriteFile(idFile, []byte(id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, p.ConfigFile, "action", "rotate_client_secret", "--target", "bi", "--user", "svc-pam-worker",
		"--reason", "INC-5 leaked secret", "--wait", "--json")
	var res struct {
		Status string
		Action struct {
			ID string `json:"id"`
		}
	}
	if err != nil || json.Unmarshal([]byte(out), &res) != nil || res.Status != "completed" {
		t.Fatalf("rotate: %v\n%s", err, out)
	}
	plain, err := run(t, p.ConfigFile, "secret", "get", res.Action.ID, "--identity", idFile)
	plain = strings.TrimSpace(plain)
	if err != nil || secret.New(plain).Fingerprint() != p.BI.ClientSecretFingerprint(57) {
		t.Fatalf("secret get: %v (%d chars)", err, len(plain))
	}
	wrong, _ := age.GenerateX25519Identity()
	if err := os.WriteFile(idFile, []byte(wrong.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, p.ConfigFile, "secret", "get", res.Action.ID, "--identity", idFile); err == nil {
		t.Fatal("another identity decrypted the secret")
	}
	if _, err := run(t, p.ConfigFile, "secret", "get", "act_unknown", "--identity", idFile); err == nil || !strings.Contains(err.Error(), "no secret stored") {
		t.Fatalf("unknown id: %v", err)
	}
}

func TestConfigCheck(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{NoWorker: true})
	if out, err := run(t, p.ConfigFile, "config", "check"); err != nil || !strings.Contains(out, "ok (1 sources, 3 targets, 1 rules)") {
		t.Fatalf("good config: %v %s", err, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	yaml := "targets: [{name: bi, kind: beyondinsight, base_url: \"http://127.0.0.1:1/x\", credentials: {api_key: \"env:QUELL_TEST_NOT_SET_X\", run_as: q}}]\n"
	if err := os.WriteFile(bad, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, bad, "config", "check"); err == nil || !strings.Contains(err.Error(), "targets[0].credentials.api_key: environment variable QUELL_TEST_NOT_SET_X is not set") {
		t.Fatalf("unresolvable secret: %v", err)
	}
}
