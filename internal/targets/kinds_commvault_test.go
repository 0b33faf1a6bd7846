package targets

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/config"
	"github.com/quell-dev/quell/internal/pam/commvault/sim"
	"github.com/quell-dev/quell/internal/pam/pamtest"
)

// TestBuildCommvaultDomainAliases: targets[].domain_aliases reach the
// client, so a signal naming the domain by its DNS name finds CORP\bwayne.
func TestBuildCommvaultDomainAliases(t *testing.T) {
	const password = "cv-test-password"
	t.Setenv("CV_PASSWORD", password)
	s := sim.New(sim.Options{Username: "svc", Password: password, Users: sim.DefaultUsers(), Strict: true})
	base := pamtest.Serve(t, s) + sim.APIPrefix
	cfg := config.Target{Name: "cv", Kind: "commvault", BaseURL: base,
		Credentials:   map[string]string{"username": "svc", "password": "env:CV_PASSWORD"},
		DomainAliases: map[string][]string{"CORP": {"corp.example.com"}},
		Circuit:       config.Circuit{Failures: 5, OpenFor: 1e9}}
	set, err := Build([]config.Target{cfg}, 0, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = set.Close(context.Background()) }()
	a := pamtest.Action("cv", actions.Quarantine, actions.UserRef{Domain: "corp.example.com", Username: "bwayne"}, nil)
	out, err := set.Targets["cv"].Execute(context.Background(), a)
	if err != nil || out.TargetUserID != "8" {
		t.Fatalf("%+v, %v; want CORP\\bwayne (8)", out, err)
	}
}
