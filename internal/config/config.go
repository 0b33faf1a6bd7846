// Package config reads quell.yaml into typed structs, fills defaults and
// validates it, listing every problem by its path (for example
// "targets[1].base_url: missing"). It is parsed once at start-up and passed
// down; nothing else reads the file.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/quell-dev/quell/internal/secret"
)

// Config is the whole quell.yaml.
type Config struct {
	NATS    NATS     `yaml:"nats"`
	Ingest  Ingest   `yaml:"ingest"`
	Worker  Worker   `yaml:"worker"`
	Sources []Source `yaml:"sources"`
	Targets []Target `yaml:"targets"`
	Policy  Policy   `yaml:"policy"`
	Safety  Safety   `yaml:"safety"`
	Log     Log      `yaml:"log"`
	// Notifications tell people what needs them (parked, failed).
	Notifications Notifications `yaml:"notifications"`
}

// Notifications sends results to chat and to HTTPS endpoints.
type Notifications struct {
	// ConsoleURL is the console's base URL (…/ui): messages link to the
	// action's page under it.
	ConsoleURL string `yaml:"console_url"`
	// MaxAttempts is how often one result is tried on one route before it
	// is dead-lettered.
	MaxAttempts int           `yaml:"max_attempts"`
	Routes      []NotifyRoute `yaml:"routes"`
}

// NotifyRoute is one destination and what it is sent.
type NotifyRoute struct {
	Name string `yaml:"name"`
	// Kind is slack (incoming webhook), teams (workflow webhook) or
	// webhook (any HTTPS endpoint, signed with Standard Webhooks).
	Kind string `yaml:"kind"`
	// URL is a reference: a chat webhook's URL is its credential.
	URL secret.Ref `yaml:"url"`
	// Secret is the whsec_ signing key of a webhook route.
	Secret secret.Ref `yaml:"secret"`
	// When is a CEL expression over `result`; default: parked or failed.
	When string `yaml:"when"`
}

// NATS says where JetStream is and how streams are sized.
type NATS struct {
	// URL of an external server or cluster; empty means the worker embeds one.
	URL       string   `yaml:"url"`
	CredsFile string   `yaml:"creds_file"`
	TLS       TLS      `yaml:"tls"`
	Embedded  Embedded `yaml:"embedded"`
	// Replicas of every stream and bucket: 1 on one machine, 3 on a cluster.
	Replicas        int           `yaml:"replicas"`
	DuplicateWindow time.Duration `yaml:"duplicate_window"`
	EventsMaxAge    time.Duration `yaml:"events_max_age"`
	ActionsMaxAge   time.Duration `yaml:"actions_max_age"`
	ResultsMaxAge   time.Duration `yaml:"results_max_age"`
	DLQMaxAge       time.Duration `yaml:"dlq_max_age"`
	LedgerTTL       time.Duration `yaml:"ledger_ttl"`
	SecretsTTL      time.Duration `yaml:"secrets_ttl"`
}

// TLS client settings for an external NATS.
type TLS struct {
	CAFile   string `yaml:"ca_file"`
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
}

// Embedded configures the server the worker starts when [NATS.URL] is empty.
type Embedded struct {
	Listen     string `yaml:"listen"`
	StoreDir   string `yaml:"store_dir"`
	SyncAlways bool   `yaml:"sync_always"`
	// StartTimeout bounds the wait for the server to accept connections;
	// recovering a large JetStream store after a crash can take minutes.
	StartTimeout time.Duration `yaml:"start_timeout"`
	// LogLevel is the least severe server log line passed to our logs:
	// error, warn, info or debug.
	LogLevel string `yaml:"log_level"`
}

// ClientURL is where clients connect: the external URL, or the embedded
// server's listen address.
func (n NATS) ClientURL() string {
	if n.URL != "" {
		return n.URL
	}
	return "nats://" + n.Embedded.Listen
}

// Ingest configures the HTTP ingest service.
type Ingest struct {
	Listen       string `yaml:"listen"`
	MaxBodyBytes int64  `yaml:"max_body_bytes"`
	// MaxItemsPerRequest caps the events one request may become (a JSON
	// array of alerts, an HR batch, a CloudEvents batch).
	MaxItemsPerRequest int           `yaml:"max_items_per_request"`
	ShutdownTimeout    time.Duration `yaml:"shutdown_timeout"`
	// APITokens authenticate the /v1 API (docs/api.md).
	APITokens []APIToken `yaml:"api_tokens"`
	// FourEyes (default on) refuses a token's approval of an action that
	// the same token requested.
	FourEyes *bool `yaml:"four_eyes"`
	// SCIM serves /scim/v2 for Entra ID and Okta provisioning (docs/sources.md).
	SCIM SCIM `yaml:"scim"`
}

