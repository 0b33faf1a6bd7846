package main

import (
	"fmt"
	"net"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/quell-dev/quell/internal/config"
)

// scheme knows the API groups our manifests may use. A kind outside them
// (a typo, a CRD, a removed beta API such as autoscaling/v2beta2) does not
// decode and is reported.
var scheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, batchv1.AddToScheme, policyv1.AddToScheme,
		autoscalingv2.AddToScheme, networkingv1.AddToScheme, rbacv1.AddToScheme,
	} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return s
}()

// strictDecoder rejects unknown and duplicate fields.
var strictDecoder = kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, scheme, scheme,
	kjson.SerializerOptions{Yaml: true, Strict: true})

// Object is one decoded resource of a kustomize build.
type Object struct {
	GVK       schema.GroupVersionKind
	Name      string
	Namespace string
	Obj       runtime.Object
}

func (o Object) String() string { return o.GVK.Kind + "/" + o.Name }

// Decode decodes one JSON or YAML object strictly into its typed struct.
func Decode(data []byte) (runtime.Object, *schema.GroupVersionKind, error) {
	return strictDecoder.Decode(data, nil, nil)
}

// Build runs kustomize on dir (in fsys) and decodes every object. Problems
// with single objects are returned in errs; err is a failed build.
func Build(fsys filesys.FileSystem, dir string) (objs []Object, errs []error, err error) {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	rm, err := k.Run(fsys, dir)
	if err != nil {
		return nil, nil, err
	}
	for _, res := range rm.Resources() {
		id := res.CurId()
		data, err := res.MarshalJSON()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s/%s: %w", id.Kind, id.Name, err))
			continue
		}
		obj, gvk, err := Decode(data)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %s/%s: %w", id.ApiVersion(), id.Kind, id.Name, err))
			if !runtime.IsStrictDecodingError(err) || obj == nil || gvk == nil {
				continue
			}
			// Unknown or duplicate fields: reported; the rest of the
			// object is still checked.
		}
		m, ok := obj.(metav1.Object)
		if !ok {
			errs = append(errs, fmt.Errorf("%s/%s: not an object with metadata", id.Kind, id.Name))
			continue
		}
		objs = append(objs, Object{GVK: *gvk, Name: m.GetName(), Namespace: m.GetNamespace(), Obj: obj})
	}
	return objs, errs, nil
}

// workload is anything with a pod template.
type workload struct {
	obj  Object
	meta metav1.ObjectMeta // of the pod template
	spec *corev1.PodSpec
}

func workloads(objs []Object) []workload {
	var out []workload
	for _, o := range objs {
		switch w := o.Obj.(type) {
		case *appsv1.Deployment:
			out = append(out, workload{o, w.Spec.Template.ObjectMeta, &w.Spec.Template.Spec})
		case *appsv1.StatefulSet:
			out = append(out, workload{o, w.Spec.Template.ObjectMeta, &w.Spec.Template.Spec})
		case *appsv1.DaemonSet:
			out = append(out, workload{o, w.Spec.Template.ObjectMeta, &w.Spec.Template.Spec})
		case *batchv1.Job:
			out = append(out, workload{o, w.Spec.Template.ObjectMeta, &w.Spec.Template.Spec})
		case *batchv1.CronJob:
			out = append(out, workload{o, w.Spec.JobTemplate.Spec.Template.ObjectMeta, &w.Spec.JobTemplate.Spec.Template.Spec})
		case *corev1.Pod:
			out = append(out, workload{o, w.ObjectMeta, &w.Spec})
		}
	}
	return out
}

// checkKustomization builds deploy/<relDir>, checks every object and
// returns the quell.yaml it deploys (nil if none parsed).
func checkKustomization(r *Report, deployDir, relDir string, binaries map[string]bool) *config.Config {
	where := "deploy/" + relDir
	objs, errs, err := Build(filesys.MakeFsOnDisk(), filepath.Join(deployDir, filepath.FromSlash(relDir)))
	if err != nil {
		r.problem(where, "kustomize build: %v", err)
		return nil
	}
	for _, e := range errs {
		r.problem(where, "%v", e)
	}
	r.info("kustomize %s: %d objects (%s)", where, len(objs), countKinds(objs))
	cfg, roles := CheckObjects(r, where, objs, strings.HasSuffix(relDir, "/base"), binaries)
	for _, want := range []string{"ingest", "worker"} {
		if !roles[want] {
			r.problem(where, "no container runs quell-%s", want)
		}
	}
	return cfg
}

