package sources

import (
	"strconv"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/events"
)

// The Kibana webhook body is a user-written Mustache template, so every
// field is looked up under the names Elastic Security alerts use (nested or
// dotted) and, for older rules, under the legacy signal.* names.
var (
	// elasticLists are where a template puts several alerts.
	elasticLists      = []string{"alerts", "context.alerts", "signals"}
	elasticRulePaths  = []string{"kibana.alert.rule.name", "signal.rule.name", "rule.name", "rule_name"}
	elasticLinkPaths  = []string{"kibana.alert.url", "results_link", "alert_url", "link", "url", "rule.url", "context.results_link"}
	elasticScorePaths = []string{"kibana.alert.risk_score", "signal.rule.risk_score", "risk_score"}
	elasticWordPaths  = []string{"kibana.alert.severity", "signal.rule.severity", "severity"}
)

const elasticTried = "user.name, user.email"

// Elastic parses Kibana webhook connector bodies carrying Elastic Security
// alert fields: one alert object, a top-level array, or a list under
// alerts / context.alerts / signals. An item may wrap the alert document in
// _source, as alerts read from the .alerts-security index do.
type Elastic struct{ name string }

// NewElastic returns the parser for the Elastic source named sourceName.
func NewElastic(sourceName string) *Elastic { return &Elastic{name: sourceName} }

// Parse returns one alert per alert object in body.
func (e *Elastic) Parse(body []byte) ([]events.Alert, error) {
	doc, err := decode(body)
	if err != nil {
		return nil, err
	}
	b, err := split(doc, elasticLists...)
	if err != nil {
		return nil, err
	}
	out := make([]events.Alert, 0, len(b.items))
	env := b.env
	if b.whole {
		env = nil // the item is the envelope
	}
	for i, item := range b.items {
		a, err := e.parseOne(item, env)
		if err != nil {
			return nil, itemErr(err, i, len(b.items))
		}
		a.Raw = rawItem(body, item, b.whole)
		out = append(out, a)
	}
	return out, nil
}

func (e *Elastic) parseOne(item, env map[string]any) (events.Alert, error) {
	doc := item
	if src, ok := item["_source"].(map[string]any); ok {
		doc = src
	}
	user := elasticUser(doc)
	if !identified(user) {
		return events.Alert{}, noIdentity(elasticTried)
	}
	sev, orig := elasticSeverity(doc)
	rule := firstText(doc, elasticRulePaths...)
	link := firstText(doc, elasticLinkPaths...)
	if env != nil {
		// A template listing alerts often puts the rule and its link once
		// in the envelope ({{rule.name}}, {{context.results_link}}).
		rule = orElse(rule, firstText(env, elasticRulePaths...))
		link = orElse(link, firstText(env, elasticLinkPaths...))
	}
	a := events.Alert{
		SourceKind: "elastic", SourceName: e.name,
		SourceEventID: orElse(firstText(doc, "kibana.alert.uuid", "signal.id"), firstText(item, "_id")),
		Title:         rule, Rule: rule, Severity: sev, SeverityOriginal: orig, User: user,
	}
	if link != "" {
		a.Links = []string{link}
	}
	return a, nil
}

// elasticUser reads ECS user.name (which may carry DOMAIN\name or a UPN),
// user.domain and user.email.
func elasticUser(doc map[string]any) actions.UserRef {
	u := actions.ParseUserRef(firstText(doc, "user.name"))
	if d := firstText(doc, "user.domain"); d != "" && u.Username != "" && u.Domain == "" {
		u.Domain = d
	}
	if m := firstText(doc, "user.email"); m != "" {
		u.Email = m
	}
	return u
}

// elasticSeverity prefers the 0-100 risk score, which is finer than the
// four severity words, and keeps the word as the original when there is one.
func elasticSeverity(doc map[string]any) (int, string) {
	word := firstText(doc, elasticWordPaths...)
	if score := firstText(doc, elasticScorePaths...); isNumber(score) {
		sev, orig := NormalizeSeverity(score)
		return sev, orElse(word, orig)
	}
	return NormalizeSeverity(word)
}

// isNumber reports whether s is a number, as a templated risk score may
// arrive as a string.
func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

func orElse(s, fallback string) string {
	if s != "" {
		return s
	}
	return fallback
}
