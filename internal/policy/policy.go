// Package policy decides what to do about an event: CEL rules from the
// configuration, type-checked at start-up, each a `when` condition over the
// event and one or more actions whose user and parameters are CEL
// expressions. Plan is pure: the same event and rules always give the same
// action ids, so a redelivered event plans nothing new.
package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/config"
	"github.com/quell-dev/quell/internal/events"
)

// Supports reports whether a target kind can carry out an action kind.
type Supports func(targetKind string, k actions.Kind) bool

// Engine evaluates compiled rules. It is immutable once compiled and safe
// for concurrent use.
type Engine struct {
	rules []rule
	// dryRun makes every planned action a dry run (safety.dry_run).
	dryRun bool
}

// Option configures an [Engine] at [Compile].
type Option func(*Engine)

// WithDryRun makes every action the engine plans a dry run when on
// (safety.dry_run).
func WithDryRun(on bool) Option { return func(e *Engine) { e.dryRun = on } }

type rule struct {
	name    string
	when    cel.Program
	actions []ruleAction
	dryRun  bool
}

type ruleAction struct {
	kind   actions.Kind
	target string
	dryRun bool
	// onlyIfExists is set on actions fanned out to every target: a user
	// without an account there is skipped, not failed.
	onlyIfExists bool
	user         cel.Program
	params       map[string]cel.Program
	reason       string
}

// costLimit bounds one expression's evaluation, so a rule cannot stall the planner.
const costLimit = 100_000

