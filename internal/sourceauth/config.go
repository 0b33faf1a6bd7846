package sourceauth

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/quell-dev/quell/internal/secret"
)

// Scheme names accepted in [Config.Scheme].
const (
	// SchemeStandardWebhooks is Standard Webhooks v1 (HMAC-SHA256, "whsec_" secrets).
	SchemeStandardWebhooks = "standard-webhooks"
	// SchemeBearer is "Authorization: Bearer <token>".
	SchemeBearer = "bearer"
	// SchemeBasic is HTTP basic authentication.
	SchemeBasic = "basic"
	// SchemeBambooHR is BambooHR's X-BambooHR-Signature HMAC.
	SchemeBambooHR = "bamboohr"
	// SchemeHMAC is a configurable HMAC-SHA256 signature header.
	SchemeHMAC = "hmac"
	// SchemeHeader is a shared secret sent as the whole value of a header
	// (Authorization by default), as Okta Event Hooks send it.
	SchemeHeader = "header"
	// SchemeNone accepts every request.
	SchemeNone = "none"
)

// Values accepted in [Config.Encoding] and [Config.Signed] (scheme "hmac").
const (
	// EncodingHex means the signature is hex (either case); the default.
	EncodingHex = "hex"
	// EncodingBase64 means the signature is standard base64, padded or not.
	EncodingBase64 = "base64"
	// SignedBody means the raw body alone is signed; the default.
	SignedBody = "body"
	// SignedTimestampBody means "<timestamp header value>.<raw body>" is signed.
	SignedTimestampBody = "timestamp.body"
)

// Config is the plain description of one source's authentication, as the
// configuration loader hands it over. Fields that do not apply to the chosen
// scheme must be left zero; [New] reports them otherwise.
type Config struct {
	// Scheme is one of the Scheme* constants.
	Scheme string
	// Secrets are the accepted secrets; a request matching any of them is
	// authentic. Use two while rotating. Required except for "none", which
	// takes none. For "standard-webhooks" each is "whsec_" + base64; for
	// "bearer" a token; for "basic" a password; otherwise a raw HMAC key.
	Secrets []secret.Secret
	// Username is the basic-auth user name (scheme "basic" only, required).
	Username string
	// Tolerance is how far a signed timestamp may be from the clock in either
	// direction; zero means [DefaultTolerance]. Schemes "standard-webhooks",
	// "bamboohr" and "hmac" with Signed "timestamp.body".
	Tolerance time.Duration
	// Header is the signature header (scheme "hmac", required), or the
	// header carrying the secret (scheme "header", default Authorization).
	Header string
	// Prefix is stripped from the signature header value before decoding,
	// compared case-insensitively, e.g. "sha256=" (scheme "hmac", optional).
	Prefix string
	// Encoding is "hex" (default) or "base64" (scheme "hmac").
	Encoding string
	// Signed is "body" (default) or "timestamp.body", the latter meaning the
	// timestamp header's value, a ".", then the body (scheme "hmac").
	Signed string
	// TimestampHeader carries the timestamp when Signed is "timestamp.body";
	// its value must be unix seconds, unix milliseconds or RFC 3339.
	TimestampHeader string
	// IDHeader, if set, is the header whose value Verify returns as the
	// delivery id (scheme "hmac", optional).
	IDHeader string
	// Now is the clock used for timestamp checks; nil means [time.Now]. Tests
	// inject a fixed clock here.
	Now func() time.Time
}

// ErrInvalidConfig is matched ([errors.Is]) by every error [New] returns.
var ErrInvalidConfig = errors.New("sourceauth: invalid config")

// ConfigError is one problem [New] found. Field is the snake_case name of the
// [Config] field (with an index for secrets, e.g. "secrets[1]") so that the
// configuration loader can prefix its own path. New joins several with
// [errors.Join]; enumerate them with [errors.As] or Unwrap() []error.
type ConfigError struct {
	// Field is the offending field, e.g. "header" or "secrets[0]".
	Field string
	// Problem says what is wrong; it never quotes a secret.
	Problem string
}

// Error returns "field: problem".
func (e *ConfigError) Error() string { return e.Field + ": " + e.Problem }

// Is makes every [ConfigError] match [ErrInvalidConfig].
func (e *ConfigError) Is(target error) bool { return target == ErrInvalidConfig }

// problems collects ConfigErrors.
type problems []error

func (p *problems) add(field, format string, args ...any) {
	*p = append(*p, &ConfigError{Field: field, Problem: fmt.Sprintf(format, args...)})
}

// fieldsFor lists the optional [Config] fields each scheme uses besides Secrets.
var fieldsFor = map[string][]string{
	SchemeStandardWebhooks: {"tolerance"},
	SchemeBearer:           {},
	SchemeBasic:            {"username"},
	SchemeBambooHR:         {"tolerance"},
	SchemeHMAC:             {"tolerance", "header", "prefix", "encoding", "signed", "timestamp_header", "id_header"},
	SchemeHeader:           {"header"},
	SchemeNone:             {},
}

// New validates cfg and returns the [Verifier] for its scheme. On error the
// result is nil and every problem is reported, none of them quoting a secret.
func New(cfg Config) (Verifier, error) {
	allowed, ok := fieldsFor[cfg.Scheme]
	if !ok {
		return nil, &ConfigError{Field: "scheme", Problem: fmt.Sprintf("%q is not one of %s, %s, %s, %s, %s, %s, %s",
			cfg.Scheme, SchemeStandardWebhooks, SchemeBearer, SchemeBasic, SchemeBambooHR, SchemeHMAC, SchemeHeader, SchemeNone)}
	}
	var p problems
	set := map[string]bool{
		"username": cfg.Username != "", "tolerance": cfg.Tolerance != 0, "header": cfg.Header != "",
		"prefix": cfg.Prefix != "", "encoding": cfg.Encoding != "", "signed": cfg.Signed != "",
		"timestamp_header": cfg.TimestampHeader != "", "id_header": cfg.IDHeader != "",
	}
	for _, f := range []string{"username", "tolerance", "header", "prefix", "encoding", "signed", "timestamp_header", "id_header"} {
		if set[f] && !contains(allowed, f) {
			p.add(f, "does not apply to scheme %q", cfg.Scheme)
		}
	}
	if cfg.Tolerance < 0 {
		p.add("tolerance", "must not be negative")
	}
	if cfg.Scheme == SchemeNone {
		if len(cfg.Secrets) > 0 {
			p.add("secrets", "scheme %q takes no secrets", SchemeNone)
		}
	} else if len(cfg.Secrets) == 0 {
		p.add("secrets", "at least one secret is required for scheme %q", cfg.Scheme)
	}
	for i, s := range cfg.Secrets {
		if s.IsZero() {
			p.add(fmt.Sprintf("secrets[%d]", i), "is empty")
		}
	}
	var v Verifier
	switch cfg.Scheme {
	case SchemeStandardWebhooks:
		v = newStandardWebhooks(cfg, &p)
	case SchemeBearer:
		v = newBearer(cfg, &p)
	case SchemeBasic:
		v = newBasic(cfg, &p)
	case SchemeBambooHR:
		v = newBambooHR(cfg)
	case SchemeHMAC:
		v = newHMAC(cfg, &p)
	case SchemeHeader:
		v = newHeaderSecret(cfg, &p)
	case SchemeNone:
		v = None{}
	}
	if len(p) > 0 {
		return nil, errors.Join(p...)
	}
	return v, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// validHeaderName reports whether s is a non-empty RFC 9110 token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !alnum && !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}
