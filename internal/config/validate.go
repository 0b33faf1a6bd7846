package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	pathpkg "path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"filippo.io/age"

	"github.com/quell-dev/quell/internal/capability"
	"github.com/quell-dev/quell/internal/secret"
)

// ValidationError lists every problem found, one per path.
type ValidationError struct {
	Problems []string
}

func (e *ValidationError) Error() string {
	return "invalid configuration:\n  " + strings.Join(e.Problems, "\n  ")
}

// Known kinds. Target kinds come from [capability.Kinds] and are checked
// here so that a typo fails at start-up; their credentials are checked
// when targets are built (or by quellctl config check).
var (
	SourceKinds = []string{"generic", "splunk", "elastic", "sentinel", "okta", "cloudevents", "bamboohr", "hr-generic"}
	AuthSchemes = []string{"standard-webhooks", "bearer", "basic", "bamboohr", "hmac", "header", "none"}
)

var nameRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

type problems []string

func (p *problems) add(path, format string, args ...any) {
	*p = append(*p, path+": "+fmt.Sprintf(format, args...))
}

// Validate checks the whole configuration and returns a *[ValidationError]
// listing every problem.
func (c *Config) Validate() error {
	var p problems
	c.validateNATS(&p)
	c.validateSources(&p)
	c.validateTargets(&p)
	c.validatePolicy(&p)
	for i, u := range c.Safety.Protected.Users {
		if strings.TrimSpace(u) == "" || strings.Trim(u, "*? ") == "" {
			// An empty or all-wildcard entry would protect nobody or everybody.
			p.add(fmt.Sprintf("safety.protected.users[%d]", i), "%q must name someone (a name, or a pattern with * and ?)", u)
		}
	}
	for i, b := range c.Safety.BlastRadius {
		path := fmt.Sprintf("safety.blast_radius[%d]", i)
		if b.Max < 1 || b.Max > MaxBlastRadius {
			p.add(path+".max", "%d: want 1 to %d (to lift every limit, set blast_radius: [])", b.Max, MaxBlastRadius)
		}
		if b.Window < time.Second || b.Window > MaxBlastWindow {
			p.add(path+".window", "%s: want 1s to %s", b.Window, MaxBlastWindow)
		}
		if b.Action != "*" && !oneOf(b.Action, "quarantine", "update_attributes", "rotate_client_secret", "remove_group", "add_group", "terminate_sessions") {
			p.add(path+".action", "%q: an action kind or *", b.Action)
		}
		if b.Target == "" {
			p.add(path+".target", "missing (a target name or *)")
		}
	}
	if c.Safety.ApprovalTimeout <= 0 {
		p.add("safety.approval_timeout", "must be positive")
	}
	tokenNames := map[string]bool{}
	for i, t := range c.Ingest.APITokens {
		path := fmt.Sprintf("ingest.api_tokens[%d]", i)
		checkName(&p, path+".name", t.Name)
		// The name is the identity recorded on decisions and checked by
		// four-eyes: two tokens must not share one.
		if tokenNames[t.Name] {
			p.add(path+".name", "%q is used twice", t.Name)
		}
		tokenNames[t.Name] = true
		checkRef(&p, path+".token", t.Token)
		for j, sc := range t.Scopes {
			if !oneOf(sc, APIScopes...) {
				p.add(fmt.Sprintf("%s.scopes[%d]", path, j), "%q: want one of %s", sc, strings.Join(APIScopes, ", "))
			}
		}
	}
	c.validateSCIM(&p)
	if c.Ingest.MaxBodyBytes < 1024 {
		p.add("ingest.max_body_bytes", "must be at least 1024")
	}
	if c.Ingest.MaxItemsPerRequest < 1 {
		p.add("ingest.max_items_per_request", "must be at least 1")
	}
	c.validateWorker(&p)
	c.validateNotifications(&p)
	if !oneOf(c.Log.Format, "auto", "json", "text") {
		p.add("log.format", "%q: want auto, json or text", c.Log.Format)
	}
	if !oneOf(c.Log.Level, "debug", "info", "warn", "error") {
		p.add("log.level", "%q: want debug, info, warn or error", c.Log.Level)
	}
	if len(p) > 0 {
		return &ValidationError{Problems: p}
	}
	return nil
}

