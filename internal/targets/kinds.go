package targets

import (
	"context"
	"net/http"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/config"
	"github.com/quell-dev/quell/internal/pam/beyondinsight"
	"github.com/quell-dev/quell/internal/pam/commvault"
	"github.com/quell-dev/quell/internal/pam/threadfix"
)

// closer is a target that signs out or releases connections on shutdown.
type closer interface {
	actions.Target
	Close(ctx context.Context) error
}

// kind is one target kind: what it supports and how to build it from its
// configuration. Adding a product is one entry here.
type kind struct {
	supports func(actions.Kind) bool
	build    func(t config.Target, c *credentials, hc *http.Client, retryAfterCeiling time.Duration) (closer, error)
}

var kinds = map[string]kind{
	beyondinsight.Kind: {beyondinsight.Supports, buildBeyondInsight},
	threadfix.Kind:     {threadfix.Supports, buildThreadFix},
	commvault.Kind:     {commvault.Supports, buildCommvault},
}

func buildBeyondInsight(t config.Target, c *credentials, hc *http.Client, ceiling time.Duration) (closer, error) {
	// Either the PS-Auth key (api_key, run_as, optional password) or an
	// Application user's OAuth client credentials (client_id and
	// client_secret); either OAuth key selects OAuth, which then needs
	// both and refuses the PS-Auth keys.
	_, hasID := c.raw["client_id"]
	_, hasSecret := c.raw["client_secret"]
	oauth := hasID || hasSecret
	if oauth {
		for _, k := range []string{"api_key", "run_as", "password"} {
			if _, ok := c.raw[k]; ok {
				c.problems = append(c.problems, c.path+"."+k+": not used with OAuth (set api_key and run_as, or client_id and client_secret, not both)")
			}
		}
	}
	cfg := beyondinsight.Config{
		Name: t.Name, BaseURL: t.BaseURL, HTTPClient: hc, RetryAfterCeiling: ceiling,
		APIKey: c.secret("api_key", !oauth), Password: c.secret("password", false),
		RunAs: c.plain("run_as", !oauth), APIVersion: c.plain("api_version", false),
		ClientID: c.plain("client_id", oauth), ClientSecret: c.secret("client_secret", oauth),
	}
	c.unknown("api_key", "password", "run_as", "client_id", "client_secret", "api_version")
	return beyondinsight.New(cfg)
}

func buildCommvault(t config.Target, c *credentials, hc *http.Client, ceiling time.Duration) (closer, error) {
	cfg := commvault.Config{Name: t.Name, BaseURL: t.BaseURL, HTTPClient: hc, RetryAfterCeiling: ceiling,
		Username: c.plain("username", true), Password: c.secret("password", true), DomainAliases: t.DomainAliases}
	c.unknown("username", "password")
	return commvault.New(cfg)
}

func buildThreadFix(t config.Target, c *credentials, hc *http.Client, ceiling time.Duration) (closer, error) {
	cfg := threadfix.Config{Name: t.Name, BaseURL: t.BaseURL, HTTPClient: hc, RetryAfterCeiling: ceiling,
		APIKey: c.secret("api_key", true)}
	c.unknown("api_key")
	return threadfix.New(cfg)
}
