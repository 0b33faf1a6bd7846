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
	cfg := beyondinsight.Config{
		Name: t.Name, BaseURL: t.BaseURL, HTTPClient: hc, RetryAfterCeiling: ceiling,
		APIKey: c.secret("api_key", true), Password: c.secret("password", false),
		RunAs: c.plain("run_as", true), APIVersion: c.plain("api_version", false),
	}
	c.unknown("api_key", "password", "run_as", "api_version")
	return beyondinsight.New(cfg)
}

func buildCommvault(t config.Target, c *credentials, hc *http.Client, ceiling time.Duration) (closer, error) {
	cfg := commvault.Config{Name: t.Name, BaseURL: t.BaseURL, HTTPClient: hc, RetryAfterCeiling: ceiling,
		Username: c.plain("username", true), Password: c.secret("password", true)}
	c.unknown("username", "password")
	return commvault.New(cfg)
}

func buildThreadFix(t config.Target, c *credentials, hc *http.Client, ceiling time.Duration) (closer, error) {
	cfg := threadfix.Config{Name: t.Name, BaseURL: t.BaseURL, HTTPClient: hc, RetryAfterCeiling: ceiling,
		APIKey: c.secret("api_key", true)}
	c.unknown("api_key")
	return threadfix.New(cfg)
}
