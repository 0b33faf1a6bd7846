package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/api"
	"github.com/quell-dev/quell/internal/quelltest"
)

// A SOAR playbook through the real pipeline (docs/api.md): request an
// action, wait for its outcome, find it by user, undo it, wait again.
func TestAPIPlaybook(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{})
	st, body := postAction(t, p, "tf", "update_attributes", "jdoe", map[string]any{"display_name": "Johnny API"}, "playbook")
	if st != http.StatusAccepted {
		t.Fatalf("request: %d %s", st, body)
	}
	var acc struct{ IDs []string }
	_ = json.Unmarshal([]byte(body), &acc)
	id := acc.IDs[0]
	v := getJSON[api.ActionView](t, p, "/v1/actions/"+id+"?wait=30s")
	if v.State != "completed" || !v.Final || v.Ledger == nil || v.Ledger.State != "done" || v.Result == nil {
		t.Fatalf("outcome: %+v", v)
	}
	if u, _ := p.TF.User(3); u.DisplayName != "Johnny API" {
		t.Fatalf("the simulator was not changed: %+v", u)
	}
	var list api.Page[api.ResultRow]
	quelltest.Eventually(t, 10*time.Second, "the result listed by user", func() bool {
		list = getJSON[api.Page[api.ResultRow]](t, p, "/v1/actions?user=jdoe&target=tf")
		return len(list.Items) == 1
	})
	if list.Items[0].ActionID != id {
		t.Fatalf("listed %+v", list.Items)
	}
	req, _ := http.NewRequest("POST", p.IngestURL+"/v1/actions/"+id+"/undo", strings.NewReader(`{"reason":"false positive"}`))
	req.Header.Set("Authorization", "Bearer "+quelltest.APIToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var undo api.UndoAccepted
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || json.Unmarshal(b, &undo) != nil {
		t.Fatalf("undo: %d %s", resp.StatusCode, b)
	}
	u := getJSON[api.ActionView](t, p, "/v1/actions/"+undo.ID+"?wait=30s")
	if u.State != "completed" || u.Action.Undo == nil || u.Action.Undo.Of != id || u.Action.RequestedBy != "responder" {
		t.Fatalf("undo outcome: %+v", u)
	}
	if tu, _ := p.TF.User(3); tu.DisplayName == "Johnny API" {
		t.Fatalf("the undo did not restore the display name: %+v", tu)
	}
}

func getJSON[T any](t *testing.T, p *quelltest.Pipeline, path string) T {
	t.Helper()
	req, _ := http.NewRequest("GET", p.IngestURL+path, nil)
	req.Header.Set("Authorization", "Bearer "+quelltest.APIToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var v T
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &v) != nil {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return v
}
