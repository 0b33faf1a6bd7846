// Package safety holds the guards that stand between a policy and real
// people's accounts: protected accounts that are never acted on (the
// configured names and patterns, and every target's own service account),
// and the blast-radius limit that parks automated actions past N per
// window for an operator's approval, shared by every worker replica
// through JetStream KV.
package safety

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/config"
)

// Protected refuses actions on protected accounts; [Guard] asks it first.
type Protected struct {
	patterns []*glob
	// service maps a target to the account Quell signs in with there:
	// quarantining it would lock Quell out of that target.
	service map[string][]string
}

// New builds the guard from the configuration.
func New(s config.Safety, targets []config.Target) *Protected {
	p := &Protected{service: map[string][]string{}}
	for _, u := range s.Protected.Users {
		p.patterns = append(p.patterns, compileGlob(u))
	}
	for _, t := range targets {
		for _, v := range []string{t.Credentials["run_as"], t.Credentials["username"], t.ServiceAccount} {
			if v = strings.ToLower(v); v != "" {
				// CORP\quell-svc is also known as plain quell-svc.
				_, bare, _ := strings.Cut(v, `\`)
				p.service[t.Name] = append(p.service[t.Name], v, bare)
			}
		}
	}
	return p
}

// Check returns why a must not run, or "" when its user is not protected.
func (p *Protected) Check(_ context.Context, a actions.Action) (string, error) {
	names := identities(a.User)
	for _, svc := range p.service[a.Target] {
		for _, n := range names {
			if svc != "" && n == svc {
				return fmt.Sprintf("protected: %s is the service account Quell uses on %s", a.User, a.Target), nil
			}
		}
	}
	for _, g := range p.patterns {
		for _, n := range names {
			if g.re.MatchString(n) {
				return fmt.Sprintf("protected: %s matches safety.protected.users pattern %s", a.User, g.pattern), nil
			}
		}
	}
	return "", nil
}

// identities are the lower-cased forms a user may be named by.
func identities(u actions.UserRef) []string {
	var out []string
	add := func(s string) {
		if s != "" {
			out = append(out, strings.ToLower(s))
		}
	}
	add(u.Username)
	if u.Domain != "" && u.Username != "" {
		add(u.Domain + `\` + u.Username)
	}
	add(u.UPN)
	add(u.Email)
	return out
}

// glob is an account-name pattern: * matches any run of characters, ? one
// character, everything else itself, case-insensitively. Unlike [path.Match]
// it has no escapes and no separators, so DOMAIN\\svc-* means what it says.
type glob struct {
	pattern string
	re      *regexp.Regexp
}

func compileGlob(pattern string) *glob {
	var b strings.Builder
	b.WriteString("(?i)^")
	for _, r := range strings.TrimSpace(pattern) {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return &glob{pattern: strings.TrimSpace(pattern), re: regexp.MustCompile(b.String())}
}
