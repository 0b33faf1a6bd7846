package sim_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/pam/beyondinsight/sim"
	"github.com/quell-dev/quell/internal/secret"
)

func TestRecycleClientSecret(t *testing.T) {
	e := newEnv(t, sim.Options{})
	e.signIn(t)
	seen := map[string]bool{}
	for range 40 {
		status, body := e.do(t, "POST", sim.APIPrefix+"/users/57/recycleclientsecret")
		var value string
		if status != 200 || json.Unmarshal([]byte(body), &value) != nil {
			t.Fatalf("%d %s: want 200 with a JSON string", status, body)
		}
		if n := len(value); n < sim.MinClientSecretLen || n > sim.MaxClientSecretLen || strings.Trim(value, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") != "" {
			t.Fatalf("secret %q: want 36..64 letters and digits", value)
		}
		if seen[value] {
			t.Fatal("a secret repeated")
		}
		seen[value] = true
		if fp := e.sim.ClientSecretFingerprint(57); fp != secret.New(value).Fingerprint() || !e.sim.CheckClientSecret(57, value) {
			t.Fatalf("fingerprint %q, want %q", fp, secret.New(value).Fingerprint())
		}
		if _, get := e.do(t, "GET", sim.APIPrefix+"/Users/57"); !strings.Contains(get, `"ClientSecret":null`) || strings.Contains(get, value) {
			t.Fatalf("GET shows the secret: %s", get)
		}
		if dump, _ := json.Marshal(e.sim.Requests()); strings.Contains(string(dump), value) {
			t.Fatal("the request log holds the secret")
		}
	}
	if e.sim.CheckClientSecret(57, "wrong") || e.sim.CheckClientSecret(12, "") || e.sim.ClientSecretFingerprint(12) != "" {
		t.Error("a secret matched that was never issued")
	}
}

func TestRecycleClientSecretAsUserObject(t *testing.T) {
	e := newEnv(t, sim.Options{ClientSecretAsUser: true})
	e.signIn(t)
	status, body := e.do(t, "POST", sim.APIPrefix+"/Users/57/RecycleClientSecret")
	var u struct {
		UserID       int
		UserType     string
		ClientSecret string
	}
	if status != 200 || json.Unmarshal([]byte(body), &u) != nil || u.UserID != 57 || u.UserType != "Application" {
		t.Fatalf("%d %s", status, body)
	}
	if !e.sim.CheckClientSecret(57, u.ClientSecret) {
		t.Error("the answered secret is not the stored one")
	}
}

func TestRecycleClientSecretRefusals(t *testing.T) {
	e := newEnv(t, sim.Options{})
	e.signIn(t)
	for path, want := range map[string]int{"/Users/12/RecycleClientSecret": 400, "/Users/21/RecycleClientSecret": 400, "/Users/999/RecycleClientSecret": 404} {
		if status, body := e.do(t, "POST", sim.APIPrefix+path); status != want {
			t.Errorf("%s: %d %s, want %d", path, status, body, want)
		}
	}
	if fp := e.sim.ClientSecretFingerprint(12); fp != "" {
		t.Error("a local user got a secret")
	}
}
