package main

import (
	"bufio"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"

	"github.com/quell-dev/quell/internal/config"
)

var (
	dockerBuildOut = regexp.MustCompile(`-o\s+/out/([A-Za-z0-9_.-]+)`)
	dockerCopyOut  = regexp.MustCompile(`(?m)^COPY\s+--from=\S+\s+/out/\s+(\S+)`)
)

// checkDockerfile checks the root Dockerfile and returns the absolute paths
// of the binaries it installs (nil if it cannot tell).
func checkDockerfile(r *Report, repoRoot string) map[string]bool {
	const where = "Dockerfile"
	b, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	if err != nil {
		r.problem(where, "%v", err)
		return nil
	}
	s := string(b)
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", `-ldflags="-s -w"`, "gcr.io/distroless/static-debian12:nonroot"} {
		if !strings.Contains(s, want) {
			r.problem(where, "does not contain %s", want)
		}
	}
	var lastUser string
	for _, line := range strings.Split(s, "\n") {
		if f := strings.Fields(line); len(f) >= 2 && strings.EqualFold(f[0], "USER") {
			lastUser = f[1]
		}
	}
	if u := strings.SplitN(lastUser, ":", 2)[0]; u == "" || u == "0" || u == "root" {
		r.problem(where, "the final stage does not set a non-root USER")
	}
	dest := dockerCopyOut.FindStringSubmatch(s)
	names := dockerBuildOut.FindAllStringSubmatch(s, -1)
	if dest == nil || len(names) == 0 {
		r.problem(where, "cannot find the binaries (go build -o /out/NAME, COPY --from=... /out/ DIR)")
		return nil
	}
	bins := map[string]bool{}
	var list []string
	for _, n := range names {
		bins[path.Join(dest[1], n[1])] = true
		list = append(list, n[1])
	}
	for _, want := range []string{"quell-ingest", "quell-worker", "quellctl"} {
		if !bins[path.Join(dest[1], want)] {
			r.problem(where, "does not build %s", want)
		}
	}
	r.info("Dockerfile: binaries %s in %s", strings.Join(list, ", "), dest[1])
	return bins
}

// checkNATSValues checks the Helm values for the nats chart against
// Quell's stream replicas.
func checkNATSValues(r *Report, file string, quellReplicas int) {
	where := "deploy/kubernetes/overlays/nats-cluster/nats-values.yaml"
	b, err := os.ReadFile(file)
	if err != nil {
		r.problem(where, "%v", err)
		return
	}
	var v map[string]any
	if err := yaml.UnmarshalStrict(b, &v); err != nil {
		r.problem(where, "%v", err)
		return
	}
	get := func(p string) any {
		var cur any = v
		for _, k := range strings.Split(p, ".") {
			m, ok := cur.(map[string]any)
			if !ok {
				return nil
			}
			cur = m[k]
		}
		return cur
	}
	for _, p := range []string{"config.cluster.enabled", "config.jetstream.enabled", "config.jetstream.fileStore.enabled", "config.jetstream.fileStore.pvc.enabled"} {
		if get(p) != true {
			r.problem(where, "%s is not true", p)
		}
	}
	replicas, _ := get("config.cluster.replicas").(float64)
	if int(replicas) < quellReplicas || int(replicas) < 3 {
		r.problem(where, "config.cluster.replicas %v: need at least 3 and at least nats.replicas (%d) of quell.yaml", get("config.cluster.replicas"), quellReplicas)
	}
	size, err := quantity(get("config.jetstream.fileStore.pvc.size"))
	if err != nil {
		r.problem(where, "config.jetstream.fileStore.pvc.size: %v", err)
		return
	}
	if ms := get("config.jetstream.fileStore.maxSize"); ms != nil {
		max, err := quantity(ms)
		if err != nil {
			r.problem(where, "config.jetstream.fileStore.maxSize: %v", err)
		} else if max.Cmp(size) >= 0 {
			r.problem(where, "config.jetstream.fileStore.maxSize (%s) must stay below the PVC size (%s)", max.String(), size.String())
		}
	}
	if get("config.jetstream.memoryStore.enabled") == true {
		if _, err := quantity(get("config.jetstream.memoryStore.maxSize")); err != nil {
			r.problem(where, "config.jetstream.memoryStore.maxSize: %v", err)
		}
	}
	r.info("nats-values.yaml: %v-node cluster, JetStream file store on a %s PVC per node", replicas, size.String())
}

func quantity(v any) (resource.Quantity, error) {
	s, ok := v.(string)
	if !ok {
		return resource.Quantity{}, fmt.Errorf("want a quantity such as 10Gi, have %v", v)
	}
	return resource.ParseQuantity(s)
}

// secretMount is where the manifests mount the Secret quell-secrets.
const secretMount = "/etc/quell/secrets/"