func countKinds(objs []Object) string {
	n := map[string]int{}
	for _, o := range objs {
		n[o.GVK.Kind]++
	}
	var kinds []string
	for k := range n {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var parts []string
	for _, k := range kinds {
		parts = append(parts, fmt.Sprintf("%s %d", k, n[k]))
	}
	return strings.Join(parts, ", ")
}

// CheckObjects applies Quell's rules to the decoded objects of one build.
// base says the build must be namespace-less. It returns the parsed
// quell.yaml of the Quell containers (nil if none) and the Quell binaries
// the containers run ("ingest", "worker", "quellctl").
func CheckObjects(r *Report, where string, objs []Object, base bool, binaries map[string]bool) (*config.Config, map[string]bool) {
	roles := map[string]bool{}
	configMaps := map[string]*corev1.ConfigMap{}
	serviceAccounts := map[string]bool{}
	for _, o := range objs {
		if base && o.Namespace != "" {
			r.problem(where, "%s: the base sets namespace %q; leave it to overlays", o, o.Namespace)
		}
		switch v := o.Obj.(type) {
		case *corev1.ConfigMap:
			configMaps[v.Name] = v
		case *corev1.ServiceAccount:
			serviceAccounts[v.Name] = true
		case *corev1.Secret:
			if len(v.Data)+len(v.StringData) > 0 {
				r.problem(where, "%s: Secrets with values do not belong in the manifests; reference an existing Secret", o)
			}
		}
	}
	wls := workloads(objs)
	var cfg *config.Config
	for _, w := range wls {
		ww := where + ": " + w.obj.String()
		checkPodSpec(r, ww, w, serviceAccounts, configMaps)
		for _, c := range w.spec.Containers {
			role := quellRole(r, ww, c, binaries)
			if role == "" {
				continue
			}
			roles[role] = true
			parsed, cmName := loadConfig(r, ww+" container "+c.Name, c, w.spec, configMaps)
			if parsed == nil {
				continue
			}
			cfg = parsed
			n := len(r.Problems)
			checkAgainstConfig(r, ww+" container "+c.Name, role, parsed, w, c)
			if len(r.Problems) == n {
				r.info("  %s runs quell-%s; quell.yaml from ConfigMap %s parses (%d sources, %d targets, %d rules) and matches the manifest",
					w.obj, role, cmName, len(parsed.Sources), len(parsed.Targets), len(parsed.Policy.Rules))
			}
		}
	}
	for _, o := range objs {
		ww := where + ": " + o.String()
		switch v := o.Obj.(type) {
		case *corev1.Service:
			checkService(r, ww, v, wls)
		case *policyv1.PodDisruptionBudget:
			if v.Spec.Selector == nil || matchingWorkloads(v.Spec.Selector, wls) == 0 {
				r.problem(ww, "selector matches no workload")
			}
			if (v.Spec.MinAvailable == nil) == (v.Spec.MaxUnavailable == nil) {
				r.problem(ww, "set exactly one of minAvailable and maxUnavailable")
			}
		case *autoscalingv2.HorizontalPodAutoscaler:
			checkHPA(r, ww, v, wls)
		case *networkingv1.NetworkPolicy:
			if len(v.Spec.PolicyTypes) == 0 {
				r.problem(ww, "policyTypes missing")
			}
		}
	}
	return cfg, roles
}

func matchingWorkloads(sel *metav1.LabelSelector, wls []workload) int {
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil || s.Empty() {
		return 0
	}
	n := 0
	for _, w := range wls {
		if s.Matches(labels.Set(w.meta.Labels)) {
			n++
		}
	}
	return n
}

func checkPodSpec(r *Report, where string, w workload, serviceAccounts map[string]bool, configMaps map[string]*corev1.ConfigMap) {
	spec := w.spec
	// The workload's selector must select its own pods.
	if d, ok := w.obj.Obj.(*appsv1.Deployment); ok {
		if d.Spec.Selector == nil || matchingWorkloads(d.Spec.Selector, []workload{w}) != 1 {
			r.problem(where, "spec.selector does not match the pod template's labels")
		}
	}
	if spec.HostNetwork || spec.HostPID || spec.HostIPC {
		r.problem(where, "uses the host's network, PID or IPC namespace")
	}
	if sa := spec.ServiceAccountName; sa != "" && sa != "default" && !serviceAccounts[sa] {
		r.problem(where, "serviceAccountName %q is not in the build", sa)
	}
	if spec.TerminationGracePeriodSeconds == nil {
		r.problem(where, "terminationGracePeriodSeconds not set")
	}
	volumes := map[string]corev1.Volume{}
	for _, v := range spec.Volumes {
		volumes[v.Name] = v
		if v.ConfigMap != nil && configMaps[v.ConfigMap.Name] == nil && (v.ConfigMap.Optional == nil || !*v.ConfigMap.Optional) {
			r.problem(where, "volume %s: ConfigMap %q is not in the build", v.Name, v.ConfigMap.Name)
		}
		if v.HostPath != nil {
			r.problem(where, "volume %s: hostPath", v.Name)
		}
	}
	psc := spec.SecurityContext
	if psc == nil {
		psc = &corev1.PodSecurityContext{}
	}
	all := append(append([]corev1.Container{}, spec.InitContainers...), spec.Containers...)
	for i, c := range all {
		cw := where + " container " + c.Name
		init := i < len(spec.InitContainers)
		checkContainer(r, cw, c, psc, init)
		for _, m := range c.VolumeMounts {
			if _, ok := volumes[m.Name]; !ok {
				r.problem(cw, "volumeMount %s: no such volume", m.Name)
			}
		}
	}
}

func checkContainer(r *Report, where string, c corev1.Container, psc *corev1.PodSecurityContext, init bool) {
	if c.Image == "" {
		r.problem(where, "image missing")
	}
	sc := c.SecurityContext
	if sc == nil {
		r.problem(where, "securityContext missing")
		sc = &corev1.SecurityContext{}
	}
	nonRoot := (sc.RunAsNonRoot != nil && *sc.RunAsNonRoot) || (sc.RunAsNonRoot == nil && psc.RunAsNonRoot != nil && *psc.RunAsNonRoot)
	if !nonRoot {
		r.problem(where, "runAsNonRoot is not true")
	}
	if uid := sc.RunAsUser; uid != nil && *uid == 0 {
		r.problem(where, "runAsUser 0")
	} else if uid == nil && psc.RunAsUser != nil && *psc.RunAsUser == 0 {
		r.problem(where, "pod runAsUser 0")
	}
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		r.problem(where, "readOnlyRootFilesystem is not true")
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		r.problem(where, "allowPrivilegeEscalation is not false")
	}
	if sc.Privileged != nil && *sc.Privileged {
		r.problem(where, "privileged")
	}
	if sc.Capabilities == nil || !containsCap(sc.Capabilities.Drop, "ALL") {
		r.problem(where, "capabilities do not drop ALL")
	} else if len(sc.Capabilities.Add) > 0 {
		r.problem(where, "adds capabilities %v", sc.Capabilities.Add)
	}
	seccomp := sc.SeccompProfile
	if seccomp == nil {
		seccomp = psc.SeccompProfile
	}
	if seccomp == nil || (seccomp.Type != corev1.SeccompProfileTypeRuntimeDefault && seccomp.Type != corev1.SeccompProfileTypeLocalhost) {
		r.problem(where, "seccompProfile is not RuntimeDefault (or Localhost)")
	}
	for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if q, ok := c.Resources.Requests[res]; !ok || q.IsZero() {
			r.problem(where, "resources.requests.%s missing", res)
		}
	}
	if q, ok := c.Resources.Limits[corev1.ResourceMemory]; !ok || q.IsZero() {
		r.problem(where, "resources.limits.memory missing")
	}
	for res, lim := range c.Resources.Limits {
		if req, ok := c.Resources.Requests[res]; ok && req.Cmp(lim) > 0 {
			r.problem(where, "resources.requests.%s (%s) above its limit (%s)", res, req.String(), lim.String())
		}
	}
	if init {
		return
	}
	if c.LivenessProbe == nil {
		r.problem(where, "livenessProbe missing")
	}
	if c.ReadinessProbe == nil {
		r.problem(where, "readinessProbe missing")
	}
	for name, p := range map[string]*corev1.Probe{"livenessProbe": c.LivenessProbe, "readinessProbe": c.ReadinessProbe, "startupProbe": c.StartupProbe} {
		if p == nil {
			continue
		}
		switch {
		case p.HTTPGet != nil:
			if !containerHasPort(c, p.HTTPGet.Port) {
				r.problem(where, "%s: port %s is not a port of the container", name, p.HTTPGet.Port.String())
			}
		case p.TCPSocket != nil:
			if !containerHasPort(c, p.TCPSocket.Port) {
				r.problem(where, "%s: port %s is not a port of the container", name, p.TCPSocket.Port.String())
			}
		case p.Exec == nil && p.GRPC == nil:
			r.problem(where, "%s: no handler", name)
		}
	}
}