// SCIM configures the SCIM 2.0 provisioning endpoint. Tokens with the scim
// scope authenticate it.
type SCIM struct {
	Enabled bool `yaml:"enabled"`
	// Source names its events: /quell/sources/<source>,
	// quell.events.hr.<source>, data.source_name. Default "scim".
	Source string `yaml:"source"`
	// BaseURL is the endpoint's public URL (https://quell.example.com/scim/v2),
	// for meta.location; derived from each request when empty.
	BaseURL string `yaml:"base_url"`
}

// FourEyesOn reports ingest.four_eyes, which is on unless set to false.
func (i Ingest) FourEyesOn() bool { return i.FourEyes == nil || *i.FourEyes }

// APIScopes are the scopes an API token may carry (docs/api.md).
var APIScopes = []string{"events:write", "actions:write", "actions:read", "approve", "operate", "scim"}

// DefaultAPIScopes are a token's scopes when it lists none: what a SOAR
// needs, never approve or operate.
var DefaultAPIScopes = []string{"events:write", "actions:write", "actions:read"}

// APIToken is a named bearer token for the API endpoints.
type APIToken struct {
	Name  string     `yaml:"name"`
	Token secret.Ref `yaml:"token"`
	// Scopes limit what the token may do; absent means [DefaultAPIScopes].
	Scopes []string `yaml:"scopes"`
}

// Worker configures the planner and executor.
type Worker struct {
	// Listen serves /healthz, /readyz and /metrics.
	Listen      string `yaml:"listen"`
	Concurrency int    `yaml:"concurrency"`
	// MaxAttempts is how many deliveries may reach the target and fail
	// transiently before the action is dead-lettered; waiting on an open
	// circuit or a busy user does not count.
	MaxAttempts int `yaml:"max_attempts"`
	// MaxDeliveries caps how often JetStream delivers one message at all (a
	// backstop for crash loops); reaching it dead-letters the message.
	MaxDeliveries int           `yaml:"max_deliveries"`
	AckWait       time.Duration `yaml:"ack_wait"`
	// RedeliveryDelay is how long a message waits after its in-delivery
	// retries are exhausted before JetStream delivers it again.
	RedeliveryDelay time.Duration `yaml:"redelivery_delay"`
	Retry           Retry         `yaml:"retry"`
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
}

// Retry is the in-delivery exponential backoff for transient errors.
type Retry struct {
	InitialInterval time.Duration `yaml:"initial_interval"`
	MaxInterval     time.Duration `yaml:"max_interval"`
	MaxElapsed      time.Duration `yaml:"max_elapsed"`
	Multiplier      float64       `yaml:"multiplier"`
	// RetryAfterCeiling caps how long a target's Retry-After is honoured.
	RetryAfterCeiling time.Duration `yaml:"retry_after_ceiling"`
}

// Source is one configured webhook sender.
type Source struct {
	Name string `yaml:"name"`
	Kind string `yaml:"kind"`
	Auth Auth   `yaml:"auth"`
	// Mapping (generic sources) maps normalized fields to CEL expressions
	// over `payload`, the sender's JSON.
	Mapping map[string]string `yaml:"mapping"`
}

// Auth is how a source authenticates its requests.
type Auth struct {
	Scheme    string        `yaml:"scheme"`
	Secrets   []secret.Ref  `yaml:"secrets"`
	Username  string        `yaml:"username"`
	Tolerance time.Duration `yaml:"tolerance"`
	// Generic HMAC settings.
	Header          string `yaml:"header"`
	Prefix          string `yaml:"prefix"`
	Encoding        string `yaml:"encoding"`
	Signed          string `yaml:"signed"`
	TimestampHeader string `yaml:"timestamp_header"`
	IDHeader        string `yaml:"id_header"`
}

