package beyondinsight

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

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

// validate lists every problem with the configuration at once, so an
// operator fixes them in one go. Messages never include secret values.
func (c Config) validate() (*url.URL, error) {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	if strings.TrimSpace(c.Name) == "" {
		add("name: missing")
	}
	base, err := parseBaseURL(c.BaseURL)
	if err != nil {
		add("base_url: %v", err)
	}
	switch key := c.APIKey.Reveal(); {
	case key == "":
		add("api_key: missing")
	case strings.ContainsFunc(key, func(r rune) bool { return r == ';' || unicode.IsSpace(r) || unicode.IsControl(r) }):
		// A ";" would end the key inside the PS-Auth header.
		add("api_key: contains \";\", white space or control characters")
	}
	switch {
	case strings.TrimSpace(c.RunAs) == "":
		add("runas: missing")
	case strings.ContainsFunc(c.RunAs, func(r rune) bool { return r == ';' || unicode.IsControl(r) }):
		add("runas: contains \";\" or control characters")
	}
	if strings.ContainsFunc(c.Password.Reveal(), unicode.IsControl) {
		add("password: contains control characters")
	}
	if strings.ContainsFunc(c.APIVersion, func(r rune) bool { return !(r == '.' || unicode.IsDigit(r)) }) {
		add("api_version: %q is not a version such as 3.1", c.APIVersion)
	}
	if c.Timeout < 0 {
		add("timeout: negative")
	}
	if c.RetryAfterCeiling < 0 {
		add("retry_after_ceiling: negative")
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("beyondinsight target %q: invalid configuration: %s", c.Name, strings.Join(problems, "; "))
	}
	return base, nil
}

func parseBaseURL(raw string) (*url.URL, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, fmt.Errorf("missing")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("not a URL")
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, fmt.Errorf("scheme must be https")
	case u.Host == "":
		return nil, fmt.Errorf("no host")
	case u.User != nil:
		return nil, fmt.Errorf("must not contain user info")
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("must not contain a query or fragment")
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return nil, fmt.Errorf("plain http is allowed only for loopback hosts; use https")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
