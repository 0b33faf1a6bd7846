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
	"github.com/quell-dev/quell/internal/secret"
)

// closer is a target that signs out or releases connections on shutdown.
type closer interface {
	actions.Target
	Close(ctx context.Context) error
}

// builder builds one target kind's client from its configuration, once
// capability has checked its credentials.
type builder func(t config.Target, secrets map[string]secret.Secret, hc *http.Client, retryAfterCeiling time.Duration) (closer, error)

// builders has one entry per kind of internal/capability: adding a product
// is one entry there, one here and its package in internal/pam.
var builders = map[string]builder{
	beyondinsight.Kind: buildBeyondInsight,
	threadfix.Kind:     buildThreadFix,
	commvault.Kind:     buildCommvault,
}

// buildBeyondInsight passes every key given: capability has refused a mix
// of PS-Auth and OAuth keys, and the client refuses it again.
func buildBeyondInsight(t config.Target, secrets map[string]secret.Secret, hc *http.Client, ceiling time.Duration) (closer, error) {
	return beyondinsight.New(beyondinsight.Config{
		Name: t.Name, BaseURL: t.BaseURL, HTTPClient: hc, RetryAfterCeiling: ceiling,
		APIKey: secrets["api_key"], Password: secrets["password"],
		RunAs: t.Credentials["run_as"], APIVersion: t.Credentials["api_version"],
		ClientID: t.Credentials["client_id"], ClientSecret: secrets["client_secret"],
	})
}

func buildCommvault(t config.Target, secrets map[string]secret.Secret, hc *http.Client, ceiling time.Duration) (closer, error) {
	return commvault.New(commvault.Config{Name: t.Name, BaseURL: t.BaseURL, HTTPClient: hc, RetryAfterCeiling: ceiling,
		Username: t.Credentials["username"], Password: secrets["password"], DomainAliases: t.DomainAliases})
}

func buildThreadFix(t config.Target, secrets map[string]secret.Secret, hc *http.Client, ceiling time.Duration) (closer, error) {
	return threadfix.New(threadfix.Config{Name: t.Name, BaseURL: t.BaseURL, HTTPClient: hc, RetryAfterCeiling: ceiling,
		APIKey: secrets["api_key"]})
}
