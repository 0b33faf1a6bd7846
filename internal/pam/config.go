package pam

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ParseBaseURL checks a target's API root: an absolute https URL with a
// host and without user info, query or fragment. Plain http is accepted
// only for a loopback host (a simulator on this machine), because
// credentials travel in every request. The URL is returned without a
// trailing slash, so that a client appends "/" and a relative path.
//
// The errors are short phrases ("missing", "no host") meant to follow
// "base_url: " in a configuration problem; they never repeat the URL,
// which could hold a password in its user info.
func ParseBaseURL(raw string) (*url.URL, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, errors.New("missing")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("not a URL")
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, errors.New("scheme must be https")
	case u.Host == "":
		return nil, errors.New("no host")
	case u.User != nil:
		return nil, errors.New("must not contain user info")
	case u.RawQuery != "" || u.Fragment != "":
		return nil, errors.New("must not contain a query or fragment")
	case u.Scheme == "http" && !IsLoopback(u.Hostname()):
		return nil, errors.New("plain http is allowed only for loopback hosts; use https")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// IsLoopback reports whether host (a URL's Hostname, without port or
// brackets) is "localhost" or a loopback IP address.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ConfigProblems collects every problem with one target's configuration,
// so that New reports them all at once and an operator fixes them in one
// go. The zero value is ready to use. A client's validation reads:
//
//	var p pam.ConfigProblems
//	p.CheckName(c.Name)
//	base := p.CheckBaseURL(c.BaseURL, nil)
//	... the vendor's own fields, with p.Add ...
//	p.CheckDurations(c.Timeout, c.RetryAfterCeiling)
//	return base, p.Err(Kind, c.Name)
//
// Each problem names the setting as the configuration file spells it
// ("api_key: missing") and never a secret's value.
type ConfigProblems struct {
	problems []string
}

// Add records one problem, formatted as with [fmt.Sprintf].
func (p *ConfigProblems) Add(format string, args ...any) {
	p.problems = append(p.problems, fmt.Sprintf(format, args...))
}

// CheckName records "name: missing" when the target has no name.
func (p *ConfigProblems) CheckName(name string) {
	if strings.TrimSpace(name) == "" {
		p.Add("name: missing")
	}
}

// CheckBaseURL parses raw with parse ([ParseBaseURL] when nil; a vendor
// with further rules wraps it), records its error as a base_url problem,
// and returns the URL, nil when it is not usable.
func (p *ConfigProblems) CheckBaseURL(raw string, parse func(string) (*url.URL, error)) *url.URL {
	if parse == nil {
		parse = ParseBaseURL
	}
	u, err := parse(raw)
	if err != nil {
		p.Add("base_url: %v", err)
		return nil
	}
	return u
}

// CheckDurations records a negative timeout or retry_after_ceiling (zero
// means the default, [DefaultTimeout] or [DefaultRetryAfterCeiling]).
func (p *ConfigProblems) CheckDurations(timeout, retryAfterCeiling time.Duration) {
	if timeout < 0 {
		p.Add("timeout: negative")
	}
	if retryAfterCeiling < 0 {
		p.Add("retry_after_ceiling: negative")
	}
}

// Err is nil when nothing was recorded, else one error listing every
// problem in the order found: `<kind> target "<name>": invalid
// configuration: <problem>; <problem>`.
func (p *ConfigProblems) Err(kind, name string) error {
	if len(p.problems) == 0 {
		return nil
	}
	return fmt.Errorf("%s target %q: invalid configuration: %s", kind, name, strings.Join(p.problems, "; "))
}

// ClientFor returns the *[http.Client] a target client sends with: a shallow
// copy of given when the configuration supplies one (so that a client
// setting its own cookie jar does not touch the caller's), else a new one
// from [NewHTTPClient] for target with timeout. owned reports the latter:
// only an owned client's idle connections may be closed by the target's
// Close, as a given client's transport may be shared with others.
func ClientFor(given *http.Client, target string, timeout time.Duration) (hc *http.Client, owned bool) {
	if given != nil {
		c := *given
		return &c, false
	}
	return NewHTTPClient(target, timeout), true
}
