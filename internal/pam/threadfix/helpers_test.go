package threadfix_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam/pamtest"
	"github.com/quell-dev/quell/internal/pam/simkit"
	"github.com/quell-dev/quell/internal/pam/threadfix"
	"github.com/quell-dev/quell/internal/pam/threadfix/sim"
	"github.com/quell-dev/quell/internal/secret"
)

// testKey looks like a real key: long, and unlikely to appear by chance.
var testKey = strings.Repeat("9f3c1a7e", 8)

// readOnlyKey is a restricted key: it may read, not write.
var readOnlyKey = strings.Repeat("0d0d", 16)

type env struct {
	sim    *sim.Server
	client *threadfix.Client
	url    string
}

// newEnv starts the simulator on a real loopback listener and a client for
// it; adjust may change both configurations before they are used (BaseURL
// is filled in afterwards, relative to the listener, unless adjust set a
// path of its own).
func newEnv(t *testing.T, adjust func(*sim.Options, *threadfix.Config)) *env {
	t.Helper()
	opts := sim.Options{APIKey: testKey, RestrictedKeys: []string{readOnlyKey}, Users: sim.DefaultUsers()}
	cfg := threadfix.Config{Name: "tf-test", APIKey: secret.New(testKey), Timeout: 5 * time.Second, RetryAfterCeiling: time.Minute}
	if adjust != nil {
		adjust(&opts, &cfg)
	}
	s := sim.New(opts)
	url := pamtest.Serve(t, s)
	if cfg.BaseURL == "" {
		cfg.BaseURL = sim.APIPrefix
	}
	cfg.BaseURL = url + cfg.BaseURL
	c, err := threadfix.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return &env{sim: s, client: c, url: url}
}

func action(kind actions.Kind, ref actions.UserRef, params map[string]any) actions.Action {
	return pamtest.Action("tf-test", kind, ref, params)
}

func quarantine(ref actions.UserRef) actions.Action { return action(actions.Quarantine, ref, nil) }

func update(ref actions.UserRef, params map[string]any) actions.Action {
	return action(actions.UpdateAttributes, ref, params)
}

func (e *env) writes() int { return e.sim.Count(sim.RouteUserUpdate) }

// lastBody is the body of the last update the simulator received.
func (e *env) lastBody(t *testing.T) string {
	t.Helper()
	reqs := e.sim.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Method == "POST" {
			return reqs[i].Body
		}
	}
	t.Fatal("no POST received")
	return ""
}

func globalRole(t *testing.T, e *env, id int) int {
	t.Helper()
	u, ok := e.sim.User(id)
	if !ok {
		t.Fatalf("user %d gone", id)
	}
	return u.GlobalRoleID
}

// envelopeBody is a failed envelope as ThreadFix writes it.
func envelopeBody(success bool, message string) string {
	b, _ := json.Marshal(map[string]any{"message": message, "success": success, "responseCode": -1, "object": nil})
	return string(b)
}

// faultEchoing answers with HTTP 200 and a failed envelope quoting key, as
// a proxy that echoes the request might.
func faultEchoing(key string) simkit.Fault {
	return simkit.Fault{Status: 200, Times: 1, Body: envelopeBody(false, "rejected header Authorization: APIKEY "+key)}
}

// fmtMap prints a map with sorted keys, as fmt does.
func fmtMap(m map[string]string) string { return fmt.Sprint(m) }

// undoOf is the undo of a kind action on user id that recorded before and
// after, as actions.NewUndo builds it.
func undoOf(kind actions.Kind, id string, before, after map[string]any) actions.Action {
	a := action(actions.Undo, actions.UserRef{TargetID: id}, nil)
	a.Undo = &actions.UndoSpec{Of: "act_orig", Kind: kind, TargetUserID: id, Before: before, After: after}
	return a
}
