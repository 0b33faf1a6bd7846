package commvault

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
	// DomainAliases (targets[].domain_aliases) maps a domain's name as
	// Commvault writes it in DOMAIN\user to the other names signals may
	// give it, e.g. {"CORP": {"corp.example.com"}}: a reference in any of
	// them matches that domain's users (see domains.go).
	DomainAliases map[string][]string
}

// validate lists every problem with the configuration at once (see
// [pam.ConfigProblems]). Messages never include the password.
func (c Config) validate() (*url.URL, error) {
	var p pam.ConfigProblems
	p.CheckName(c.Name)
	base := p.CheckBaseURL(c.BaseURL, nil)
	switch {
	case strings.TrimSpace(c.Username) == "":
		p.Add("username: missing")
	case strings.ContainsFunc(c.Username, unicode.IsControl):
		p.Add("username: contains control characters")
	case strings.Count(c.Username, `\`) > 1 || strings.HasPrefix(c.Username, `\`) || strings.HasSuffix(c.Username, `\`):
		p.Add(`username: want user or DOMAIN\user`)
	}
	if c.Password.IsZero() {
		p.Add("password: missing")
	}
	p.CheckDurations(c.Timeout, c.RetryAfterCeiling)
	for _, msg := range domainProblems(c.DomainAliases) {
		p.Add("domain_aliases: %s", msg)
	}
	if err := p.Err(Kind, c.Name); err != nil {
		return nil, err
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
