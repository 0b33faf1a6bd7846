package sources

import (
	"strings"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/events"
)

// splunkUserPaths are tried in order; the first present decides who the
// alert is about, so a result with both user and src_user (target and
// actor in the CIM) is never read as the actor.
var splunkUserPaths = []string{"result.user", "result.src_user", "result.user_name",
	"result.username", "result.email", "result.upn"}

// Splunk parses the body of Splunk's webhook alert action: sid,
// search_name, results_link, owner, app and result (the first result row,
// every value a string).
type Splunk struct{ name string }

// NewSplunk returns the parser for the Splunk source named sourceName.
func NewSplunk(sourceName string) *Splunk { return &Splunk{name: sourceName} }

// Parse returns one alert per user named in the result row (normally one).
// A top-level array of webhook bodies is accepted too.
func (s *Splunk) Parse(body []byte) ([]events.Alert, error) {
	doc, err := decode(body)
	if err != nil {
		return nil, err
	}
	b, err := split(doc)
	if err != nil {
		return nil, err
	}
	var out []events.Alert
	for i, obj := range b.items {
		alerts, err := s.parseOne(obj)
		if err != nil {
			return nil, itemErr(err, i, len(b.items))
		}
		raw := rawItem(body, obj, b.whole)
		for j := range alerts {
			alerts[j].Raw = raw
		}
		out = append(out, alerts...)
	}
	return out, nil
}

func (s *Splunk) parseOne(obj map[string]any) ([]events.Alert, error) {
	users := splunkUsers(obj)
	if len(users) == 0 {
		return nil, noIdentity(strings.Join(splunkUserPaths, ", "))
	}
	sev, orig := NormalizeSeverity(firstText(obj, "result.severity", "result.urgency", "result.risk_score"))
	rule := firstText(obj, "search_name")
	base := events.Alert{
		SourceKind: "splunk", SourceName: s.name, SourceEventID: firstText(obj, "sid"),
		Title: firstText(obj, "result.rule_title", "search_name"), Rule: rule,
		Severity: sev, SeverityOriginal: orig,
	}
	if l := firstText(obj, "results_link"); l != "" {
		base.Links = []string{l}
	}
	out := make([]events.Alert, 0, len(users))
	for _, u := range users {
		a := base
		a.Links = append([]string(nil), base.Links...)
		a.User = u
		out = append(out, a)
	}
	return out, nil
}

// splunkUsers reads the first present user field. Splunk renders a
// multivalue field as an array of strings: each value is one user.
func splunkUsers(obj map[string]any) []actions.UserRef {
	for _, p := range splunkUserPaths {
		var out []actions.UserRef
		seen := map[actions.UserRef]bool{}
		for _, v := range values(find(obj, p)) {
			u := splunkUser(p, v)
			if identified(u) && !seen[u] {
				seen[u] = true
				out = append(out, u)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return nil
}

func splunkUser(path, v string) actions.UserRef {
	switch path {
	case "result.email":
		return actions.UserRef{Email: v}
	case "result.upn":
		return actions.UserRef{UPN: v}
	}
	return actions.ParseUserRef(v)
}

// values reads a scalar or an array of scalars as non-empty strings.
func values(v any) []string {
	list, ok := v.([]any)
	if !ok {
		list = []any{v}
	}
	var out []string
	for _, item := range list {
		if s := text(item); s != "" {
			out = append(out, s)
		}
	}
	return out
}
