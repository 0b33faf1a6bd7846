package app_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/quell-dev/quell/"

// TestBinariesLinkOnlyWhatTheyNeed: the ingest and quellctl must not link
// a target client, the targets registry, a NATS server or the worker's
// wiring, and quellctl not the ingest's either; the worker not the
// ingest's. Each would grow the binary and what it exposes, and a vendor
// client in the ingest would mean the ingest could act on a target.
func TestBinariesLinkOnlyWhatTheyNeed(t *testing.T) {
	t.Parallel()
	common := []string{module + "internal/pam", module + "internal/targets", module + "internal/natsembed",
		module + "internal/workersvc", "github.com/nats-io/nats-server"}
	cases := []struct {
		cmd       string
		forbidden []string
	}{
		{"./cmd/ingest", common},
		{"./cmd/quellctl", append(common, module+"internal/ingestsvc")},
		{"./cmd/worker", []string{module + "internal/ingestsvc"}},
	}
	root := moduleRoot(t)
	for _, tc := range cases {
		t.Run(strings.TrimPrefix(tc.cmd, "./cmd/"), func(t *testing.T) {
			t.Parallel()
			deps := listDeps(t, root, tc.cmd)
			if bad := offending(deps, tc.forbidden); len(bad) > 0 {
				t.Errorf("%s links %d packages it must not:\n  %s", tc.cmd, len(bad), strings.Join(bad, "\n  "))
			}
		})
	}
}

// offending lists the packages of deps that are one of forbidden or below
// one of them.
func offending(deps, forbidden []string) []string {
	var bad []string
	for _, d := range deps {
		for _, f := range forbidden {
			if d == f || strings.HasPrefix(d, f+"/") {
				bad = append(bad, d)
				break
			}
		}
	}
	return bad
}

func TestOffending(t *testing.T) {
	t.Parallel()
	deps := []string{module + "internal/pam", module + "internal/pam/commvault", module + "internal/pamtest",
		"github.com/nats-io/nats-server/v2/server", "github.com/nats-io/nats.go"}
	got := offending(deps, []string{module + "internal/pam", "github.com/nats-io/nats-server"})
	want := []string{module + "internal/pam", module + "internal/pam/commvault", "github.com/nats-io/nats-server/v2/server"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("offending = %v, want %v", got, want)
	}
}

// listDeps runs go list -deps on pkg from the module root.
func listDeps(t *testing.T, root, pkg string) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", pkg)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, ee.Stderr)
		}
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}

// moduleRoot is the nearest directory above the test's with a go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}
