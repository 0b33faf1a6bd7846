package threadfix

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
const Kind = "threadfix"

// Config is one ThreadFix target.
type Config struct {
	// Name is the target's configured name (targets[].name).
	Name string
	// BaseURL is the REST root including the API version segment, e.g.
	// https://threadfix.example.com:8443/threadfix/rest/latest (the vendor
	// documentation uses "latest"; the vendor's Python client pins a version
	// such as v2.8.3). Quell appends "users/list" and so on, so the version is
	// chosen here and nowhere else. Plain http is accepted only for loopback
	// hosts (the simulator), because the API key travels in a header.
	BaseURL string
	// APIKey is the ThreadFix API key, sent as "Authorization: APIKEY <key>".
	// Its ThreadFix user needs the Manage Users permission, and the key must
	// not be a restricted key (those may only read).
	APIKey secret.Secret
	// Timeout bounds each request; 0 means pam.DefaultTimeout. Ignored when
	// HTTPClient is set (its own Timeout applies).
	Timeout time.Duration
	// HTTPClient replaces the default instrumented client (pam.NewHTTPClient).
	// It is copied; Close does not close its idle connections, as the
	// transport may be shared with others.
	HTTPClient *http.Client
	// RetryAfterCeiling caps a Retry-After the API asks for; 0 means
	// pam.DefaultRetryAfterCeiling.
	RetryAfterCeiling time.Duration
}

// validate lists every problem with the configuration at once, so an
// operator fixes them in one go. Messages never include the key.
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
	case strings.ContainsFunc(key, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }):
		// White space would split the Authorization value; a control
		// character could inject a header.
		add("api_key: contains white space or control characters")
	}
	if c.Timeout < 0 {
		add("timeout: negative")
	}
	if c.RetryAfterCeiling < 0 {
		add("retry_after_ceiling: negative")
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("threadfix target %q: invalid configuration: %s", c.Name, strings.Join(problems, "; "))
	}
	return base, nil
}

// parseBaseURL checks the REST root. It insists on a version segment after
// "rest" only loosely (some path must follow the host): deployments put
// ThreadFix under other context paths than /threadfix.
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
	case strings.Trim(u.Path, "/") == "":
		return nil, fmt.Errorf("no path: want the REST root with its version, e.g. https://host:8443/threadfix/rest/latest")
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
