package sources

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/quell-dev/quell/internal/actions"
)

// MaxRaw caps the bytes kept in an event's Raw: large enough for any real
// alert or employee record, small enough that one delivery cannot bloat the
// event stream.
const MaxRaw = 64 << 10

// CapRaw returns raw unchanged when it fits in [MaxRaw], and otherwise a JSON
// string saying how large it was, so Raw stays valid JSON either way.
func CapRaw(raw []byte) json.RawMessage {
	if len(raw) <= MaxRaw {
		return json.RawMessage(raw)
	}
	note, _ := json.Marshal(fmt.Sprintf("raw payload omitted: %d bytes exceeds the %d-byte limit", len(raw), MaxRaw))
	return note
}

// rawItem keeps the sender's own bytes when the item is the whole body
// (already verified JSON) and encodes the item otherwise.
func rawItem(body []byte, item any, whole bool) json.RawMessage {
	if whole {
		return CapRaw(body)
	}
	raw, err := json.Marshal(item)
	if err != nil { // cannot happen for values decoded from JSON
		return nil
	}
	return CapRaw(raw)
}

// decode parses body; numbers stay float64 so [NormalizeSeverity] reads them.
func decode(body []byte) (any, error) {
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("%w: not JSON: %v", ErrMalformed, err)
	}
	return doc, nil
}

// batch is a payload split into the items that each become one event.
type batch struct {
	env   map[string]any   // the enclosing object, nil for a top-level array
	items []map[string]any // one per alert or employee
	whole bool             // the single item is the whole body
}

// split returns the items of doc: the elements of a top-level array, the
// elements of the first list found at listKeys, or doc itself.
func split(doc any, listKeys ...string) (batch, error) {
	switch t := doc.(type) {
	case []any:
		items, err := objects(t, "")
		return batch{items: items}, err
	case map[string]any:
		for _, k := range listKeys {
			if list, ok := find(t, k).([]any); ok {
				items, err := objects(list, k)
				return batch{env: t, items: items}, err
			}
		}
		return batch{env: t, items: []map[string]any{t}, whole: true}, nil
	}
	return batch{}, fmt.Errorf("%w: want a JSON object or array, got %s", ErrMalformed, jsonKind(doc))
}

// objects checks that list holds objects only and is not empty.
func objects(list []any, at string) ([]map[string]any, error) {
	if at != "" {
		at += " "
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("%w: %sempty array", ErrMalformed, at)
	}
	out := make([]map[string]any, 0, len(list))
	for i, v := range list {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: %sitem %d is not a JSON object", ErrMalformed, at, i)
		}
		out = append(out, obj)
	}
	return out, nil
}

// itemErr names the failing item when a payload carries several, since the
// sender needs to know which one to fix.
func itemErr(err error, i, n int) error {
	if n > 1 {
		return fmt.Errorf("item %d: %w", i, err)
	}
	return err
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "a value"
}

// find follows a dotted path through any mix of nested objects and keys
// that contain dots themselves, as Elastic bodies mix
// {"kibana.alert.rule.name": ...} with {"kibana": {"alert": ...}}.
func find(obj map[string]any, path string) any {
	if v, ok := obj[path]; ok {
		return v
	}
	for i := 0; i < len(path); i++ {
		if path[i] != '.' {
			continue
		}
		if next, ok := obj[path[:i]].(map[string]any); ok {
			if v := find(next, path[i+1:]); v != nil {
				return v
			}
		}
	}
	return nil
}

// fold returns obj[key] matched case-insensitively (exact match first, then
// the smallest matching key, so the choice does not depend on map order):
// Logic Apps send PascalCase where the ARM API sends camelCase.
func fold(obj map[string]any, key string) any {
	if v, ok := obj[key]; ok {
		return v
	}
	best, found := "", false
	for k := range obj {
		if strings.EqualFold(k, key) && (!found || k < best) {
			best, found = k, true
		}
	}
	if !found {
		return nil
	}
	return obj[best]
}

// text renders a JSON scalar as a trimmed string; objects and arrays are
// not identifiers, so they read as "".
func text(v any) string {
	switch t := v.(type) {
	case string:
		return strings.TrimSpace(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case int64:
		return strconv.FormatInt(t, 10)
	case bool:
		return strconv.FormatBool(t)
	}
	return ""
}

// firstText returns the first non-empty scalar found at paths.
func firstText(obj map[string]any, paths ...string) string {
	for _, p := range paths {
		if s := text(find(obj, p)); s != "" {
			return s
		}
	}
	return ""
}

// identified reports whether u names somebody: a domain alone does not.
func identified(u actions.UserRef) bool {
	u.Domain = ""
	return !u.IsZero()
}

// noIdentity is the error for an item that names nobody.
func noIdentity(tried string) error {
	return fmt.Errorf("%w: no user identity: tried %s", ErrMalformed, tried)
}

// sortedKeys gives map keys in a stable order.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
