package safety

import (
	"context"
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/config"
)

func TestProtected(t *testing.T) {
	p := New(config.Safety{Protected: config.Protected{Users: []string{"Administrator", "break-glass-*", "*@admins.example.com", `corp\svc-*`}}},
		[]config.Target{{Name: "bi", Credentials: map[string]string{"run_as": "quell-svc"}}, {Name: "cv", Credentials: map[string]string{"username": "cvadmin"}},
			{Name: "tf", Credentials: map[string]string{"run_as": `CORP\svc-tf`}},
			{Name: "oauth", ServiceAccount: "svc-pam-worker"}})
	cases := []struct {
		target string
		user   actions.UserRef
		want   string
	}{
		{"bi", actions.UserRef{Username: "administrator"}, "matches safety.protected.users pattern Administrator"},
		{"bi", actions.UserRef{Username: "break-glass-02"}, "break-glass-*"},
		{"bi", actions.UserRef{UPN: "ops@admins.example.com"}, "*@admins.example.com"},
		{"bi", actions.UserRef{Domain: "CORP", Username: "svc-backup"}, `corp\svc-*`},
		{"bi", actions.UserRef{Username: "quell-svc"}, "service account Quell uses on bi"},
		{"cv", actions.UserRef{Username: "CVADMIN"}, "service account Quell uses on cv"},
		{"cv", actions.UserRef{Username: "quell-svc"}, ""},
		{"tf", actions.UserRef{Username: "svc-tf"}, "service account Quell uses on tf"},
		{"tf", actions.UserRef{Domain: "CORP", Username: "svc-tf"}, "service account Quell uses on tf"},
		{"bi", actions.UserRef{Username: "jdoe", Email: "jdoe@example.com"}, ""},
		{"oauth", actions.UserRef{Username: "svc-pam-worker"}, "service account Quell uses on oauth"},
		{"bi", actions.UserRef{Username: "svc-backup"}, ""},
	}
	for _, c := range cases {
		got, err := p.Check(context.Background(), actions.Action{Target: c.target, User: c.user})
		if err != nil || (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s %v: %q, want %q", c.target, c.user, got, c.want)
		}
	}
}
