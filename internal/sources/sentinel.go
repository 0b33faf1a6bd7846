package sources

import (
	"encoding/json"
	"strings"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/events"
)

const sentinelTried = "Entities[Type=account].{Name+UPNSuffix, userPrincipalName, AadUserId, NTDomain\\Name}, " +
	"entities[kind=Account] and properties.relatedEntities[kind=Account], .properties.{accountName, upnSuffix, aadUserId, ntDomain}, " +
	"Alerts[].Entities[], evidence[userEvidence].userAccount.{accountName, domainName, userPrincipalName, azureAdUserId}"

// Sentinel parses what a Sentinel automation rule's playbook (Logic App)
// posts: an incident, flat (IncidentNumber, Alerts[].Entities) or in ARM
// shape (properties.relatedEntities, optionally wrapped in "object" as the
// incident trigger sends it), a Sentinel alert (SystemAlertId, Entities),
// or a Defender XDR alert from Graph (evidence[].userAccount), alone, in an
// array or in a Graph {"value": [...]} list. Keys match case-insensitively
// because Logic Apps use PascalCase where the ARM and Graph APIs use
// camelCase.
type Sentinel struct{ name string }

// NewSentinel returns the parser for the Sentinel source named sourceName.
func NewSentinel(sourceName string) *Sentinel { return &Sentinel{name: sourceName} }

// Parse returns one alert per distinct account entity of each incident or
// alert in body. Entities that identify nobody (an account with only a SID)
// are skipped; a record without any usable account is an error.
func (s *Sentinel) Parse(body []byte) ([]events.Alert, error) {
	doc, err := decode(body)
	if err != nil {
		return nil, err
	}
	b, err := split(doc, "value")
	if err != nil {
		return nil, err
	}
	var out []events.Alert
	for i, rec := range b.items {
		alerts, err := s.parseRecord(rec)
		if err != nil {
			return nil, itemErr(err, i, len(b.items))
		}
		raw := rawItem(body, rec, b.whole)
		for j := range alerts {
			alerts[j].Raw = raw
		}
		out = append(out, alerts...)
	}
	return out, nil
}

// account is one user found in a record, with the alert that named it.
type account struct {
	user actions.UserRef
	rule string
}

func (s *Sentinel) parseRecord(rec map[string]any) ([]events.Alert, error) {
	if obj, ok := fold(rec, "object").(map[string]any); ok {
		rec = obj
	}
	title := sText(rec, "title", "alertDisplayName", "displayName")
	rule := sText(rec, "alertDisplayName", "alertName")
	if rule == "" && prop(rec, "evidence") != nil {
		rule = title // a Defender alert's title is its detection's name
	}
	accts := collect(rec, rule, nil, true)
	if len(accts) == 0 {
		return nil, noIdentity(sentinelTried)
	}
	sev, orig := NormalizeSeverity(sText(rec, "severity"))
	id := sText(rec, "incidentNumber", "providerIncidentId", "systemAlertId", "name", "id")
	links := sTexts(rec, "incidentUrl", "alertWebUrl", "alertLink", "incidentWebUrl")
	out := make([]events.Alert, 0, len(accts))
	for _, a := range accts {
		out = append(out, events.Alert{
			SourceKind: "sentinel", SourceName: s.name, SourceEventID: id,
			Title: title, Rule: a.rule, Severity: sev, SeverityOriginal: orig,
			User: a.user, Links: append([]string(nil), links...),
		})
	}
	return out, nil
}

// collect gathers the distinct accounts of rec's entities and evidence and,
// for an incident, of its alerts (one level down only).
func collect(rec map[string]any, rule string, acc []account, withAlerts bool) []account {
	add := func(u actions.UserRef) {
		if !identified(u) {
			return
		}
		for _, a := range acc {
			if a.user == u {
				return
			}
		}
		acc = append(acc, account{user: u, rule: rule})
	}
	for _, key := range []string{"entities", "relatedEntities"} {
		for _, e := range list(prop(rec, key)) {
			add(accountEntity(e))
		}
	}
	for _, ev := range list(prop(rec, "evidence")) {
		add(userEvidence(ev))
	}
	if !withAlerts {
		return acc
	}
	for _, al := range list(prop(rec, "alerts")) {
		if m, ok := al.(map[string]any); ok {
			acc = collect(m, orElse(sText(m, "alertDisplayName", "title", "displayName"), rule), acc, false)
		}
	}
	return acc
}