func (c *Config) validateNATS(p *problems) {
	if c.NATS.URL == "" {
		if _, _, err := net.SplitHostPort(c.NATS.Embedded.Listen); err != nil {
			p.add("nats.embedded.listen", "%q is not host:port", c.NATS.Embedded.Listen)
		} else if !loopbackOnly(c.NATS.Embedded.Listen) {
			// The embedded server has no authentication: anyone who reaches
			// it could request actions. Use an external NATS with auth instead.
			p.add("nats.embedded.listen", "%q: the embedded server has no authentication and listens on loopback only; set nats.url for a shared server", c.NATS.Embedded.Listen)
		}
		if c.NATS.Embedded.StartTimeout < 0 {
			p.add("nats.embedded.start_timeout", "%s: must not be negative", c.NATS.Embedded.StartTimeout)
		}
		if !oneOf(c.NATS.Embedded.LogLevel, "debug", "info", "warn", "error") {
			p.add("nats.embedded.log_level", "%q: want debug, info, warn or error", c.NATS.Embedded.LogLevel)
		}
	}
	if c.NATS.Replicas != 1 && c.NATS.Replicas != 3 && c.NATS.Replicas != 5 {
		p.add("nats.replicas", "%d: want 1, 3 or 5", c.NATS.Replicas)
	}
	// JetStream refuses a duplicate window longer than a stream's max age.
	for path, age := range map[string]time.Duration{"nats.events_max_age": c.NATS.EventsMaxAge, "nats.actions_max_age": c.NATS.ActionsMaxAge,
		"nats.results_max_age": c.NATS.ResultsMaxAge, "nats.dlq_max_age": c.NATS.DLQMaxAge} {
		if age < c.NATS.DuplicateWindow {
			p.add(path, "%s is shorter than nats.duplicate_window (%s)", age, c.NATS.DuplicateWindow)
		}
	}
}

func (c *Config) validateWorker(p *problems) {
	w := c.Worker
	if w.Concurrency < 1 {
		p.add("worker.concurrency", "must be at least 1")
	}
	if w.MaxAttempts < 1 {
		p.add("worker.max_attempts", "must be at least 1")
	}
	if w.MaxDeliveries < w.MaxAttempts {
		p.add("worker.max_deliveries", "%d: must be at least worker.max_attempts (%d)", w.MaxDeliveries, w.MaxAttempts)
	}
	for path, d := range map[string]time.Duration{"worker.ack_wait": w.AckWait, "worker.redelivery_delay": w.RedeliveryDelay,
		"worker.shutdown_timeout": w.ShutdownTimeout, "worker.retry.initial_interval": w.Retry.InitialInterval,
		"worker.retry.max_interval": w.Retry.MaxInterval, "worker.retry.max_elapsed": w.Retry.MaxElapsed,
		"worker.retry.retry_after_ceiling": w.Retry.RetryAfterCeiling} {
		if d <= 0 {
			p.add(path, "must be positive")
		}
	}
	if w.Retry.Multiplier < 1 {
		p.add("worker.retry.multiplier", "%g: must be at least 1", w.Retry.Multiplier)
	}
	if w.AckWait > 0 && w.AckWait < time.Second {
		p.add("worker.ack_wait", "%s: at least 1s, or heartbeats cannot keep messages alive", w.AckWait)
	}
}

func (c *Config) validateSources(p *problems) {
	seen := map[string]bool{}
	for i, s := range c.Sources {
		path := fmt.Sprintf("sources[%d]", i)
		checkName(p, path+".name", s.Name)
		if seen[s.Name] {
			p.add(path+".name", "%q is used twice", s.Name)
		}
		seen[s.Name] = true
		if !oneOf(s.Kind, SourceKinds...) {
			p.add(path+".kind", "%q: want one of %s", s.Kind, strings.Join(SourceKinds, ", "))
		}
		if !oneOf(s.Auth.Scheme, AuthSchemes...) {
			p.add(path+".auth.scheme", "%q: want one of %s", s.Auth.Scheme, strings.Join(AuthSchemes, ", "))
		}
		if s.Auth.Scheme != "none" && len(s.Auth.Secrets) == 0 {
			p.add(path+".auth.secrets", "missing (at least one secret reference)")
		}
		if len(s.Auth.Secrets) > 2 {
			p.add(path+".auth.secrets", "at most two (the current and the next, while rotating)")
		}
		for j, ref := range s.Auth.Secrets {
			checkRef(p, fmt.Sprintf("%s.auth.secrets[%d]", path, j), ref)
		}
		if s.Auth.Scheme == "none" && !loopbackOnly(c.Ingest.Listen) {
			p.add(path+".auth.scheme", "none is refused unless ingest.listen is a loopback address")
		}
	}
}

