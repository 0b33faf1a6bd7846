package simkit_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/quell-dev/quell/internal/pam/simkit"
)

// The effect log holds every write with its action id and the state
// before and after; a write whose answer was lost still counts (its state
// changed); reads and sign-ins (no tracked object) do not.
func TestEffectsRecordWritesWithState(t *testing.T) {
	var mu sync.Mutex
	state := map[int]bool{} // user id -> quarantined
	kit := simkit.New(simkit.Options{})
	kit.Handle("POST Users/{id}/Quarantine", func(w http.ResponseWriter, _ *http.Request, p simkit.Params) {
		mu.Lock()
		state[7] = true
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	})
	kit.Handle("POST Auth/SignIn", func(w http.ResponseWriter, _ *http.Request, _ simkit.Params) {})
	kit.Handle("GET Users/{id}", func(w http.ResponseWriter, _ *http.Request, _ simkit.Params) {})
	stateOf := func(_ string, segs []string) (simkit.State, bool) {
		id, ok := simkit.UserIDAfter(segs, "users")
		if !ok {
			return simkit.State{}, false
		}
		return simkit.State{Key: "user/7", Name: func() string { return "jdoe" },
			Snapshot: func() any { mu.Lock(); defer mu.Unlock(); return map[string]bool{"q": state[id]} }}, true
	}
	eff := simkit.NewEffects(stateOf)
	srv := httptest.NewServer(simkit.Admin{Kit: kit, Effects: eff}.Wrap(kit))
	defer srv.Close()
	post := func(path, actionID string) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader("{}"))
		req.Header.Set(simkit.ActionIDHeader, actionID)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_ = resp.Body.Close()
		}
	}
	fault, _ := json.Marshal(simkit.FaultSpec{Route: "POST Users/{id}/Quarantine", LoseAnswer: true, Times: 1})
	resp, err := http.Post(srv.URL+"/_sim/faults", "application/json", bytes.NewReader(fault))
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("inject: %v %v", resp, err)
	}
	post("/Users/7/Quarantine", "act_1") // effect, answer lost
	post("/Users/7/Quarantine", "act_1") // the retry: a duplicate, no change
	post("/Auth/SignIn", "")
	if resp, err := http.Get(srv.URL + "/Users/7"); err == nil {
		_ = resp.Body.Close()
	}
	got := eff.List()
	if len(got) != 2 {
		t.Fatalf("effects %+v", got)
	}
	if !got[0].Changed || got[0].ActionID != "act_1" || got[0].Name != "jdoe" || string(got[0].Before) != `{"q":false}` {
		t.Errorf("first effect %+v", got[0])
	}
	if got[1].Changed || got[1].Status != http.StatusOK {
		t.Errorf("second effect %+v", got[1])
	}
	var since []simkit.Effect
	resp, err = http.Get(srv.URL + "/_sim/effects?since=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&since); err != nil || len(since) != 1 || since[0].Seq != 2 {
		t.Fatalf("since=1: %+v %v", since, err)
	}
}
