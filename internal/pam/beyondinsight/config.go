package beyondinsight

import (
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/quell-dev/quell/internal/pam"
	"github.com/quell-dev/quell/internal/secret"
)

// Kind is the target kind this package implements.
const Kind = "beyondinsight"

// OAuth client credential lengths, as BeyondTrust's own Go client validates
// them: the client id is a GUID (36 characters), the client secret 36 to 64
// characters. [VENDOR-CODE] (API-FACTS.md §1.3)
const (
	ClientIDLen        = 36
	MinClientSecretLen = 36
	MaxClientSecretLen = 64
)

// Config is one BeyondInsight target. It signs in with exactly one of two
// credentials: the PS-Auth API key (APIKey and RunAs, with Password when
// the registration requires it), or the OAuth client credentials of an
// Application user (ClientID and ClientSecret).
type Config struct {
	// Name is the target's configured name (targets[].name).
	Name string
	// BaseURL is the API root, e.g.
	// https://pam.example.com/BeyondTrust/api/public/v3. Plain http is
	// accepted only for loopback hosts (the simulator), because the
	// credentials travel in every sign-in.
	BaseURL string
	// APIKey is the API registration key (PS-Auth).
	APIKey secret.Secret
	// RunAs is the BeyondInsight user the key runs as (DOMAIN\user for a
	// directory user).
	RunAs string
	// Password is the run-as user's password, needed only when the API
	// registration has "User Password Required"; sent as pwd=[...].
	Password secret.Secret
	// ClientID and ClientSecret are an Application user's OAuth client
	// credentials, the alternative to APIKey and RunAs: the client gets a
	// bearer token from POST Auth/connect/token and opens the session
	// with it.
	ClientID     string
	ClientSecret secret.Secret
	// APIVersion, when set, is sent as ?version= to the endpoints that take
	// it (request.versioned): none of those Quell calls today, as
	// BeyondTrust's own clients send no version to Auth, Users or
	// UserGroups (see docs/targets.md).
	APIVersion string
	// Timeout bounds each request; 0 means [pam.DefaultTimeout]. Ignored when
	// HTTPClient is set (its own Timeout applies).
	Timeout time.Duration
	// HTTPClient replaces the default instrumented client ([pam.NewHTTPClient]).
	// The client is copied, and given a cookie jar if it has none.
	HTTPClient *http.Client
	// RetryAfterCeiling caps a Retry-After the API asks for; 0 means
	// [pam.DefaultRetryAfterCeiling].
	RetryAfterCeiling time.Duration
}

// oauth reports whether the client signs in with OAuth client credentials
// rather than the PS-Auth key. Only meaningful for a validated [Config].
func (c Config) oauth() bool { return c.ClientID != "" }

// validate lists every problem with the configuration at once (see
// [pam.ConfigProblems]). Messages never include secret values.
func (c Config) validate() (*url.URL, error) {
	var p pam.ConfigProblems
	p.CheckName(c.Name)
	base := p.CheckBaseURL(c.BaseURL, nil)
	psAuth := !c.APIKey.IsZero() || strings.TrimSpace(c.RunAs) != ""
	oauth := c.ClientID != "" || !c.ClientSecret.IsZero()
	switch {
	case psAuth && oauth:
		p.Add("credentials: both api_key/run_as (PS-Auth) and client_id/client_secret (OAuth) are set; set one pair only")
	case !psAuth && !oauth:
		p.Add("credentials: missing: set api_key and run_as (PS-Auth), or client_id and client_secret (OAuth)")
	}
	if psAuth {
		c.checkPSAuth(&p)
	}
	if oauth {
		c.checkOAuth(&p)
		if !psAuth && !c.Password.IsZero() {
			p.Add("password: only used with api_key and run_as (PS-Auth), not with client_id")
		}
	}
	if strings.ContainsFunc(c.Password.Reveal(), unicode.IsControl) {
		p.Add("password: contains control characters")
	}
	if strings.ContainsFunc(c.APIVersion, func(r rune) bool { return !(r == '.' || unicode.IsDigit(r)) }) {
		p.Add("api_version: %q is not a version such as 3.1", c.APIVersion)
	}
	p.CheckDurations(c.Timeout, c.RetryAfterCeiling)
	if err := p.Err(Kind, c.Name); err != nil {
		return nil, err
	}
	return base, nil
}

// checkPSAuth checks the API key and run-as user.
func (c Config) checkPSAuth(p *pam.ConfigProblems) {
	switch key := c.APIKey.Reveal(); {
	case key == "":
		p.Add("api_key: missing")
	case strings.ContainsFunc(key, func(r rune) bool { return r == ';' || unicode.IsSpace(r) || unicode.IsControl(r) }):
		// A ";" would end the key inside the PS-Auth header.
		p.Add("api_key: contains \";\", white space or control characters")
	}
	switch {
	case strings.TrimSpace(c.RunAs) == "":
		p.Add("run_as: missing")
	case strings.ContainsFunc(c.RunAs, func(r rune) bool { return r == ';' || unicode.IsControl(r) }):
		p.Add("run_as: contains \";\" or control characters")
	}
}

// checkOAuth checks the client credentials as BeyondTrust's Go client does
// (lengths), and the client id's GUID form, which the documentation shows.
// Neither value is quoted: a client id and secret given the wrong way
// round would put the secret in the message. Only lengths are reported.
func (c Config) checkOAuth(p *pam.ConfigProblems) {
	switch {
	case c.ClientID == "":
		p.Add("client_id: missing")
	case !isGUID(c.ClientID):
		p.Add("client_id: not a GUID of the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (%d characters, want %d)", utf8.RuneCountInString(c.ClientID), ClientIDLen)
	}
	switch n := utf8.RuneCountInString(c.ClientSecret.Reveal()); {
	case n == 0:
		p.Add("client_secret: missing")
	case n < MinClientSecretLen || n > MaxClientSecretLen:
		p.Add("client_secret: %d characters, want %d to %d", n, MinClientSecretLen, MaxClientSecretLen)
	}
}

// isGUID reports whether s is 36 characters of the form
// xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx with hexadecimal digits, either case.
func isGUID(s string) bool {
	if len(s) != ClientIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !isHex(s[i]) {
				return false
			}
		}
	}
	return true
}

func isHex(b byte) bool {
	return '0' <= b && b <= '9' || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F'
}