func (c *Config) validateTargets(p *problems) {
	seen := map[string]bool{}
	for i, t := range c.Targets {
		path := fmt.Sprintf("targets[%d]", i)
		checkName(p, path+".name", t.Name)
		if seen[t.Name] {
			p.add(path+".name", "%q is used twice", t.Name)
		}
		seen[t.Name] = true
		if kinds := capability.Kinds(); !oneOf(t.Kind, kinds...) {
			p.add(path+".kind", "%q: want one of %s", t.Kind, strings.Join(kinds, ", "))
		}
		for j, r := range t.SecretRecipients {
			rpath := fmt.Sprintf("%s.secret_recipients[%d]", path, j)
			if _, err := age.ParseX25519Recipient(r.Recipient); err != nil {
				p.add(rpath+".recipient", "not an age public key (age1...): %v", err)
			}
			if _, err := pathpkg.Match(r.Users, ""); err != nil {
				p.add(rpath+".users", "%q is not a valid glob pattern", r.Users)
			}
		}
		if (t.Limits.Rate < 0 && t.Limits.Rate != -1) || (t.Limits.Concurrency < 0 && t.Limits.Concurrency != -1) || t.Limits.Burst < 0 {
			p.add(path+".limits", "rate and concurrency are positive, or -1 for unlimited; burst must not be negative")
		}
		if t.Circuit.Failures < 1 || t.Circuit.OpenFor <= 0 {
			p.add(path+".circuit", "failures must be at least 1 and open_for positive")
		}
		checkDomainAliases(p, path+".domain_aliases", t.DomainAliases)
		if t.BaseURL == "" {
			p.add(path+".base_url", "missing")
		} else if u, err := url.Parse(t.BaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			p.add(path+".base_url", "%q is not an http(s) URL", t.BaseURL)
		}
	}
}

func (c *Config) validatePolicy(p *problems) {
	targets := map[string]bool{}
	for _, t := range c.Targets {
		targets[t.Name] = true
	}
	seen := map[string]bool{}
	for i, r := range c.Policy.Rules {
		path := fmt.Sprintf("policy.rules[%d]", i)
		checkName(p, path+".name", r.Name)
		if seen[r.Name] {
			p.add(path+".name", "%q is used twice", r.Name)
		}
		seen[r.Name] = true
		if strings.TrimSpace(r.When) == "" {
			p.add(path+".when", "missing")
		}
		if len(r.Actions) == 0 {
			p.add(path+".actions", "missing (at least one)")
		}
		for j, a := range r.Actions {
			apath := fmt.Sprintf("%s.actions[%d]", path, j)
			if a.Action == "" {
				p.add(apath+".action", "missing")
			}
			if !targets[a.Target] && a.Target != "*" {
				p.add(apath+".target", "%q is not a configured target (or * for every target that can do it)", a.Target)
			}
			if strings.TrimSpace(a.User) == "" {
				p.add(apath+".user", "missing (a CEL expression, e.g. data.user)")
			}
			if a.Action == "rotate_client_secret" && targets[a.Target] && !c.hasRecipients(a.Target) {
				p.add(apath, "rotate_client_secret on %s needs targets[].secret_recipients: a rotated secret must have someone to deliver it to", a.Target)
			}
		}
	}
}

func (c *Config) hasRecipients(target string) bool {
	for _, t := range c.Targets {
		if t.Name == target {
			return len(t.SecretRecipients) > 0
		}
	}
	return false
}

func checkName(p *problems, path, name string) {
	if name == "" {
		p.add(path, "missing")
	} else if !nameRE.MatchString(name) {
		p.add(path, "%q: use letters, digits, '-' or '_'", name)
	}
}

func checkRef(p *problems, path string, ref secret.Ref) {
	if ref == "" {
		p.add(path, "missing")
		return
	}
	if err := ref.Check(); err != nil {
		// Never echo the value: an inline secret must not reach the logs.
		p.add(path, "must be a reference (env:NAME or file:/path), not an inline value")
	}
}

