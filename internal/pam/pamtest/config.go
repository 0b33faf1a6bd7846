package pamtest

import (
	"strings"
	"testing"
)

// ConfigCase is one case of a client's configuration test: Change turns a
// valid configuration into the one tested; Want lists substrings New's
// error must contain, none when the changed configuration is valid.
type ConfigCase[C any] struct {
	Name   string
	Change func(*C)
	Want   []string
}

// CheckNew runs each case as a subtest, building a client with newClient
// from a copy of valid changed by the case. A valid configuration must
// build a client with that name and kind; an invalid one must fail with
// every substring of Want, and the message must hold none of secrets.
func CheckNew[C any](t *testing.T, valid C, newClient func(C) (Client, error), name, kind string, cases []ConfigCase[C], secrets ...string) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			cfg := valid
			tc.Change(&cfg)
			c, err := newClient(cfg)
			if len(tc.Want) == 0 {
				if err != nil || c.Name() != name || c.Kind() != kind {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("want error")
			}
			for _, w := range tc.Want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			NoSecrets(t, map[string]string{"error": err.Error()}, secrets...)
		})
	}
}

// Valid is a case whose changed configuration is valid.
func Valid[C any](name string, change func(*C)) ConfigCase[C] {
	return ConfigCase[C]{Name: name, Change: change}
}

// Invalid is a case whose changed configuration New refuses with an error
// containing every one of want.
func Invalid[C any](name string, change func(*C), want ...string) ConfigCase[C] {
	return ConfigCase[C]{Name: name, Change: change, Want: want}
}
