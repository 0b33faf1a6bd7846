package app_test

import (
	"encoding/json"
	"net/http"
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
	st, b := postAPI(t, p, "/v1/actions/"+id+"/undo", `{"reason":"false positive"}`, nil)
	var undo api.UndoAccepted
	if st != http.StatusAccepted || json.Unmarshal([]byte(b), &undo) != nil {
		t.Fatalf("undo: %d %s", st, b)
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
	status, b := quelltest.Do(t, http.MethodGet, p.IngestURL+path, "", map[string]string{"Authorization": "Bearer " + quelltest.APIToken})
	var v T
	if status != http.StatusOK || json.Unmarshal([]byte(b), &v) != nil {
		t.Fatalf("GET %s: %d %s", path, status, b)
	}
	return v
}