// checkSecretExample uncomments secret.example.yaml, decodes it as a
// Secret and checks it names every file quell.yaml reads from the mount.
func checkSecretExample(r *Report, deployDir string, cfg *config.Config) {
	where := "deploy/kubernetes/base/secret.example.yaml"
	b, err := os.ReadFile(filepath.Join(deployDir, "kubernetes", "base", "secret.example.yaml"))
	if err != nil {
		r.problem(where, "%v", err)
		return
	}
	var out []string
	started := false
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "#") && strings.TrimSpace(line) != "" {
			r.problem(where, "has uncommented content %q: the example must not be applicable as is", line)
			return
		}
		u := strings.TrimPrefix(strings.TrimPrefix(line, "#"), " ")
		if strings.HasPrefix(u, "apiVersion:") {
			started = true
		}
		if started {
			out = append(out, u)
		}
	}
	obj, _, err := Decode([]byte(strings.Join(out, "\n")))
	if err != nil {
		r.problem(where, "the commented manifest does not decode: %v", err)
		return
	}
	s, ok := obj.(*corev1.Secret)
	if !ok || s.Name != "quell-secrets" {
		r.problem(where, "the commented manifest is not the Secret quell-secrets")
		return
	}
	if cfg == nil {
		return
	}
	var keys []string
	n := len(r.Problems)
	for _, u := range configRefs(cfg) {
		p, ok := strings.CutPrefix(u.ref, "file:"+secretMount)
		if !ok {
			continue
		}
		keys = append(keys, p)
		if _, ok := s.StringData[p]; !ok {
			if _, ok := s.Data[p]; !ok {
				r.problem(where, "no key %s, which %s reads", p, u.path)
			}
		}
	}
	if len(r.Problems) == n {
		r.info("secret.example.yaml: documents the keys %s of Secret quell-secrets", strings.Join(keys, ", "))
	}
}

// unit is a parsed systemd unit file: section -> key -> values.
type unit map[string]map[string][]string

func parseUnit(b []byte) (unit, error) {
	u := unit{}
	var sec string
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";") {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			return nil, fmt.Errorf("line %d: continuation lines are not supported here", n)
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			sec = line[1 : len(line)-1]
			if u[sec] == nil {
				u[sec] = map[string][]string{}
			}
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || sec == "" {
			return nil, fmt.Errorf("line %d: not key=value inside a section: %q", n, line)
		}
		u[sec][strings.TrimSpace(k)] = append(u[sec][strings.TrimSpace(k)], strings.TrimSpace(v))
	}
	return u, sc.Err()
}

func (u unit) get(sec, key string) (string, bool) {
	vs := u[sec][key]
	if len(vs) == 0 {
		return "", false
	}
	return vs[len(vs)-1], true
}

var spanPart = regexp.MustCompile(`^(\d+)(ms|s|sec|m|min|h|hr)?$`)

// parseSpan reads the systemd time spans used here: "45", "45s", "1min 30s".
func parseSpan(s string) (time.Duration, error) {
	var total time.Duration
	for _, f := range strings.Fields(s) {
		m := spanPart.FindStringSubmatch(f)
		if m == nil {
			return 0, fmt.Errorf("%q: unsupported time span", s)
		}
		n, _ := strconv.Atoi(m[1])
		unit := map[string]time.Duration{"": time.Second, "s": time.Second, "sec": time.Second, "ms": time.Millisecond,
			"m": time.Minute, "min": time.Minute, "h": time.Hour, "hr": time.Hour}[m[2]]
		total += time.Duration(n) * unit
	}
	return total, nil
}

// checkSystemd checks the unit files in deploy/systemd against the
// defaults of quell.yaml.
func checkSystemd(r *Report, dir string) {
	defaults, err := config.Parse(nil)
	if err != nil {
		r.problem("deploy/systemd", "config defaults: %v", err)
		return
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.service"))
	sort.Strings(files)
	seen := map[string]bool{}
	for _, f := range files {
		where := "deploy/systemd/" + filepath.Base(f)
		b, err := os.ReadFile(f)
		if err != nil {
			r.problem(where, "%v", err)
			continue
		}
		u, err := parseUnit(b)
		if err != nil {
			r.problem(where, "%v", err)
			continue
		}
		for _, sec := range []string{"Unit", "Service", "Install"} {
			if u[sec] == nil {
				r.problem(where, "[%s] missing", sec)
			}
		}
		exec, _ := u.get("Service", "ExecStart")
		bin := path.Base(strings.Fields(exec + " x")[0])
		var drain time.Duration
		switch bin {
		case "quell-ingest":
			drain = defaults.Ingest.ShutdownTimeout
		case "quell-worker":
			drain = defaults.Worker.ShutdownTimeout
			if v, _ := u.get("Service", "ReadWritePaths"); !strings.Contains(v, "/var/lib/quell") {
				r.problem(where, "ReadWritePaths must include /var/lib/quell (embedded NATS store)")
			}
		default:
			r.problem(where, "ExecStart %q does not run quell-ingest or quell-worker", exec)
			continue
		}
		seen[bin] = true
		want := map[string]string{
			"Type": "simple", "User": "quell", "Restart": "on-failure", "KillSignal": "SIGTERM",
			"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
			"CapabilityBoundingSet": "", "EnvironmentFile": "-/etc/quell/quell.env",
		}
		for k, v := range want {
			if got, ok := u.get("Service", k); !ok || got != v {
				r.problem(where, "[Service] %s=%s expected (have %q)", k, v, got)
			}
		}
		envOK := false
		for _, e := range u["Service"]["Environment"] {
			if strings.Contains(e, "QUELL_CONFIG=/etc/quell/quell.yaml") {
				envOK = true
			}
		}
		if !envOK {
			r.problem(where, "Environment=QUELL_CONFIG=/etc/quell/quell.yaml missing")
		}
		ts, _ := u.get("Service", "TimeoutStopSec")
		stop, err := parseSpan(ts)
		if err != nil || stop <= drain {
			r.problem(where, "TimeoutStopSec %q must be above the default shutdown_timeout (%s)", ts, drain)
		}
		r.info("systemd %s: %s, TimeoutStopSec %s > drain %s", filepath.Base(f), bin, stop, drain)
	}
	for _, want := range []string{"quell-ingest", "quell-worker"} {
		if !seen[want] {
			r.problem("deploy/systemd", "no unit runs %s", want)
		}
	}
}
