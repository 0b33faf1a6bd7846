package threadfix

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/quell-dev/quell/internal/pam"
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
	// Timeout bounds each request; 0 means [pam.DefaultTimeout]. Ignored when
	// HTTPClient is set (its own Timeout applies).
	Timeout time.Duration
	// HTTPClient replaces the default instrumented client ([pam.NewHTTPClient]).
	// It is copied; Close does not close its idle connections, as the
	// transport may be shared with others.
	HTTPClient *http.Client
	// RetryAfterCeiling caps a Retry-After the API asks for; 0 means
	// [pam.DefaultRetryAfterCeiling].
	RetryAfterCeiling time.Duration
}

// validate lists every problem with the configuration at once (see
// [pam.ConfigProblems]). Messages never include the key.
func (c Config) validate() (*url.URL, error) {
	var p pam.ConfigProblems
	p.CheckName(c.Name)
	base := p.CheckBaseURL(c.BaseURL, parseBaseURL)
	switch key := c.APIKey.Reveal(); {
	case key == "":
		p.Add("api_key: missing")
	case strings.ContainsFunc(key, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }):
		// White space would split the Authorization value; a control
		// character could inject a header.
		p.Add("api_key: contains white space or control characters")
	}
	p.CheckDurations(c.Timeout, c.RetryAfterCeiling)
	if err := p.Err(Kind, c.Name); err != nil {
		return nil, err
	}
	return base, nil
}

// parseBaseURL checks the REST root as [pam.ParseBaseURL] does, and insists
// on a path after the host, where the API version lives. It insists on a
// version segment after "rest" only loosely (some path must follow the
// host): deployments put ThreadFix under other context paths than
// /threadfix.
func parseBaseURL(raw string) (*url.URL, error) {
	u, err := pam.ParseBaseURL(raw)
	if err != nil {
		return nil, err
	}
	if strings.Trim(u.Path, "/") == "" {
		return nil, errors.New("no path: want the REST root with its version, e.g. https://host:8443/threadfix/rest/latest")
	}
	return u, nil
}
