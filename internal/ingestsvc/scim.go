package ingestsvc

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/api/auth"
	"github.com/quell-dev/quell/internal/config"
	"github.com/quell-dev/quell/internal/scim"
)

// scimMount returns what mounts /scim/v2 on the ingest's mux, or nil when
// ingest.scim is off. Only tokens with the scim scope may use it.
func scimMount(cfg *config.Config, js jetstream.JetStream, tokens []auth.Token, log *slog.Logger) (func(*http.ServeMux), error) {
	sc := cfg.Ingest.SCIM
	if !sc.Enabled {
		return nil, nil
	}
	h, err := scim.New(scim.Config{JS: js, Source: sc.Source, BaseURL: sc.BaseURL, MaxBody: cfg.Ingest.MaxBodyBytes,
		Logger: log, Authorize: scimAuthorizer(tokens)})
	if err != nil {
		return nil, err
	}
	return func(mux *http.ServeMux) { mux.Handle(scim.Prefix+"/", h) }, nil
}

func scimAuthorizer(tokens auth.Tokens) scim.Authorizer {
	return func(r *http.Request) (string, error) {
		t, err := tokens.Require(r, auth.SCIM)
		switch {
		case errors.Is(err, auth.ErrForbidden):
			return t.Name, scim.ErrForbidden
		case err != nil:
			return "", scim.ErrUnauthenticated
		}
		return t.Name, nil
	}
}

// mountAll runs every non-nil mount on the mux.
func mountAll(mounts ...func(*http.ServeMux)) func(*http.ServeMux) {
	return func(mux *http.ServeMux) {
		for _, m := range mounts {
			if m != nil {
				m(mux)
			}
		}
	}
}
