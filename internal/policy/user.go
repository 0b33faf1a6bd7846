package policy

import (
	"errors"
	"fmt"

	"cel.dev/cel-go/common/types/ref"

	"github.com/quell-dev/quell/internal/actions"
)

// errNoUser is returned when a rule's user expression yields no identifier.
var errNoUser = errors.New("user expression gave no identifier")

// toUserRef turns a user expression's value into a UserRef: a string is a
// username, DOMAIN\user or an address with @ (tried as UPN and email); a map
// names the fields (username, domain, email, upn, object_id, employee_id,
// target_id).
func toUserRef(v any) (actions.UserRef, error) {
	switch u := plain(v).(type) {
	case string:
		ref := actions.ParseUserRef(u)
		if ref.IsZero() {
			return ref, errNoUser
		}
		return ref, nil
	case map[string]any:
		ref := actions.UserRef{
			Username: str(u["username"]), Domain: str(u["domain"]), Email: str(u["email"]),
			UPN: str(u["upn"]), ObjectID: str(u["object_id"]), EmployeeID: str(u["employee_id"]),
			TargetID: str(u["target_id"]),
		}
		if ref.IsZero() {
			return ref, errNoUser
		}
		return ref, nil
	default:
		return actions.UserRef{}, fmt.Errorf("user expression gave %T, want a string or a map", u)
	}
}

func str(v any) string {
	if v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

// plain converts CEL values (maps and lists of [ref.Val]) into Go values.
func plain(v any) any {
	switch t := v.(type) {
	case ref.Val:
		return plain(t.Value())
	case map[ref.Val]ref.Val:
		m := make(map[string]any, len(t))
		for k, val := range t {
			m[fmt.Sprint(k.Value())] = plain(val)
		}
		return m
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, val := range t {
			m[k] = plain(val)
		}
		return m
	case []ref.Val:
		l := make([]any, len(t))
		for i, val := range t {
			l[i] = plain(val)
		}
		return l
	case []any:
		l := make([]any, len(t))
		for i, val := range t {
			l[i] = plain(val)
		}
		return l
	default:
		return v
	}
}
