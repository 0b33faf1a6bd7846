package sources

import (
	"fmt"
	"strings"

	"github.com/quell-dev/quell/internal/events"
)

// Parser turns a verified webhook body into normalized alerts, one per
// alert (or per user) in the payload.
type Parser interface {
	Parse(body []byte) ([]events.Alert, error)
}

// HRParser turns a verified HR webhook body into normalized employee
// changes, one per employee in the payload.
type HRParser interface {
	ParseHR(body []byte) ([]events.HREmployee, error)
}

// Kinds lists every source kind a configuration may name.
var Kinds = []string{"generic", "splunk", "elastic", "sentinel", "okta", "cloudevents", "bamboohr", "hr-generic"}

// New builds the parser of a source kind: a [Parser] for alert kinds, an
// [HRParser] for HR kinds, and nil for cloudevents (the ingest decodes
// CloudEvents itself). Only generic and hr-generic take a mapping; a
// mapping given to another kind is an error rather than silently ignored.
func New(kind, sourceName string, mapping map[string]string) (any, error) {
	if len(mapping) > 0 && kind != "generic" && kind != "hr-generic" {
		return nil, fmt.Errorf("mapping: kind %q takes no mapping (only generic and hr-generic do)", kind)
	}
	switch kind {
	case "generic":
		g, err := NewGeneric(sourceName, mapping)
		if err != nil {
			return nil, err
		}
		return g, nil
	case "hr-generic":
		h, err := NewHRGeneric(sourceName, mapping)
		if err != nil {
			return nil, err
		}
		return h, nil
	case "splunk":
		return NewSplunk(sourceName), nil
	case "elastic":
		return NewElastic(sourceName), nil
	case "sentinel":
		return NewSentinel(sourceName), nil
	case "okta":
		return NewOkta(sourceName), nil
	case "bamboohr":
		return NewBambooHR(sourceName), nil
	case "cloudevents":
		return nil, nil
	}
	return nil, fmt.Errorf("unknown source kind %q (want one of %s)", kind, strings.Join(Kinds, ", "))
}
