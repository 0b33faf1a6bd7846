package main

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// TestDeployIsValid is what CI runs: everything under deploy/ passes.
func TestDeployIsValid(t *testing.T) {
	dir, err := findDeployDir()
	if err != nil {
		t.Fatal(err)
	}
	r := Run(dir)
	for _, l := range r.Lines {
		t.Log(l)
	}
	for _, p := range r.Problems {
		t.Error(p)
	}
}

func TestDecodeIsStrict(t *testing.T) {
	cases := map[string]string{
		"unknown field": `
apiVersion: apps/v1
kind: Deployment
metadata: {name: x}
spec:
  replicas: 1
  replica: 2
  selector: {matchLabels: {a: b}}
  template:
    metadata: {labels: {a: b}}
    spec: {containers: [{name: c, image: i}]}
`,
		"unknown nested field": `
apiVersion: v1
kind: Service
metadata: {name: x}
spec:
  ports: [{port: 80, targtPort: 8080}]
`,
		"wrong type": `
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: x}
spec: {minAvailable: [1]}
`,
		"removed API version": `
apiVersion: autoscaling/v2beta2
kind: HorizontalPodAutoscaler
metadata: {name: x}
spec: {maxReplicas: 2, scaleTargetRef: {kind: Deployment, name: x}}
`,
		"unknown kind": `
apiVersion: apps/v1
kind: Deploymnet
metadata: {name: x}
`,
		"custom resource": `
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: x}
`,
	}
	for name, doc := range cases {
		t.Run(name, func(t *testing.T) {
			if _, _, err := Decode([]byte(doc)); err == nil {
				t.Fatal("decoded without error")
			} else {
				t.Log(err)
			}
		})
	}
	ok := `
apiVersion: v1
kind: Service
metadata: {name: x}
spec:
  ports: [{port: 80, targetPort: http}]
`
	if _, _, err := Decode([]byte(ok)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Decode([]byte("apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {type: ClusterIP}\nspec: {}\n")); !runtime.IsStrictDecodingError(err) {
		t.Fatalf("duplicate key: want a strict decoding error, have %v", err)
	}
}

const goodQuellYAML = `
nats:
  url: nats://nats:4222
  replicas: 3
ingest:
  listen: 0.0.0.0:8080
  api_tokens:
    - name: responder
      token: file:/etc/quell/secrets/api-token
worker:
  listen: 0.0.0.0:8081
targets:
  - name: bi
    kind: beyondinsight
    base_url: https://pam.example.com/BeyondTrust/api/public/v3
    credentials:
      api_key: file:/etc/quell/secrets/bi-api-key
      run_as: svc
`

const goodDeployment = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: quell-ingest}
spec:
  selector: {matchLabels: {app: ingest}}
  template:
    metadata:
      labels: {app: ingest}
      annotations: {prometheus.io/port: "8080"}
    spec:
      terminationGracePeriodSeconds: 30
      securityContext:
        runAsNonRoot: true
        seccompProfile: {type: RuntimeDefault}
      containers:
        - name: ingest
          image: quell
          command: [/usr/local/bin/quell-ingest]
          env: [{name: QUELL_CONFIG, value: /etc/quell/config/quell.yaml}]
          ports: [{name: http, containerPort: 8080}]
          volumeMounts:
            - {name: config, mountPath: /etc/quell/config, readOnly: true}
            - {name: secrets, mountPath: /etc/quell/secrets, readOnly: true}
          livenessProbe: {httpGet: {path: /healthz, port: http}}
          readinessProbe: {httpGet: {path: /readyz, port: http}}
          resources:
            requests: {cpu: 100m, memory: 64Mi}
            limits: {memory: 128Mi}
          securityContext:
            readOnlyRootFilesystem: true
            allowPrivilegeEscalation: false
            capabilities: {drop: [ALL]}
      volumes:
        - {name: config, configMap: {name: quell-config}}
        - {name: secrets, secret: {secretName: quell-secrets}}