// accountEntity reads a Sentinel Account entity, flat (Logic App: "Type":
// "account") or as the REST API returns it (ARM: "type" is the resource
// type Microsoft.SecurityInsights/Entities, "kind" the entity kind, the
// fields under "properties"); anything else yields the zero UserRef.
func accountEntity(e any) actions.UserRef {
	m, ok := e.(map[string]any)
	if !ok || !isAccount(m) {
		return actions.UserRef{}
	}
	if p, ok := fold(m, "properties").(map[string]any); ok {
		m = p
	}
	name := fText(m, "accountName", "name")
	u := actions.UserRef{ObjectID: fText(m, "aadUserId", "azureAdUserId")}
	if suffix := fText(m, "upnSuffix"); name != "" && suffix != "" && !strings.Contains(name, "@") {
		u.UPN = name + "@" + suffix
	} else {
		u.UPN = fText(m, "userPrincipalName")
	}
	withName(&u, name, fText(m, "ntDomain"))
	return u
}

// isAccount reads the entity kind: "type" in the flat shape, "kind" where
// "type" names a resource type (it holds a "/").
func isAccount(m map[string]any) bool {
	kind := text(fold(m, "type"))
	if kind == "" || strings.Contains(kind, "/") {
		kind = text(fold(m, "kind"))
	}
	return strings.EqualFold(kind, "account")
}

// userEvidence reads the userAccount of a Defender XDR userEvidence. Other
// evidence kinds (a process's account) are not who the alert is about.
func userEvidence(ev any) actions.UserRef {
	m, ok := ev.(map[string]any)
	if !ok {
		return actions.UserRef{}
	}
	kind := text(m["@odata.type"])
	ua, ok := fold(m, "userAccount").(map[string]any)
	if !ok || (kind != "" && !strings.Contains(strings.ToLower(kind), "userevidence")) {
		return actions.UserRef{}
	}
	u := actions.UserRef{UPN: fText(ua, "userPrincipalName"), ObjectID: fText(ua, "azureAdUserId", "aadUserId")}
	withName(&u, fText(ua, "accountName"), fText(ua, "domainName"))
	return u
}

// withName sets the username and domain, splitting DOMAIN\name; a name
// that is really a UPN is kept as the UPN, not as a username.
func withName(u *actions.UserRef, name, domain string) {
	p := actions.ParseUserRef(name)
	if p.UPN != "" {
		u.UPN = orElse(u.UPN, p.UPN)
		return
	}
	u.Username, u.Domain = p.Username, orElse(p.Domain, domain)
	if u.Username == "" {
		u.Domain = ""
	}
}

// prop reads key from rec or from rec.properties (ARM shape).
func prop(rec map[string]any, key string) any {
	if v := fold(rec, key); v != nil {
		return v
	}
	if p, ok := fold(rec, "properties").(map[string]any); ok {
		return fold(p, key)
	}
	return nil
}

// sText is the first non-empty scalar among keys, read with prop.
func sText(rec map[string]any, keys ...string) string {
	for _, k := range keys {
		if s := text(prop(rec, k)); s != "" {
			return s
		}
	}
	return ""
}

// sTexts is every distinct non-empty scalar among keys, in order.
func sTexts(rec map[string]any, keys ...string) []string {
	var out []string
	for _, k := range keys {
		if s := text(prop(rec, k)); s != "" && !contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// fText is the first non-empty scalar among keys of m, case-insensitively.
func fText(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if s := text(fold(m, k)); s != "" {
			return s
		}
	}
	return ""
}

// list reads an array, or a string holding a JSON array, as the
// SecurityAlert table stores Entities.
func list(v any) []any {
	switch t := v.(type) {
	case []any:
		return t
	case string:
		var l []any
		if json.Unmarshal([]byte(t), &l) == nil {
			return l
		}
	}
	return nil
}
