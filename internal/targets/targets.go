// Package targets builds the configured targets: it maps each target kind
// of the configuration onto its client in internal/pam/<vendor>, resolving
// credential references. It is the only package that links the vendor
// clients; what each kind supports and which credentials it takes are data
// in internal/capability.
package targets

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/config"
	"github.com/quell-dev/quell/internal/pam"
)

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

// Build constructs every target, listing every problem by config path.
// Each gets an HTTP client held to its limits and a circuit breaker.
func Build(cfgs []config.Target, retryAfterCeiling time.Duration, log *slog.Logger) (*Set, error) {
	set := &Set{Targets: map[string]actions.Target{}, circuits: map[string]*guarded{}}
	var problems []string
	for i, t := range cfgs {
		path := fmt.Sprintf("targets[%d]", i)
		secrets, credProblems := config.TargetCredentials(path, t)
		problems = append(problems, credProblems...)
		build, ok := builders[t.Kind]
		if !ok {
			continue // an unknown kind, which capability has reported
		}
		hc := pam.NewHTTPClient(t.Name, t.Timeout)
		hc.Transport = limit(hc.Transport, t.Limits)
		c, err := build(t, secrets, hc, retryAfterCeiling)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", path, err))
			continue
		}
		if len(credProblems) == 0 {
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
