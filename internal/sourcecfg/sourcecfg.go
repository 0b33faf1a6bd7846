package sourcecfg

import (
	"fmt"
	"strings"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/quell-dev/quell/internal/config"
	"github.com/quell-dev/quell/internal/ingest"
	"github.com/quell-dev/quell/internal/secret"
	"github.com/quell-dev/quell/internal/sourceauth"
	"github.com/quell-dev/quell/internal/sources"
)

// BuildSources builds each configured source's verifier and parser,
// listing every problem by path.
func BuildSources(cfg *config.Config) ([]ingest.Source, error) {
	var out []ingest.Source
	var problems []string
	for i, s := range cfg.Sources {
		path := fmt.Sprintf("sources[%d]", i)
		var secrets []secret.Secret
		for j, ref := range s.Auth.Secrets {
			sec, err := config.Resolve(fmt.Sprintf("%s.auth.secrets[%d]", path, j), ref)
			if err != nil {
				problems = append(problems, err.Error())
				continue
			}
			secrets = append(secrets, sec)
		}
		a := s.Auth
		v, err := sourceauth.New(sourceauth.Config{Scheme: a.Scheme, Secrets: secrets, Username: a.Username, Tolerance: a.Tolerance,
			Header: a.Header, Prefix: a.Prefix, Encoding: a.Encoding, Signed: a.Signed, TimestampHeader: a.TimestampHeader, IDHeader: a.IDHeader})
		if err != nil && len(secrets) == len(s.Auth.Secrets) {
			problems = append(problems, fmt.Sprintf("%s.auth: %s", path, strings.ReplaceAll(err.Error(), "\n", "; ")))
		}
		src := ingest.Source{Name: s.Name, Kind: s.Kind, Verifier: v}
		parser, err := sources.New(s.Kind, s.Name, s.Mapping)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s.%v", path, err))
		}
		switch p := parser.(type) {
		case sources.Parser:
			src.Parser = p
		case sources.HRParser:
			src.HRParser = p
		}
		out = append(out, src)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("sources:\n  %s", strings.Join(problems, "\n  "))
	}
	return out, nil
}

// ParsePayload turns a sender's payload into the events the ingest would
// store for the source named source, without publishing anything; quellctl
// policy test uses it.
func ParsePayload(cfg *config.Config, source string, body []byte, now time.Time) ([]cloudevents.Event, error) {
	srcs, err := BuildSources(cfg)
	if err != nil {
		return nil, err
	}
	for _, s := range srcs {
		if s.Name == source {
			return ingest.Normalize(s, body, "policy-test", now)
		}
	}
	return nil, fmt.Errorf("no source %q in the configuration", source)
}
