package sources

import (
	"fmt"
	"strconv"
	"strings"
)

// severityWords maps the words SIEMs use to the 0-100 scale.
var severityWords = map[string]int{
	"informational": 5, "info": 5, "low": 25, "medium": 50, "moderate": 50,
	"high": 75, "critical": 95, "severe": 95,
	// Okta's System Log levels (DEBUG, INFO, WARN, ERROR).
	"warn": 50, "warning": 50, "error": 75,
}

// NormalizeSeverity maps a sender's severity to 0-100 and returns the
// original as text. Numbers are read on the 0-100 scale and clamped; words
// use a fixed table; anything else is 0.
func NormalizeSeverity(v any) (int, string) {
	switch t := v.(type) {
	case nil:
		return 0, ""
	case float64:
		return clamp(t), strconv.FormatFloat(t, 'f', -1, 64)
	case int64:
		return clamp(float64(t)), strconv.FormatInt(t, 10)
	case string:
		s := strings.TrimSpace(t)
		if n, err := strconv.ParseFloat(s, 64); err == nil {
			return clamp(n), s
		}
		return severityWords[strings.ToLower(s)], s
	default:
		return 0, fmt.Sprint(t)
	}
}

func clamp(f float64) int {
	switch {
	case f != f || f < 0: // NaN or negative
		return 0
	case f > 100:
		return 100
	}
	return int(f)
}