func containsCap(caps []corev1.Capability, want corev1.Capability) bool {
	for _, c := range caps {
		if strings.EqualFold(string(c), string(want)) {
			return true
		}
	}
	return false
}

func containerHasPort(c corev1.Container, port intstr.IntOrString) bool {
	for _, p := range c.Ports {
		if (port.Type == intstr.String && p.Name == port.StrVal) || (port.Type == intstr.Int && p.ContainerPort == port.IntVal) {
			return true
		}
	}
	return false
}

func checkService(r *Report, where string, s *corev1.Service, wls []workload) {
	if len(s.Spec.Selector) == 0 {
		return // e.g. a Service with hand-made endpoints
	}
	sel := labels.SelectorFromSet(s.Spec.Selector)
	var selected []workload
	for _, w := range wls {
		if sel.Matches(labels.Set(w.meta.Labels)) {
			selected = append(selected, w)
		}
	}
	if len(selected) == 0 {
		r.problem(where, "selector %v matches no workload", s.Spec.Selector)
		return
	}
	for _, p := range s.Spec.Ports {
		target := p.TargetPort
		if target.Type == intstr.Int && target.IntVal == 0 {
			target = intstr.FromInt32(p.Port)
		}
		for _, w := range selected {
			found := false
			for _, c := range w.spec.Containers {
				if containerHasPort(c, target) {
					found = true
				}
			}
			if !found {
				r.problem(where, "port %s: targetPort %s is not a container port of %s", p.Name, target.String(), w.obj)
			}
		}
	}
}