// Target is one system actions run against.
type Target struct {
	Name        string            `yaml:"name"`
	Kind        string            `yaml:"kind"`
	BaseURL     string            `yaml:"base_url"`
	Timeout     time.Duration     `yaml:"timeout"`
	Credentials map[string]string `yaml:"credentials"`
	DryRun      bool              `yaml:"dry_run"`
	// SecretRecipients say who may read client secrets this target rotates:
	// the first entry whose users pattern matches gets it, age-encrypted.
	SecretRecipients []SecretRecipient `yaml:"secret_recipients"`
	// ServiceAccount is the account Quell itself acts as on this target,
	// when the credentials do not name it (an OAuth client's application
	// user, the owner of an API key). It is protected: never acted on.
	ServiceAccount string  `yaml:"service_account"`
	Limits         Limits  `yaml:"limits"`
	Circuit        Circuit `yaml:"circuit"`
	// DomainAliases maps a directory domain's name as the target writes it
	// (CORP in CORP\jdoe) to the other names signals may give it (its DNS
	// name, another NetBIOS spelling), so that all of them match the
	// domain's users. Used by commvault targets.
	DomainAliases map[string][]string `yaml:"domain_aliases"`
}

// Limits bound the load Quell puts on one target.
type Limits struct {
	// Rate is API requests per second (0: the default, 20; -1: unlimited);
	// Burst allows short bursts.
	Rate  float64 `yaml:"rate"`
	Burst int     `yaml:"burst"`
	// Concurrency is how many requests may be in flight at once (0: the
	// default, 8; -1: unlimited).
	Concurrency int `yaml:"concurrency"`
}

// Circuit configures the breaker that stops calling a failing target.
type Circuit struct {
	// Failures is how many consecutive transient failures open the circuit.
	Failures int `yaml:"failures"`
	// OpenFor is how long the circuit stays open before one probe is let through.
	OpenFor time.Duration `yaml:"open_for"`
}

// SecretRecipient is an age public key for the rotated secrets of the users
// matching a glob pattern (empty: every user).
type SecretRecipient struct {
	Users     string `yaml:"users"`
	Recipient string `yaml:"recipient"`
}

// Policy is the rule list.
type Policy struct {
	Rules []Rule `yaml:"rules"`
}

// Rule is "when this CEL expression holds, request these actions".
type Rule struct {
	Name    string       `yaml:"name"`
	When    string       `yaml:"when"`
	Actions []RuleAction `yaml:"actions"`
	DryRun  bool         `yaml:"dry_run"`
}

// RuleAction is one action a rule requests. User and each param value are
// CEL expressions over the event.
type RuleAction struct {
	Action string            `yaml:"action"`
	Target string            `yaml:"target"`
	User   string            `yaml:"user"`
	Params map[string]string `yaml:"params"`
	Reason string            `yaml:"reason"`
}

// Safety holds the guards around automation.
type Safety struct {
	DryRun    bool      `yaml:"dry_run"`
	Protected Protected `yaml:"protected"`
	// BlastRadius limits automated actions; past a limit they are parked
	// for approval. Absent: one limit of 50 per 10 minutes for every
	// action on every target; an empty list: no limit.
	BlastRadius []BlastRadius `yaml:"blast_radius"`
	// ApprovalTimeout rejects parked actions no one approved (deny by default).
	ApprovalTimeout time.Duration `yaml:"approval_timeout"`
}

// Bounds of a blast-radius rule. The stored window does not grow with Max;
// the bounds keep a rule meaningful: a million automated actions is no
// limit, and a window longer than a month is an approval queue.
const (
	MaxBlastRadius = 1_000_000
	MaxBlastWindow = 31 * 24 * time.Hour
)

// BlastRadius allows at most Max automated actions of one kind on one
// target within Window.
type BlastRadius struct {
	// Action is an action kind or "*"; Target a target name or "*".
	Action string        `yaml:"action"`
	Target string        `yaml:"target"`
	Max    int           `yaml:"max"`
	Window time.Duration `yaml:"window"`
}

// Protected lists accounts Quell never acts on. Each target's own service
// account (credentials run_as / username) is protected too.
type Protected struct {
	// Users are names or glob patterns, matched case-insensitively against
	// the username, DOMAIN\username, UPN and email of an action's user.
	Users []string `yaml:"users"`
	// Groups are target group names (case-insensitive): their members are
	// never acted on, on targets that can read a user's groups.
	Groups []string `yaml:"groups"`
}

// Log configures slog.
type Log struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

// Load reads, defaults and validates the file at path.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(b)
}

// Parse decodes, defaults and validates YAML. Unknown keys are errors, so a
// typo cannot silently disable a guard.
func Parse(b []byte) (*Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("config: %w", err)
	}
	c.applyDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Path returns the config file path from QUELL_CONFIG, or ./quell.yaml.
func Path() string {
	if p := os.Getenv("QUELL_CONFIG"); p != "" {
		return p
	}
	return "quell.yaml"
}
