package config

// TargetKindsByName maps each target's name to its kind, as the policy
// and the ingest look targets up.
func TargetKindsByName(ts []Target) map[string]string {
	m := make(map[string]string, len(ts))
	for _, t := range ts {
		m[t.Name] = t.Kind
	}
	return m
}

// DryRunTargets maps each target's name to its dry_run setting.
func (c *Config) DryRunTargets() map[string]bool {
	m := map[string]bool{}
	for _, t := range c.Targets {
		m[t.Name] = t.DryRun
	}
	return m
}

// SecretTargets maps each target's name to whether it has
// secret_recipients, without which a rotated secret could not be delivered.
func (c *Config) SecretTargets() map[string]bool {
	m := map[string]bool{}
	for _, t := range c.Targets {
		m[t.Name] = len(t.SecretRecipients) > 0
	}
	return m
}