func oneOf(s string, set ...string) bool {
	for _, v := range set {
		if s == v {
			return true
		}
	}
	return false
}

func loopbackOnly(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Resolve reads a secret reference, naming the config path on error.
func Resolve(path string, ref secret.Ref) (secret.Secret, error) {
	s, err := ref.Resolve()
	if err != nil {
		return secret.Secret{}, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// ErrNoTarget is returned by (*Config).Target for an unknown name.
var ErrNoTarget = errors.New("no such target")

// Target returns the target named name.
func (c *Config) Target(name string) (Target, error) {
	for _, t := range c.Targets {
		if t.Name == name {
			return t, nil
		}
	}
	return Target{}, fmt.Errorf("%w: %q", ErrNoTarget, name)
}

// checkDomainAliases refuses empty names, names with a backslash (the
// DOMAIN\user separator), whitespace or control characters, and a name
// given twice in one target (case-insensitively), which would make two
// domains one.
func checkDomainAliases(p *problems, path string, aliases map[string][]string) {
	keys := make([]string, 0, len(aliases))
	for k := range aliases {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	seen := map[string]string{}
	check := func(at, owner, name string) {
		folded := strings.ToLower(strings.TrimSpace(name))
		switch {
		case folded == "" || strings.ContainsAny(name, `\`) || strings.ContainsFunc(name, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }):
			p.add(at, "%q: want a domain name (no backslash, space or control character)", name)
		case seen[folded] != "":
			p.add(at, "%q is already a name of %q", name, seen[folded])
		default:
			seen[folded] = owner
		}
	}
	for _, k := range keys {
		check(path, k, k)
	}
	for _, k := range keys {
		for i, a := range aliases[k] {
			check(fmt.Sprintf("%s.%s[%d]", path, k, i), k, a)
		}
	}
}

// validateSCIM checks ingest.scim: its source name becomes a subject token
// and must not be shared with a webhook source, whose events it would mix
// with its own; and some token must be able to use it.
func (c *Config) validateSCIM(p *problems) {
	sc := c.Ingest.SCIM
	if !sc.Enabled {
		return
	}
	checkName(p, "ingest.scim.source", sc.Source)
	for i, s := range c.Sources {
		if s.Name == sc.Source {
			p.add("ingest.scim.source", "%q is also sources[%d].name: pick another name", sc.Source, i)
		}
	}
	if sc.BaseURL != "" && !strings.HasPrefix(sc.BaseURL, "https://") && !strings.HasPrefix(sc.BaseURL, "http://") {
		p.add("ingest.scim.base_url", "%q: want an http(s) URL", sc.BaseURL)
	}
	for _, t := range c.Ingest.APITokens {
		if slices.Contains(t.Scopes, "scim") {
			return
		}
	}
	p.add("ingest.scim.enabled", "no ingest.api_tokens entry has the scim scope: add one for the identity provider")
}

func (c *Config) validateNotifications(p *problems) {
	n := c.Notifications
	if n.MaxAttempts < 1 {
		p.add("notifications.max_attempts", "must be at least 1")
	}
	if n.ConsoleURL != "" {
		if u, err := url.Parse(n.ConsoleURL); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			p.add("notifications.console_url", "%q: want an http(s) URL", n.ConsoleURL)
		}
	}
	seen := map[string]bool{}
	for i, r := range n.Routes {
		path := fmt.Sprintf("notifications.routes[%d]", i)
		checkName(p, path+".name", r.Name)
		if seen[r.Name] {
			p.add(path+".name", "%q is used twice", r.Name)
		}
		seen[r.Name] = true
		if !oneOf(r.Kind, "slack", "teams", "webhook") {
			p.add(path+".kind", "%q: want slack, teams or webhook", r.Kind)
		}
		checkRef(p, path+".url", r.URL)
		switch {
		case r.Kind == "webhook" && r.Secret == "":
			p.add(path+".secret", "missing: a webhook route signs with a whsec_ secret")
		case r.Kind != "webhook" && r.Secret != "":
			p.add(path+".secret", "only a webhook route takes a signing secret")
		case r.Secret != "":
			checkRef(p, path+".secret", r.Secret)
		}
	}
}