`

// check builds a kustomization made of the Deployment and quell.yaml in
// memory and returns the problems found.
func check(t *testing.T, deployment, quellYAML string) []string {
	t.Helper()
	fs := filesys.MakeFsInMemory()
	files := map[string]string{
		"/app/kustomization.yaml": "resources: [deployment.yaml]\nconfigMapGenerator:\n  - name: quell-config\n    files: [quell.yaml]\n",
		"/app/deployment.yaml":    deployment,
		"/app/quell.yaml":         quellYAML,
	}
	for p, c := range files {
		if err := fs.WriteFile(p, []byte(c)); err != nil {
			t.Fatal(err)
		}
	}
	objs, errs, err := Build(fs, "/app")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range errs {
		t.Fatal(e)
	}
	r := &Report{}
	bins := map[string]bool{"/usr/local/bin/quell-ingest": true, "/usr/local/bin/quell-worker": true}
	CheckObjects(r, "test", objs, true, bins)
	return r.Problems
}

func wantProblems(t *testing.T, problems []string, want ...string) {
	t.Helper()
	all := strings.Join(problems, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("no problem mentions %q; problems:\n%s", w, all)
		}
	}
}

func TestGoodDeploymentPasses(t *testing.T) {
	if p := check(t, goodDeployment, goodQuellYAML); len(p) > 0 {
		t.Fatalf("problems:\n%s", strings.Join(p, "\n"))
	}
}

func TestInsecureContainerIsReported(t *testing.T) {
	d := strings.NewReplacer(
		"readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false",
		"allowPrivilegeEscalation: false", "privileged: true",
		"capabilities: {drop: [ALL]}", "capabilities: {add: [NET_ADMIN]}",
		"runAsNonRoot: true", "runAsUser: 0",
		"requests: {cpu: 100m, memory: 64Mi}", "requests: {memory: 64Mi}",
		"livenessProbe: {httpGet: {path: /healthz, port: http}}", "readinessProbe: {httpGet: {path: /readyz, port: metrics}}",
		"readinessProbe: {httpGet: {path: /readyz, port: http}}", "",
	).Replace(goodDeployment)
	wantProblems(t, check(t, d, goodQuellYAML),
		"runAsNonRoot is not true", "runAsUser 0", "readOnlyRootFilesystem is not true", "allowPrivilegeEscalation is not false",
		"privileged", "capabilities do not drop ALL", "resources.requests.cpu missing", "livenessProbe missing",
		"readinessProbe: port metrics is not a port of the container")
}

func TestConfigIsParsedAndCrossChecked(t *testing.T) {
	t.Run("inline secret", func(t *testing.T) {
		y := strings.Replace(goodQuellYAML, "token: file:/etc/quell/secrets/api-token", "token: hunter2", 1)
		wantProblems(t, check(t, goodDeployment, y), "ingest.api_tokens[0].token: must be a reference")
	})
	t.Run("unknown key", func(t *testing.T) {
		y := strings.Replace(goodQuellYAML, "  replicas: 3", "  replicas: 3\n  replica: 3", 1)
		wantProblems(t, check(t, goodDeployment, y), "field replica not found")
	})
	t.Run("secret outside the mount", func(t *testing.T) {
		y := strings.Replace(goodQuellYAML, "file:/etc/quell/secrets/api-token", "file:/etc/quell/config/api-token", 1)
		wantProblems(t, check(t, goodDeployment, y), "is on volume config, which is not a Secret")
	})
	t.Run("env secret not set", func(t *testing.T) {
		y := strings.Replace(goodQuellYAML, "file:/etc/quell/secrets/api-token", "env:QUELL_TOKEN", 1)
		wantProblems(t, check(t, goodDeployment, y), "environment variable QUELL_TOKEN is not set")
	})
	t.Run("grace below drain", func(t *testing.T) {
		d := strings.Replace(goodDeployment, "terminationGracePeriodSeconds: 30", "terminationGracePeriodSeconds: 15", 1)
		wantProblems(t, check(t, d, goodQuellYAML), "is not above the preStop sleep (0s) plus ingest.shutdown_timeout (20s)")
	})
	t.Run("port mismatch", func(t *testing.T) {
		y := strings.Replace(goodQuellYAML, "listen: 0.0.0.0:8080", "listen: 0.0.0.0:9090", 1)
		wantProblems(t, check(t, goodDeployment, y), "ingest.listen port 9090 is not a containerPort", `prometheus.io/port "8080"`)
	})
	t.Run("loopback listen", func(t *testing.T) {
		y := strings.Replace(goodQuellYAML, "listen: 0.0.0.0:8080", "listen: 127.0.0.1:8080", 1)
		wantProblems(t, check(t, goodDeployment, y), "is loopback")
	})
	t.Run("embedded nats", func(t *testing.T) {
		y := strings.Replace(goodQuellYAML, "url: nats://nats:4222", "embedded: {listen: 127.0.0.1:4222}", 1)
		wantProblems(t, check(t, goodDeployment, y), "nats.url is empty")
	})
	t.Run("unknown binary", func(t *testing.T) {
		d := strings.Replace(goodDeployment, "/usr/local/bin/quell-ingest", "/bin/quell-ingest", 1)
		wantProblems(t, check(t, d, goodQuellYAML), "is not a binary the Dockerfile installs")
	})
}

// TestCodeMetrics pins the Prometheus names the dashboard is built on to
// the instruments in the code.
func TestCodeMetrics(t *testing.T) {
	dir, err := findDeployDir()
	if err != nil {
		t.Fatal(err)
	}
	m, err := CodeMetrics(filepath.Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for n := range m {
		got = append(got, n)
	}
	sort.Strings(got)
	t.Logf("metrics in the code: %v", got)
	// The metrics docs/operations.md documents; the code may define more.
	for _, want := range []string{
		"quell_action_duration_seconds", "quell_actions_total", "quell_dlq_messages_total", "quell_events_planned_total",
		"quell_ingest_duration_seconds", "quell_ingest_requests_total", "quell_target_circuit",
	} {
		if _, ok := m[want]; !ok {
			t.Errorf("%s is not defined under internal/", want)
		}
	}
	if !m["quell_ingest_duration_seconds"].Histogram || m["quell_ingest_requests_total"].Histogram {
		t.Fatal("histogram kinds wrong")
	}
}

func TestHelpers(t *testing.T) {
	for in, want := range map[string]time.Duration{"45": 45 * time.Second, "35s": 35 * time.Second, "1min 30s": 90 * time.Second, "2m": 2 * time.Minute} {
		if got, err := parseSpan(in); err != nil || got != want {
			t.Errorf("parseSpan(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := parseSpan("soon"); err == nil {
		t.Error("parseSpan accepted nonsense")
	}
	for expr, want := range map[string]bool{
		`sum(rate(x{a="("}[5m]))`: true,
		`sum(rate(x[5m])`:         false,
		`x{a="b"]`:                false,
	} {
		if balanced(expr) != want {
			t.Errorf("balanced(%q) != %v", expr, want)
		}
	}
	if got := promName("Counter", "quell.ingest.requests", ""); got != "quell_ingest_requests_total" {
		t.Error(got)
	}
	if got := promName("Histogram", "quell.action.duration", "s"); got != "quell_action_duration_seconds" {
		t.Error(got)
	}
}
