// Command validate checks everything under deploy/ without a cluster and
// without downloading schemas:
//
//   - builds every kustomization under deploy/kubernetes with kustomize's
//     own library (krusty) and decodes each resulting object strictly into
//     its typed Kubernetes API struct (unknown fields, duplicate fields and
//     unregistered kinds are errors);
//   - checks Quell's own rules on the workloads (non-root, read-only root
//     file system, no privilege escalation, capabilities dropped, seccomp,
//     resource requests, probes) and that the objects refer to each other
//     consistently (selectors, volumes, ports, HPA target, ServiceAccount);
//   - parses the ConfigMap's quell.yaml with Quell's own config.Parse and
//     checks it against the manifests (listen ports, drain timeouts below
//     terminationGracePeriodSeconds, secret references pointing into the
//     mounted Secret, an external nats.url);
//   - checks the Helm values for the NATS chart, the systemd units, the
//     Dockerfile's binary names and the Grafana dashboard (valid JSON, panels
//     with Prometheus queries over the metrics the code really defines).
//
// Run it from deploy/validate:
//
//	go run .
//
// It prints a summary and exits 1 if any problem was found.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/quell-dev/quell/internal/config"
)

func main() {
	dir := flag.String("deploy", "", "the deploy/ directory (default: found from the working directory)")
	flag.Parse()
	deployDir := *dir
	if deployDir == "" {
		d, err := findDeployDir()
		if err != nil {
			fmt.Fprintln(os.Stderr, "validate:", err)
			os.Exit(2)
		}
		deployDir = d
	}
	r := Run(deployDir)
	r.Print(os.Stdout)
	if len(r.Problems) > 0 {
		os.Exit(1)
	}
}

// findDeployDir walks up from the working directory to the folder that
// holds kubernetes/base/kustomization.yaml (deploy/ of the repository).
func findDeployDir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		for _, cand := range []string{d, filepath.Join(d, "deploy")} {
			if _, err := os.Stat(filepath.Join(cand, "kubernetes", "base", "kustomization.yaml")); err == nil {
				return cand, nil
			}
		}
		if filepath.Dir(d) == d {
			return "", errors.New("no deploy/kubernetes/base/kustomization.yaml above " + wd + "; pass -deploy")
		}
	}
}

// Report collects what was checked, warnings (printed, not failing) and
// every problem found.
type Report struct {
	Lines    []string
	Warnings []string
	Problems []string
}

func (r *Report) warn(where, format string, args ...any) {
	r.Warnings = append(r.Warnings, where+": "+fmt.Sprintf(format, args...))
}

func (r *Report) info(format string, args ...any) {
	r.Lines = append(r.Lines, fmt.Sprintf(format, args...))
}

func (r *Report) problem(where, format string, args ...any) {
	r.Problems = append(r.Problems, where+": "+fmt.Sprintf(format, args...))
}

// Print writes the summary: what was checked, then the problems.
func (r *Report) Print(w io.Writer) {
	for _, l := range r.Lines {
		fmt.Fprintln(w, l)
	}
	for _, l := range r.Warnings {
		fmt.Fprintln(w, "warning: "+l)
	}
	if len(r.Problems) == 0 {
		fmt.Fprintln(w, "deploy: ok, no problems")
		return
	}
	fmt.Fprintf(w, "deploy: %d problem(s):\n", len(r.Problems))
	for _, p := range r.Problems {
		fmt.Fprintln(w, "  "+p)
	}
}

// requiredKustomizations must exist; any other kustomization.yaml under
// deploy/kubernetes is validated too.
var requiredKustomizations = []string{"kubernetes/base", "kubernetes/overlays/nats-cluster"}

// Run validates the deploy/ directory at deployDir.
func Run(deployDir string) *Report {
	r := &Report{}
	deployDir, err := filepath.Abs(deployDir)
	if err != nil {
		r.problem(deployDir, "%v", err)
		return r
	}
	repoRoot := filepath.Dir(deployDir)

	binaries := checkDockerfile(r, repoRoot)

	dirs, err := kustomizationDirs(deployDir)
	if err != nil {
		r.problem("deploy/kubernetes", "%v", err)
	}
	for _, req := range requiredKustomizations {
		if !contains(dirs, req) {
			r.problem("deploy/"+req, "kustomization.yaml missing")
		}
	}
	var cfgSeen bool
	var baseCfg *config.Config
	for _, d := range dirs {
		cfg := checkKustomization(r, deployDir, d, binaries)
		if cfg != nil {
			cfgSeen = true
			if d == "kubernetes/base" {
				baseCfg = cfg
			}
			if d == "kubernetes/overlays/nats-cluster" {
				checkNATSValues(r, filepath.Join(deployDir, d, "nats-values.yaml"), cfg.NATS.Replicas)
			}
		}
	}
	if !cfgSeen && len(dirs) > 0 {
		r.problem("deploy/kubernetes", "no ConfigMap with a quell.yaml that parses was found")
	}
	checkSecretExample(r, deployDir, baseCfg)
	checkSystemd(r, filepath.Join(deployDir, "systemd"))
	checkDashboard(r, filepath.Join(deployDir, "grafana", "quell.json"), repoRoot)
	return r
}

// kustomizationDirs lists, relative to deployDir, every directory under
// deploy/kubernetes with a kustomization.yaml.
func kustomizationDirs(deployDir string) ([]string, error) {
	var out []string
	root := filepath.Join(deployDir, "kubernetes")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && d.Name() == "kustomization.yaml" {
			rel, err := filepath.Rel(deployDir, filepath.Dir(p))
			if err != nil {
				return err
			}
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out, err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func rel(base, p string) string {
	if r, err := filepath.Rel(base, p); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	return p
}
