package beyondinsight

import (
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/quell-dev/quell/internal/pam"
	"github.com/quell-dev/quell/internal/secret"
)

// Kind is the target kind this package implements.
const Kind = "beyondinsight"

// Config is one BeyondInsight target.
type Config struct {
	// Name is the target's configured name (targets[].name).
	Name string
	// BaseURL is the API root, e.g.
	// https://pam.example.com/BeyondTrust/api/public/v3. Plain http is
	// accepted only for loopback hosts (the simulator), because the API key
	// travels in a header.
	BaseURL string
	// APIKey is the API registration key.
	APIKey secret.Secret
	// RunAs is the BeyondInsight user the key runs as (DOMAIN\user for a
	// directory user).
	RunAs string
	// Password is the run-as user's password, needed only when the API
	// registration has "User Password Required"; sent as pwd=[...].
	Password secret.Secret
	// APIVersion, when set, is sent as ?version= on every request (the
	// product defaults to 3.0; BeyondTrust's own client sends 3.1).
	APIVersion string
	// Timeout bounds each request; 0 means pam.DefaultTimeout. Ignored when
	// HTTPClient is set (its own Timeout applies).
	Timeout time.Duration
	// HTTPClient replaces the default instrumented client (pam.NewHTTPClient).
	// The client is copied, and given a cookie jar if it has none.
	HTTPClient *http.Client
	// RetryAfterCeiling caps a Retry-After the API asks for; 0 means
	// pam.DefaultRetryAfterCeiling.
	RetryAfterCeiling time.Duration
}

// validate lists every problem with the configuration at once (see
// pam.ConfigProblems). Messages never include secret values.
func (c Config) validate() (*url.URL, error) {
	var p pam.ConfigProblems
	p.CheckName(c.Name)
	base := p.CheckBaseURL(c.BaseURL, nil)
	switch key := c.APIKey.Reveal(); {
	case key == "":
		p.Add("api_key: missing")
	case strings.ContainsFunc(key, func(r rune) bool { return r == ';' || unicode.IsSpace(r) || unicode.IsControl(r) }):
		// A ";" would end the key inside the PS-Auth header.
		p.Add("api_key: contains \";\", white space or control characters")
	}
	switch {
	case strings.TrimSpace(c.RunAs) == "":
		p.Add("runas: missing")
	case strings.ContainsFunc(c.RunAs, func(r rune) bool { return r == ';' || unicode.IsControl(r) }):
		p.Add("runas: contains \";\" or control characters")
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