func checkHPA(r *Report, where string, h *autoscalingv2.HorizontalPodAutoscaler, wls []workload) {
	ref := h.Spec.ScaleTargetRef
	var target *workload
	for i, w := range wls {
		if w.obj.GVK.Kind == ref.Kind && w.obj.Name == ref.Name {
			target = &wls[i]
		}
	}
	if target == nil {
		r.problem(where, "scaleTargetRef %s/%s is not in the build", ref.Kind, ref.Name)
		return
	}
	if h.Spec.MinReplicas != nil && *h.Spec.MinReplicas > h.Spec.MaxReplicas {
		r.problem(where, "minReplicas above maxReplicas")
	}
	for _, m := range h.Spec.Metrics {
		if m.Resource == nil || m.Resource.Target.Type != autoscalingv2.UtilizationMetricType {
			continue
		}
		for _, c := range target.spec.Containers {
			if _, ok := c.Resources.Requests[m.Resource.Name]; !ok {
				r.problem(where, "utilization of %s needs resources.requests.%s on container %s", m.Resource.Name, m.Resource.Name, c.Name)
			}
		}
	}
}

// quellRole says which Quell binary the container runs ("ingest",
// "worker", "quellctl"), or "" for another container. A Quell command must
// name a binary the Dockerfile builds.
func quellRole(r *Report, where string, c corev1.Container, binaries map[string]bool) string {
	if len(c.Command) == 0 {
		if strings.Contains(c.Image, "quell") {
			r.problem(where, "container %s: the Quell image has no default command; set command", c.Name)
		}
		return ""
	}
	bin := path.Base(c.Command[0])
	if !strings.HasPrefix(bin, "quell") {
		return ""
	}
	if binaries != nil && !binaries[c.Command[0]] {
		r.problem(where, "container %s: command %s is not a binary the Dockerfile installs (%s)", c.Name, c.Command[0], strings.Join(sortedKeys(binaries), ", "))
	}
	switch bin {
	case "quell-ingest":
		return "ingest"
	case "quell-worker":
		return "worker"
	case "quellctl":
		return "quellctl"
	}
	return ""
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func envValue(c corev1.Container, name string) (corev1.EnvVar, bool) {
	for _, e := range c.Env {
		if e.Name == name {
			return e, true
		}
	}
	return corev1.EnvVar{}, false
}

// mountFor finds the volume mounted at the deepest mount path containing p.
func mountFor(c corev1.Container, spec *corev1.PodSpec, p string) (corev1.VolumeMount, *corev1.Volume, bool) {
	var best corev1.VolumeMount
	found := false
	for _, m := range c.VolumeMounts {
		mp := strings.TrimSuffix(m.MountPath, "/")
		if (p == mp || strings.HasPrefix(p, mp+"/")) && len(mp) > len(best.MountPath) {
			best, found = m, true
		}
	}
	if !found {
		return best, nil, false
	}
	for i := range spec.Volumes {
		if spec.Volumes[i].Name == best.Name {
			return best, &spec.Volumes[i], true
		}
	}
	return best, nil, true
}

// loadConfig finds the file QUELL_CONFIG names in the container, follows
// its mount to the ConfigMap in the build and parses it with config.Parse.
func loadConfig(r *Report, where string, c corev1.Container, spec *corev1.PodSpec, configMaps map[string]*corev1.ConfigMap) (*config.Config, string) {
	env, ok := envValue(c, "QUELL_CONFIG")
	if !ok || env.Value == "" {
		r.problem(where, "QUELL_CONFIG is not set")
		return nil, ""
	}
	file := env.Value
	m, vol, ok := mountFor(c, spec, file)
	if !ok || vol == nil || vol.ConfigMap == nil {
		r.problem(where, "QUELL_CONFIG %s is not in a mounted ConfigMap", file)
		return nil, ""
	}
	cm := configMaps[vol.ConfigMap.Name]
	if cm == nil {
		return nil, "" // reported by checkPodSpec
	}
	inVolume := strings.TrimPrefix(strings.TrimPrefix(file, strings.TrimSuffix(m.MountPath, "/")), "/")
	if m.SubPath != "" {
		inVolume = m.SubPath
	}
	key := inVolume
	if len(vol.ConfigMap.Items) > 0 {
		key = ""
		for _, it := range vol.ConfigMap.Items {
			if it.Path == inVolume {
				key = it.Key
			}
		}
	}
	data, ok := cm.Data[key]
	if key == "" || !ok {
		r.problem(where, "QUELL_CONFIG %s: ConfigMap %s has no key for it", file, cm.Name)
		return nil, ""
	}
	cfg, err := config.Parse([]byte(data))
	if err != nil {
		r.problem(where, "ConfigMap %s key %s: %v", cm.Name, key, strings.ReplaceAll(err.Error(), "\n", "\n    "))
		return nil, ""
	}
	return cfg, cm.Name
}

// refUse is one secret reference in quell.yaml and who reads it.
type refUse struct {
	path string // in quell.yaml
	ref  string
	role string // "ingest", "worker" or "" (every process)
}

func configRefs(cfg *config.Config) []refUse {
	var out []refUse
	for i, t := range cfg.Ingest.APITokens {
		out = append(out, refUse{fmt.Sprintf("ingest.api_tokens[%d].token", i), string(t.Token), "ingest"})
	}
	for i, s := range cfg.Sources {
		for j, ref := range s.Auth.Secrets {
			out = append(out, refUse{fmt.Sprintf("sources[%d].auth.secrets[%d]", i, j), string(ref), "ingest"})
		}
	}
	for i, t := range cfg.Targets {
		var keys []string
		for k := range t.Credentials {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if v := t.Credentials[k]; strings.HasPrefix(v, "file:") || strings.HasPrefix(v, "env:") {
				out = append(out, refUse{fmt.Sprintf("targets[%d].credentials.%s", i, k), v, "worker"})
			}
		}
	}
	for p, f := range map[string]string{"nats.creds_file": cfg.NATS.CredsFile, "nats.tls.ca_file": cfg.NATS.TLS.CAFile,
		"nats.tls.cert_file": cfg.NATS.TLS.CertFile, "nats.tls.key_file": cfg.NATS.TLS.KeyFile} {
		if f != "" {
			out = append(out, refUse{p, "file:" + f, ""})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out
}

// checkAgainstConfig compares one Quell container with its quell.yaml.
func checkAgainstConfig(r *Report, where, role string, cfg *config.Config, w workload, c corev1.Container) {
	if cfg.NATS.URL == "" {
		r.problem(where, "nats.url is empty: the worker would embed a NATS server of its own per pod; point it at the cluster")
	}
	var listen string
	var drain time.Duration
	switch role {
	case "ingest":
		listen, drain = cfg.Ingest.Listen, cfg.Ingest.ShutdownTimeout
	case "worker":
		listen, drain = cfg.Worker.Listen, cfg.Worker.ShutdownTimeout
	}
	if listen != "" {
		host, port, err := net.SplitHostPort(listen)
		if err != nil {
			r.problem(where, "%s.listen %q is not host:port", role, listen)
		} else {
			if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
				r.problem(where, "%s.listen %q is loopback: probes and Services cannot reach it", role, listen)
			}
			n, _ := strconv.Atoi(port)
			if !containerHasPort(c, intstr.FromInt32(int32(n))) {
				r.problem(where, "%s.listen port %s is not a containerPort", role, port)
			}
			if a, ok := w.meta.Annotations["prometheus.io/port"]; ok && a != port {
				r.problem(where, "annotation prometheus.io/port %q, but %s.listen is on %s", a, role, port)
			}
		}
		grace := time.Duration(*orZero(w.spec.TerminationGracePeriodSeconds)) * time.Second
		var preStop time.Duration
		if c.Lifecycle != nil && c.Lifecycle.PreStop != nil && c.Lifecycle.PreStop.Sleep != nil {
			preStop = time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
		}
		if grace <= preStop+drain {
			r.problem(where, "terminationGracePeriodSeconds (%s) is not above the preStop sleep (%s) plus %s.shutdown_timeout (%s)", grace, preStop, role, drain)
		}
	}
	for _, u := range configRefs(cfg) {
		if u.role != "" && u.role != role {
			continue
		}
		checkRefInContainer(r, where, u, c, w.spec)
	}
}

func orZero(p *int64) *int64 {
	if p == nil {
		var z int64
		return &z
	}
	return p
}

// checkRefInContainer: a file: reference must point into a mounted Secret
// (read-only), an env: reference must be set in the container.
func checkRefInContainer(r *Report, where string, u refUse, c corev1.Container, spec *corev1.PodSpec) {
	switch {
	case strings.HasPrefix(u.ref, "file:"):
		p := strings.TrimPrefix(u.ref, "file:")
		if !path.IsAbs(p) {
			r.problem(where, "%s: %q is relative; use an absolute path in a mounted Secret", u.path, p)
			return
		}
		m, vol, ok := mountFor(c, spec, p)
		if !ok || vol == nil {
			r.problem(where, "%s: %s is not under any volume mount", u.path, p)
			return
		}
		if vol.Secret == nil && vol.Projected == nil && vol.CSI == nil {
			r.problem(where, "%s: %s is on volume %s, which is not a Secret", u.path, p, vol.Name)
		}
		if !m.ReadOnly {
			r.problem(where, "%s: the volume mount %s is not readOnly", u.path, m.MountPath)
		}
	case strings.HasPrefix(u.ref, "env:"):
		name := strings.TrimPrefix(u.ref, "env:")
		if _, ok := envValue(c, name); !ok && len(c.EnvFrom) == 0 {
			r.problem(where, "%s: environment variable %s is not set in the container", u.path, name)
		}
	}
}
