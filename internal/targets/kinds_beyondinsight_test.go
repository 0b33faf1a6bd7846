package targets

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/config"
)

func TestBuildBeyondInsightCredentials(t *testing.T) {
	const (
		clientID = "6c4a0a3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f"
		secretV  = "Xq7vR2mN9pL4sT8wK3yB6cF1hJ5dG0zA2eU7iO4"
		key      = "0123456789abcdef0123456789abcdef"
	)
	t.Setenv("BI_CLIENT_SECRET", secretV)
	t.Setenv("BI_KEY", key)
	cases := []struct {
		name  string
		creds map[string]string
		want  []string // substrings of the error; none: valid
		not   []string // substrings the error must not have
	}{
		{"oauth", map[string]string{"client_id": clientID, "client_secret": "env:BI_CLIENT_SECRET"}, nil, nil},
		{"oauth with api_version", map[string]string{"client_id": clientID, "client_secret": "env:BI_CLIENT_SECRET", "api_version": "3.1"}, nil, nil},
		{"ps-auth", map[string]string{"api_key": "env:BI_KEY", "run_as": "svc"}, nil, nil},
		{"client id without secret", map[string]string{"client_id": clientID},
			[]string{"targets[0].credentials.client_secret: missing"}, []string{"api_key: missing", "run_as: missing"}},
		{"secret without client id", map[string]string{"client_secret": "env:BI_CLIENT_SECRET"},
			[]string{"targets[0].credentials.client_id: missing"}, []string{"credentials.api_key: missing", "credentials.run_as: missing"}},
		{"both", map[string]string{"client_id": clientID, "client_secret": "env:BI_CLIENT_SECRET", "api_key": "env:BI_KEY", "run_as": "svc"},
			[]string{"targets[0].credentials.api_key: not used with OAuth", "targets[0].credentials.run_as: not used with OAuth"}, nil},
		{"password with oauth", map[string]string{"client_id": clientID, "client_secret": "env:BI_CLIENT_SECRET", "password": "env:BI_KEY"},
			[]string{"targets[0].credentials.password: not used with OAuth"}, nil},
		{"neither", map[string]string{},
			[]string{"targets[0].credentials.api_key: missing", "targets[0].credentials.run_as: missing"}, []string{"client_id: missing"}},
		{"unknown key", map[string]string{"client_id": clientID, "client_secret": "env:BI_CLIENT_SECRET", "tenant": "x"},
			[]string{"targets[0].credentials.tenant: unknown key (want api_key, password, run_as, client_id, client_secret, api_version)"}, nil},
		{"secret inline", map[string]string{"client_id": clientID, "client_secret": secretV},
			[]string{"targets[0].credentials.client_secret: secret reference must be env:NAME or file:/path"}, nil},
		{"bad client id", map[string]string{"client_id": "not-a-guid", "client_secret": "env:BI_CLIENT_SECRET"},
			[]string{"client_id: not a GUID"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			set, err := Build([]config.Target{{Name: "bi", Kind: "beyondinsight", BaseURL: "https://pam.example.com/BeyondTrust/api/public/v3", Credentials: tc.creds}}, 0, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if len(tc.want) == 0 {
				if err != nil || set.Targets["bi"] == nil {
					t.Fatalf("Build: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("want error")
			}
			t.Logf("%v", err)
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q", w)
				}
			}
			for _, w := range append(tc.not, secretV, key) {
				if strings.Contains(err.Error(), w) {
					t.Errorf("error has %q", w)
				}
			}
		})
	}
}
