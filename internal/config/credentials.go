package config

import (
	"fmt"
	"strings"

	"github.com/quell-dev/quell/internal/capability"
	"github.com/quell-dev/quell/internal/secret"
)

// TargetCredentials checks the kind and credentials of the target t at
// path (e.g. "targets[0]") against [capability.CheckTarget], resolving
// each secret reference given, and returns the resolved secrets by key
// with every problem. It builds no client, so quellctl can check targets
// without linking vendor code.
func TargetCredentials(path string, t Target) (map[string]secret.Secret, []string) {
	secrets := map[string]secret.Secret{}
	problems := capability.CheckTarget(path, t.Kind, t.Credentials, func(key, ref string) error {
		s, err := Resolve(path+".credentials."+key, secret.Ref(ref))
		secrets[key] = s
		return err
	})
	return secrets, problems
}

// CheckTargets lists the problems of every target's kind and credentials
// (see [TargetCredentials]), in the form internal/targets reports them.
func (c *Config) CheckTargets() error {
	var problems []string
	for i, t := range c.Targets {
		_, p := TargetCredentials(fmt.Sprintf("targets[%d]", i), t)
		problems = append(problems, p...)
	}
	if len(problems) > 0 {
		return fmt.Errorf("targets:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}
