package notify

import (
	"fmt"
	"net/url"
	"strings"

	"cel.dev/cel-go/cel"

	"github.com/quell-dev/quell/internal/secret"
)

// Kinds of destination.
const (
	KindSlack   = "slack"
	KindTeams   = "teams"
	KindWebhook = "webhook"
)

// DefaultWhen is a route's filter when none is configured: what needs a
// person (an action waiting for approval, or one that failed).
const DefaultWhen = `result.guard == "parked" || result.status == "failed"`

// RouteConfig describes one destination, with its secrets resolved.
type RouteConfig struct {
	Name string
	Kind string
	// URL is a secret: a Slack or Teams webhook URL is a credential.
	URL secret.Secret
	// SigningSecret is the whsec_ key of a webhook route.
	SigningSecret secret.Secret
	// When is a CEL expression over `result` (the ActionResult as JSON).
	When string
}

// Route is a compiled [RouteConfig].
type Route struct {
	cfg  RouteConfig
	when cel.Program
}

// Compile checks and compiles every route, listing every problem.
func Compile(cfgs []RouteConfig) ([]*Route, error) {
	env, err := cel.NewEnv(cel.Variable("result", cel.MapType(cel.StringType, cel.DynType)))
	if err != nil {
		return nil, fmt.Errorf("cel environment: %w", err)
	}
	var out []*Route
	var problems []string
	for i, c := range cfgs {
		path := fmt.Sprintf("notifications.routes[%d] (%s)", i, c.Name)
		r, err := compileRoute(env, c)
		if err != nil {
			problems = append(problems, path+": "+err.Error())
			continue
		}
		out = append(out, r)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("notifications:\n  %s", strings.Join(problems, "\n  "))
	}
	return out, nil
}

func compileRoute(env *cel.Env, c RouteConfig) (*Route, error) {
	switch c.Kind {
	case KindSlack, KindTeams:
	case KindWebhook:
		if c.SigningSecret.IsZero() {
			return nil, fmt.Errorf("kind webhook needs a signing secret (whsec_...)")
		}
	default:
		return nil, fmt.Errorf("kind %q: want %s, %s or %s", c.Kind, KindSlack, KindTeams, KindWebhook)
	}
	u, err := url.Parse(c.URL.Reveal())
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		// The URL is a secret: say what is wrong, never what it is.
		return nil, fmt.Errorf("url: not an http(s) URL with a host")
	}
	if c.When == "" {
		c.When = DefaultWhen
	}
	ast, iss := env.Compile(c.When)
	if iss.Err() != nil {
		return nil, fmt.Errorf("when: %w", iss.Err())
	}
	if ast.OutputType() != cel.BoolType && ast.OutputType() != cel.DynType {
		return nil, fmt.Errorf("when: must be a bool expression, is %s", ast.OutputType())
	}
	prg, err := env.Program(ast, cel.CostLimit(100_000))
	if err != nil {
		return nil, fmt.Errorf("when: %w", err)
	}
	return &Route{cfg: c, when: prg}, nil
}

// Name is the route's configured name.
func (r *Route) Name() string { return r.cfg.Name }

// Matches evaluates the route's filter on a result as JSON. An expression
// that fails on this result (a missing field) does not match.
func (r *Route) Matches(asMap map[string]any) bool {
	out, _, err := r.when.Eval(map[string]any{"result": asMap})
	if err != nil {
		return false
	}
	b, ok := out.Value().(bool)
	return ok && b
}
