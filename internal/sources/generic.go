package sources

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"cel.dev/cel-go/cel"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/events"
)

// ErrMalformed is wrapped by every parse error: the payload is not what
// the source kind expects.
var ErrMalformed = errors.New("malformed payload")

// Fields a generic mapping may set, each a CEL expression over `payload`.
var mappingFields = []string{"username", "domain", "email", "upn", "object_id", "employee_id",
	"severity", "title", "rule", "id", "link"}

// defaultPaths are tried, in order, for a field the mapping does not set.
var defaultPaths = map[string][]string{
	"username":    {"user.username", "user.name", "username", "user_name", "user"},
	"domain":      {"user.domain", "domain"},
	"email":       {"user.email", "email"},
	"upn":         {"user.upn", "upn", "userPrincipalName"},
	"object_id":   {"user.object_id", "user.id"},
	"employee_id": {"user.employee_id", "employee_id"},
	"severity":    {"severity", "risk_score", "priority"},
	"title":       {"title", "name", "message"},
	"rule":        {"rule", "rule_name", "search_name"},
	"id":          {"id", "alert_id", "event_id"},
	"link":        {"link", "url", "results_link"},
}

// Generic parses any JSON object (or array of objects) with an optional
// per-source mapping of normalized fields to CEL expressions.
type Generic struct {
	name    string
	mapping map[string]cel.Program
}

// NewGeneric compiles the mapping; errors name the field and the position.
func NewGeneric(sourceName string, mapping map[string]string) (*Generic, error) {
	prgs, err := compileMapping(mapping, mappingFields)
	if err != nil {
		return nil, err
	}
	return &Generic{name: sourceName, mapping: prgs}, nil
}

// compileMapping compiles each field's CEL expression over `payload`,
// refusing fields not in allowed; every problem is listed, by field.
func compileMapping(mapping map[string]string, allowed []string) (map[string]cel.Program, error) {
	env, err := cel.NewEnv(cel.Variable("payload", cel.DynType))
	if err != nil {
		return nil, err
	}
	prgs := map[string]cel.Program{}
	var problems []string
	for field, expr := range mapping {
		if !contains(allowed, field) {
			problems = append(problems, fmt.Sprintf("mapping.%s: unknown field (want one of %s)", field, strings.Join(allowed, ", ")))
			continue
		}
		ast, iss := env.Compile(expr)
		if iss != nil && iss.Err() != nil {
			problems = append(problems, fmt.Sprintf("mapping.%s: %v", field, iss.Err()))
			continue
		}
		prg, err := env.Program(ast, cel.CostLimit(10_000))
		if err != nil {
			problems = append(problems, fmt.Sprintf("mapping.%s: %v", field, err))
			continue
		}
		prgs[field] = prg
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, errors.New(strings.Join(problems, "; "))
	}
	return prgs, nil
}

// Parse returns one alert per object in body.
func (g *Generic) Parse(body []byte) ([]events.Alert, error) {
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("%w: not JSON: %v", ErrMalformed, err)
	}
	items, isArray := doc.([]any)
	if !isArray {
		items = []any{doc}
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("%w: empty array", ErrMalformed)
	}
	alerts := make([]events.Alert, 0, len(items))
	for i, item := range items {
		obj, ok := item.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: item %d is not a JSON object", ErrMalformed, i)
		}
		a, err := g.parseOne(obj)
		if err != nil {
			if len(items) > 1 {
				return nil, fmt.Errorf("item %d: %w", i, err)
			}
			return nil, err
		}
		a.Raw = rawOf(body, obj, len(items) == 1 && !isArray)
		alerts = append(alerts, a)
	}
	return alerts, nil
}

func (g *Generic) parseOne(obj map[string]any) (events.Alert, error) {
	get := func(field string) any { return g.field(obj, field) }
	user := actions.UserRef{
		Username: str(get("username")), Domain: str(get("domain")), Email: str(get("email")),
		UPN: str(get("upn")), ObjectID: str(get("object_id")), EmployeeID: str(get("employee_id")),
	}
	if strings.Contains(user.Username, `\`) && user.Domain == "" {
		user.Domain, user.Username, _ = strings.Cut(user.Username, `\`)
	}
	if user.IsZero() {
		return events.Alert{}, fmt.Errorf("%w: no user identity: tried %s", ErrMalformed, g.tried())
	}
	sev, orig := NormalizeSeverity(get("severity"))
	a := events.Alert{
		SourceKind: "generic", SourceName: g.name, SourceEventID: str(get("id")),
		Title: str(get("title")), Rule: str(get("rule")), Severity: sev, SeverityOriginal: orig, User: user,
	}
	if l := str(get("link")); l != "" {
		a.Links = []string{l}
	}
	return a, nil
}

// rawOf keeps the sender's bytes for a single-object payload (already
// verified JSON: no need to encode it again) and encodes array items.
func rawOf(body []byte, obj map[string]any, whole bool) json.RawMessage {
	if whole {
		return json.RawMessage(body)
	}
	raw, _ := json.Marshal(obj)
	return raw
}

// field evaluates the mapping for field, or tries the default paths.
func (g *Generic) field(obj map[string]any, field string) any {
	if prg, ok := g.mapping[field]; ok {
		out, _, err := prg.Eval(map[string]any{"payload": obj})
		if err != nil {
			return nil
		}
		return out.Value()
	}
	for _, p := range defaultPaths[field] {
		if v := lookup(obj, p); v != nil {
			if _, isMap := v.(map[string]any); !isMap {
				return v
			}
		}
	}
	return nil
}

func (g *Generic) tried() string {
	var tried []string
	for _, f := range []string{"username", "domain", "email", "upn", "object_id", "employee_id"} {
		if _, ok := g.mapping[f]; ok {
			tried = append(tried, "mapping."+f)
			continue
		}
		tried = append(tried, defaultPaths[f]...)
	}
	return strings.Join(tried, ", ")
}

// lookup follows a dotted path; a key that itself contains dots (as in
// Elastic's flattened "user.name") is found too.
func lookup(obj map[string]any, path string) any {
	if v, ok := obj[path]; ok {
		return v
	}
	head, rest, found := strings.Cut(path, ".")
	if !found {
		return nil
	}
	next, ok := obj[head].(map[string]any)
	if !ok {
		return nil
	}
	return lookup(next, rest)
}

func str(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(t)
	case float64:
		return strings.TrimSuffix(fmt.Sprintf("%f", t), ".000000")
	default:
		return strings.TrimSpace(fmt.Sprint(t))
	}
}

func contains(set []string, s string) bool {
	for _, v := range set {
		if v == s {
			return true
		}
	}
	return false
}