func newEnv() (*cel.Env, error) {
	return cel.NewEnv(
		cel.Variable("event", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("data", cel.DynType),
	)
}

// Compile type-checks every rule and returns all problems at once, each
// naming the rule and the position in the expression.
func Compile(p config.Policy, targets []config.Target, supports Supports, opts ...Option) (*Engine, error) {
	env, err := newEnv()
	if err != nil {
		return nil, fmt.Errorf("cel environment: %w", err)
	}
	kinds := map[string]config.Target{}
	for _, t := range targets {
		kinds[t.Name] = t
	}
	var problems []string
	e := &Engine{}
	for _, o := range opts {
		o(e)
	}
	for i, r := range p.Rules {
		path := fmt.Sprintf("policy.rules[%d] (%s)", i, r.Name)
		cr := rule{name: r.Name, dryRun: r.DryRun}
		cr.when = compile(env, r.When, cel.BoolType, path+".when", &problems)
		for j, a := range r.Actions {
			apath := fmt.Sprintf("%s.actions[%d]", path, j)
			ca := ruleAction{reason: a.Reason, params: map[string]cel.Program{}}
			kind, err := actions.ParseKind(a.Action)
			if err != nil {
				problems = append(problems, apath+".action: "+err.Error())
			}
			ca.kind = kind
			ca.user = compile(env, a.User, nil, apath+".user", &problems)
			for k, expr := range a.Params {
				ca.params[k] = compile(env, expr, nil, apath+".params."+k, &problems)
			}
			if a.Target == "*" {
				cr.actions = append(cr.actions, fanOut(ca, targets, supports)...)
				continue
			}
			if t, ok := kinds[a.Target]; !ok {
				problems = append(problems, fmt.Sprintf("%s.target: %q is not a configured target", apath, a.Target))
			} else if err == nil && supports != nil && !supports(t.Kind, kind) {
				problems = append(problems, fmt.Sprintf("%s: target %s (%s) cannot %s", apath, t.Name, t.Kind, kind))
			} else {
				ca.target, ca.dryRun = t.Name, t.DryRun
			}
			cr.actions = append(cr.actions, ca)
		}
		e.rules = append(e.rules, cr)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("invalid policy:\n  %s", strings.Join(problems, "\n  "))
	}
	return e, nil
}

// fanOut expands target "*" into one action per configured target that
// can carry it out (for a rotation: that also has a secret recipient). On
// those, a user without an account is not a failure: it is skipped.
func fanOut(ca ruleAction, targets []config.Target, supports Supports) []ruleAction {
	var out []ruleAction
	for _, t := range targets {
		if supports != nil && !supports(t.Kind, ca.kind) {
			continue
		}
		if ca.kind == actions.RotateClientSecret && len(t.SecretRecipients) == 0 {
			continue
		}
		one := ca
		one.target, one.dryRun, one.onlyIfExists = t.Name, t.DryRun, true
		out = append(out, one)
	}
	return out
}

func compile(env *cel.Env, expr string, want *cel.Type, path string, problems *[]string) cel.Program {
	ast, iss := env.Compile(expr)
	if iss != nil && iss.Err() != nil {
		*problems = append(*problems, path+": "+iss.Err().Error())
		return nil
	}
	if want != nil && !ast.OutputType().IsExactType(want) && !ast.OutputType().IsExactType(cel.DynType) {
		*problems = append(*problems, fmt.Sprintf("%s: must be %s, is %s", path, want, ast.OutputType()))
		return nil
	}
	prg, err := env.Program(ast, cel.CostLimit(costLimit))
	if err != nil {
		*problems = append(*problems, path+": "+err.Error())
		return nil
	}
	return prg
}

// RuleResult is what one rule made of an event.
type RuleResult struct {
	Rule    string
	Matched bool
	Actions []actions.Action
	// Errors are evaluation problems: a `when` that failed (counted as not
	// matched) or an action whose user or params could not be evaluated.
	Errors []string
}

// Plan evaluates every rule against ev.
func (e *Engine) Plan(ev cloudevents.Event, now time.Time) ([]RuleResult, error) {
	vars, err := activation(ev)
	if err != nil {
		return nil, err
	}
	results := make([]RuleResult, 0, len(e.rules))
	for _, r := range e.rules {
		results = append(results, e.plan(r, ev, vars, now))
	}
	return results, nil
}

func (e *Engine) plan(r rule, ev cloudevents.Event, vars map[string]any, now time.Time) RuleResult {
	res := RuleResult{Rule: r.name}
	out, _, err := r.when.Eval(vars)
	if err != nil {
		res.Errors = append(res.Errors, "when: "+err.Error())
		return res
	}
	matched, ok := out.Value().(bool)
	if !ok {
		res.Errors = append(res.Errors, fmt.Sprintf("when: gave %s, not a bool (counted as no match)", out.Type().TypeName()))
		return res
	}
	if !matched {
		return res
	}
	res.Matched = true
	for _, a := range r.actions {
		act, err := a.build(ev, r, vars, now, e.dryRun)
		if errors.Is(err, errNothingToChange) {
			continue
		}
		if err != nil {
			res.Errors = append(res.Errors, fmt.Sprintf("%s on %s: %v", a.kind, a.target, err))
			continue
		}
		res.Actions = append(res.Actions, act)
	}
	return res
}

func (a ruleAction) build(ev cloudevents.Event, r rule, vars map[string]any, now time.Time, dryRun bool) (actions.Action, error) {
	userVal, _, err := a.user.Eval(vars)
	if err != nil {
		return actions.Action{}, fmt.Errorf("user: %w", err)
	}
	user, err := toUserRef(userVal.Value())
	if err != nil {
		return actions.Action{}, err
	}
	if user.Username == "" && user.Email == "" && user.UPN == "" && user.TargetID == "" {
		// Employee and directory object ids are kept in events, but no
		// target can look a user up by them: acting would only ever find
		// "no account", silently. Say so instead.
		return actions.Action{}, fmt.Errorf("user %s has no username, email, UPN or target id, which targets look users up by", user)
	}
	params, err := a.evalParams(vars)
	if err != nil {
		return actions.Action{}, err
	}
	reason := a.reason
	if reason == "" {
		reason = fmt.Sprintf("rule %s matched event %s", r.name, ev.ID())
	}
	act := actions.Action{
		Kind:         a.kind,
		Target:       a.target,
		User:         user,
		Params:       params,
		Reason:       reason,
		RequestedBy:  "policy",
		Cause:        ev.ID(),
		Rule:         r.name,
		DryRun:       dryRun || r.dryRun || a.dryRun,
		OnlyIfExists: a.onlyIfExists,
		RequestedAt:  now.UTC(),
	}
	act.AssignID(events.MsgID(ev))
	return act, nil
}

// errNothingToChange means an update_attributes action found none of its
// attributes in the event: there is nothing to plan.
var errNothingToChange = errors.New("no attribute to change")

// evalParams evaluates the parameters. For update_attributes each
// attribute is optional: an expression naming a field the event does not
// carry (an HR change that did not touch it) leaves the attribute out, so
// only what changed is updated.
func (a ruleAction) evalParams(vars map[string]any) (map[string]any, error) {
	params := map[string]any{}
	for k, prg := range a.params {
		v, _, err := prg.Eval(vars)
		optional := a.kind == actions.UpdateAttributes
		if err != nil {
			if optional && strings.Contains(err.Error(), "no such key") {
				continue
			}
			return nil, fmt.Errorf("params.%s: %w", k, err)
		}
		if v.Type() == types.NullType {
			// A field present but null (an HR change that blanked it, or a
			// sender that lists changed names without values) is no value:
			// it must never reach a target as 0 or "".
			if optional {
				continue
			}
			return nil, fmt.Errorf("params.%s: the expression gave null", k)
		}
		params[k] = plain(v.Value())
	}
	if a.kind == actions.UpdateAttributes && len(params) == 0 {
		return nil, errNothingToChange
	}
	return params, nil
}

func activation(ev cloudevents.Event) (map[string]any, error) {
	var data any
	if len(ev.Data()) > 0 {
		if err := json.Unmarshal(ev.Data(), &data); err != nil {
			// Non-JSON data is offered to rules as a string.
			data = string(ev.Data())
		}
	}
	return map[string]any{
		"event": map[string]any{
			"id": ev.ID(), "source": ev.Source(), "type": ev.Type(),
			"subject": ev.Subject(), "time": ev.Time().UTC().Format(time.RFC3339Nano),
		},
		"data": data,
	}, nil
}
