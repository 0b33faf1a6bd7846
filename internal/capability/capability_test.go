package capability_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/capability"
)

func TestKindsSortedAndLookup(t *testing.T) {
	t.Parallel()
	names := capability.Kinds()
	if want := []string{"beyondinsight", "commvault", "threadfix"}; !slices.Equal(names, want) {
		t.Fatalf("Kinds() = %v, want %v", names, want)
	}
	for _, n := range names {
		if k, ok := capability.Lookup(n); !ok || k.Name != n {
			t.Errorf("Lookup(%q) = %q, %v", n, k.Name, ok)
		}
	}
	if _, ok := capability.Lookup("cyberark"); ok {
		t.Error("Lookup found an unknown kind")
	}
}

func TestSupports(t *testing.T) {
	t.Parallel()
	cases := []struct {
		target string
		action actions.Kind
		want   bool
	}{
		{"beyondinsight", actions.RotateClientSecret, true},
		{"beyondinsight", actions.TerminateSessions, true},
		{"commvault", actions.AddGroup, true},
		{"commvault", actions.RotateClientSecret, false},
		{"threadfix", actions.Quarantine, true},
		{"threadfix", actions.Undo, true},
		{"threadfix", actions.RemoveGroup, false},
		{"cyberark", actions.Quarantine, false},
		{"beyondinsight", actions.Kind("reboot"), false},
	}
	for _, tc := range cases {
		if got := capability.Supports(tc.target, tc.action); got != tc.want {
			t.Errorf("Supports(%s, %s) = %v, want %v", tc.target, tc.action, got, tc.want)
		}
	}
}

func TestCheckTargetUnknownKind(t *testing.T) {
	t.Parallel()
	got := capability.CheckTarget("targets[2]", "cyberark", nil, nil)
	want := []string{`targets[2].kind: "cyberark" is not supported (want one of beyondinsight, commvault, threadfix)`}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestCheckCredentials(t *testing.T) {
	t.Parallel()
	const p = "targets[0].credentials"
	conflict := func(key string) string {
		return p + "." + key + ": not used with OAuth (set api_key and run_as, or client_id and client_secret, not both)"
	}
	cases := []struct {
		name  string
		kind  string
		creds map[string]string
		want  []string
	}{
		{"oauth", "beyondinsight", map[string]string{"client_id": "id", "client_secret": "env:S", "api_version": "3.1"}, nil},
		{"ps-auth", "beyondinsight", map[string]string{"api_key": "env:K", "run_as": "svc", "password": "env:P"}, nil},
		{"neither", "beyondinsight", map[string]string{}, []string{p + ".api_key: missing", p + ".run_as: missing"}},
		{"client id alone", "beyondinsight", map[string]string{"client_id": "id"}, []string{p + ".client_secret: missing"}},
		{"empty client id selects oauth", "beyondinsight", map[string]string{"client_id": ""},
			[]string{p + ".client_id: missing", p + ".client_secret: missing"}},
		{"both", "beyondinsight", map[string]string{"client_id": "id", "client_secret": "env:S", "password": "env:P", "run_as": "svc", "api_key": "env:K"},
			[]string{conflict("api_key"), conflict("run_as"), conflict("password")}},
		{"unknown", "beyondinsight", map[string]string{"client_id": "id", "client_secret": "env:S", "tenant": "x", "region": "y"}, []string{
			p + ".region: unknown key (want api_key, password, run_as, client_id, client_secret, api_version)",
			p + ".tenant: unknown key (want api_key, password, run_as, client_id, client_secret, api_version)"}},
		{"commvault", "commvault", map[string]string{"password": "env:P", "api_key": "env:K"},
			[]string{p + ".username: missing", p + ".api_key: unknown key (want username, password)"}},
		{"threadfix", "threadfix", map[string]string{}, []string{p + ".api_key: missing"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k, _ := capability.Lookup(tc.kind)
			if got := k.CheckCredentials(p, tc.creds, nil); !slices.Equal(got, tc.want) {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
		})
	}
}

// TestCheckCredentialsResolvesSecretsOnly: resolve sees every secret key
// given, of any scheme, and nothing else; its errors are listed in key
// order among the missing keys.
func TestCheckCredentialsResolvesSecretsOnly(t *testing.T) {
	t.Parallel()
	k, _ := capability.Lookup("beyondinsight")
	var seen []string
	resolve := func(key, ref string) error {
		seen = append(seen, key+"="+ref)
		return errors.New("cannot resolve " + key)
	}
	got := k.CheckCredentials("c", map[string]string{"api_key": "env:K", "password": "env:P", "api_version": "3"}, resolve)
	want := []string{"cannot resolve api_key", "cannot resolve password", "c.run_as: missing"}
	if !slices.Equal(got, want) {
		t.Errorf("problems %q, want %q", got, want)
	}
	if want := []string{"api_key=env:K", "password=env:P"}; !slices.Equal(seen, want) {
		t.Errorf("resolved %q, want %q", seen, want)
	}
}

func ExampleSupports() {
	fmt.Println(capability.Supports("commvault", actions.Quarantine))
	fmt.Println(capability.Supports("commvault", actions.RotateClientSecret))
	// Output:
	// true
	// false
}

func ExampleKind_CheckCredentials() {
	k, _ := capability.Lookup("beyondinsight")
	for _, p := range k.CheckCredentials("targets[0].credentials", map[string]string{"client_id": "6c4a0a3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f"}, nil) {
		fmt.Println(p)
	}
	// Output:
	// targets[0].credentials.client_secret: missing
}
