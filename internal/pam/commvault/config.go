package commvault

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
const Kind = "commvault"

// Config is one Commvault target.
type Config struct {
	// Name is the target's configured name (targets[].name).
	Name string
	// BaseURL is the web-service root, e.g.
	// https://cv.example.com/webconsole/api (or .../commandcenter/api).
	// Plain http is accepted only for loopback hosts (the simulator),
	// because the password and the Authtoken travel over it.
	BaseURL string
	// Username is the Commvault user Quell logs in as; a directory user is
	// written DOMAIN\user and sent as the login's domain and username.
	Username string
	// Password is that user's password. It is sent Base64-encoded in the
	// login body, as the API requires, and nowhere else.
	Password secret.Secret
	// Timeout bounds each request; 0 means pam.DefaultTimeout. Ignored when
	// HTTPClient is set (its own Timeout applies).
	Timeout time.Duration
	// HTTPClient replaces the default instrumented client (pam.NewHTTPClient).
	HTTPClient *http.Client
	// RetryAfterCeiling caps a Retry-After the API asks for; 0 means
	// pam.DefaultRetryAfterCeiling.
	RetryAfterCeiling time.Duration
}

// validate lists every problem with the configuration at once, so an
// operator fixes them in one go. Messages never include the password.
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
	switch {
	case strings.TrimSpace(c.Username) == "":
		add("username: missing")
	case strings.ContainsFunc(c.Username, unicode.IsControl):
		add("username: contains control characters")
	case strings.Count(c.Username, `\`) > 1 || strings.HasPrefix(c.Username, `\`) || strings.HasSuffix(c.Username, `\`):
		add(`username: want user or DOMAIN\user`)
	}
	if c.Password.IsZero() {
		add("password: missing")
	}
	if c.Timeout < 0 {
		add("timeout: negative")
	}
	if c.RetryAfterCeiling < 0 {
		add("retry_after_ceiling: negative")
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("commvault target %q: invalid configuration: %s", c.Name, strings.Join(problems, "; "))
	}
	return base, nil
}

// loginNames splits Username into the login body's domain and username.
func (c Config) loginNames() (domain, user string) {
	if d, u, ok := strings.Cut(c.Username, `\`); ok {
		return d, u
	}
	return "", c.Username
}

// parseBaseURL accepts an absolute https URL (http on loopback only) with
// no user info, query or fragment, and drops a trailing slash.
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
