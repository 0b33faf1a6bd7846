// Package targets builds the configured targets: it maps each target kind
// of the configuration onto its client in internal/pam/<vendor>, resolving
// credential references, and answers which actions each kind supports.
package targets

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/config"
	"github.com/quell-dev/quell/internal/pam"
	"github.com/quell-dev/quell/internal/secret"
)

// Supports reports whether a target kind can carry out k.
func Supports(targetKind string, k actions.Kind) bool {
	kind, ok := kinds[targetKind]
	return ok && kind.supports(k)
}

// Kinds lists the target kinds this build knows, sorted.
func Kinds() []string {
	out := make([]string, 0, len(kinds))
	for k := range kinds {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Set is the built targets by name, and how to close them.
type Set struct {
	Targets  map[string]actions.Target
	closers  []func(context.Context) error
	circuits map[string]*guarded
}

// CircuitStates reports each target's circuit: closed, half-open or open.
func (s *Set) CircuitStates() map[string]string {
	m := make(map[string]string, len(s.circuits))
	for name, g := range s.circuits {
		m[name] = g.CircuitState()
	}
	return m
}

// Close signs out of every target.
func (s *Set) Close(ctx context.Context) error {
	var errs []error
	for _, c := range s.closers {
		errs = append(errs, c(ctx))
	}
	return errors.Join(errs...)
}

// Names maps each target's name to its kind.
func Names(cfgs []config.Target) map[string]string {
	m := make(map[string]string, len(cfgs))
	for _, t := range cfgs {
		m[t.Name] = t.Kind
	}
	return m
}

// Build constructs every target, listing every problem by config path.
// Each gets an HTTP client held to its limits and a circuit breaker.
func Build(cfgs []config.Target, retryAfterCeiling time.Duration, log *slog.Logger) (*Set, error) {
	set := &Set{Targets: map[string]actions.Target{}, circuits: map[string]*guarded{}}
	var problems []string
	for i, t := range cfgs {
		path := fmt.Sprintf("targets[%d]", i)
		kind, ok := kinds[t.Kind]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s.kind: %q is not supported (want one of %s)", path, t.Kind, strings.Join(Kinds(), ", ")))
			continue
		}
		creds := &credentials{path: path + ".credentials", raw: t.Credentials}
		hc := pam.NewHTTPClient(t.Name, t.Timeout)
		hc.Transport = limit(hc.Transport, t.Limits)
		c, err := kind.build(t, creds, hc, retryAfterCeiling)
		problems = append(problems, creds.problems...)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", path, err))
			continue
		}
		if len(creds.problems) == 0 {
			set.add(c, t, log)
			set.closers = append(set.closers, c.Close, func(context.Context) error { hc.CloseIdleConnections(); return nil })
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("targets:\n  %s", strings.Join(problems, "\n  "))
	}
	return set, nil
}

func (s *Set) add(t actions.Target, cfg config.Target, log *slog.Logger) {
	g := guard(t, cfg.Circuit, log)
	s.Targets[cfg.Name] = g
	s.circuits[cfg.Name] = g
}

// credentials reads a target's credentials map, collecting problems.
type credentials struct {
	path     string
	raw      map[string]string
	problems []string
}

func (c *credentials) secret(key string, required bool) secret.Secret {
	ref, ok := c.raw[key]
	if !ok || ref == "" {
		if required {
			c.problems = append(c.problems, fmt.Sprintf("%s.%s: missing", c.path, key))
		}
		return secret.Secret{}
	}
	s, err := config.Resolve(c.path+"."+key, secret.Ref(ref))
	if err != nil {
		c.problems = append(c.problems, err.Error())
	}
	return s
}

func (c *credentials) plain(key string, required bool) string {
	v := c.raw[key]
	if v == "" && required {
		c.problems = append(c.problems, fmt.Sprintf("%s.%s: missing", c.path, key))
	}
	return v
}

func (c *credentials) unknown(known ...string) {
	var extra []string
	for k := range c.raw {
		found := false
		for _, kk := range known {
			found = found || k == kk
		}
		if !found {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		c.problems = append(c.problems, fmt.Sprintf("%s.%s: unknown key (want %s)", c.path, k, strings.Join(known, ", ")))
	}
}
