package threadfix

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"

	"github.com/quell-dev/quell/internal/actions"
)

// User types ThreadFix knows (Edit User API, "type").
const (
	TypeLocal = "LOCAL"
	TypeLDAP  = "LDAP"
	TypeSAML  = "SAML"
)

// MaxNameLength is the longest user name the Edit User API accepts.
const MaxNameLength = 40

// updateParams are the update_attributes attributes ThreadFix can set.
var updateParams = []string{actions.AttrUsername, actions.AttrDisplayName, actions.AttrUserType, actions.AttrDirectoryID, actions.AttrGlobalRoleID}

// change is a validated update_attributes request; nil and zero fields are
// not to be changed.
type change struct {
	name        *string
	displayName *string
	userType    string // LOCAL, LDAP or SAML; "" to leave the type alone
	directoryID int    // with userType LDAP only
	globalRole  *int   // -1, 0 or a role id
}

// parseChange validates every attribute before any request, naming every
// problem at once. All errors are permanent: the same parameters will be
// refused the same way.
func parseChange(params map[string]any) (change, error) {
	if err := refusePasswords(params); err != nil {
		return change{}, err
	}
	if err := actions.CheckParams(Kind, actions.UpdateAttributes, params, updateParams...); err != nil {
		return change{}, err
	}
	if len(params) == 0 {
		return change{}, actions.Permanent(fmt.Errorf("%s %s: no attributes given", Kind, actions.UpdateAttributes))
	}
	var ch change
	var problems []string
	bad := func(attr string, err error) {
		if err != nil {
			problems = append(problems, attr+": "+err.Error())
		}
	}
	bad(actions.AttrUsername, ch.setName(params))
	bad(actions.AttrDisplayName, ch.setDisplayName(params))
	bad(actions.AttrUserType, ch.setType(params))
	bad(actions.AttrGlobalRoleID, ch.setGlobalRole(params))
	if len(problems) > 0 {
		return change{}, actions.Permanent(fmt.Errorf("%s %s: invalid attributes: %s", Kind, actions.UpdateAttributes, strings.Join(problems, "; ")))
	}
	return ch, nil
}

// refusePasswords gives a password its own, clearer refusal than
// CheckParams would: Quell does not set passwords, on any target.
func refusePasswords(params map[string]any) error {
	for name := range params {
		if strings.Contains(strings.ToLower(name), "password") {
			return actions.Permanent(fmt.Errorf("%s %s: refusing %q: Quell never sets passwords", Kind, actions.UpdateAttributes, name))
		}
	}
	return nil
}

func (ch *change) setName(params map[string]any) error {
	v, ok := params[actions.AttrUsername]
	if !ok {
		return nil
	}
	name, err := textValue(v)
	if err != nil {
		return err
	}
	// Java counts UTF-16 code units; so does ThreadFix's limit.
	if n := len(utf16.Encode([]rune(name))); n > MaxNameLength {
		return fmt.Errorf("%d characters, ThreadFix allows at most %d", n, MaxNameLength)
	}
	ch.name = &name
	return nil
}

func (ch *change) setDisplayName(params map[string]any) error {
	v, ok := params[actions.AttrDisplayName]
	if !ok {
		return nil
	}
	s, err := textValue(v)
	if err == nil {
		ch.displayName = &s
	}
	return err
}

// setType reads user_type and directory_id together: LDAP needs a
// directory, and a directory means nothing without LDAP.
func (ch *change) setType(params map[string]any) error {
	tv, hasType := params[actions.AttrUserType]
	dv, hasDir := params[actions.AttrDirectoryID]
	if !hasType {
		if hasDir {
			return fmt.Errorf("%s is given but %s is not; ThreadFix takes a directory only with type %s", actions.AttrDirectoryID, actions.AttrUserType, TypeLDAP)
		}
		return nil
	}
	s, ok := tv.(string)
	t := strings.ToUpper(strings.TrimSpace(s))
	if !ok || (t != TypeLocal && t != TypeLDAP && t != TypeSAML) {
		return fmt.Errorf("%v is not one of %s, %s, %s", tv, TypeLocal, TypeLDAP, TypeSAML)
	}
	ch.userType = t
	switch {
	case t == TypeLDAP && !hasDir:
		return fmt.Errorf("%s needs %s (the ThreadFix LDAP directory id)", TypeLDAP, actions.AttrDirectoryID)
	case t != TypeLDAP && hasDir:
		return fmt.Errorf("%s is given with type %s; ThreadFix takes a directory only with type %s", actions.AttrDirectoryID, t, TypeLDAP)
	case hasDir:
		id, err := parseInt(dv)
		if err != nil || id <= 0 {
			return fmt.Errorf("%s %v is not a directory id (a positive integer)", actions.AttrDirectoryID, dv)
		}
		ch.directoryID = id
	}
	return nil
}

func (ch *change) setGlobalRole(params map[string]any) error {
	v, ok := params[actions.AttrGlobalRoleID]
	if !ok {
		return nil
	}
	id, err := parseInt(v)
	if err != nil || id < NoGlobalAccess {
		return fmt.Errorf("%v is not -1 (no global access), 0 (read access) or a role id", v)
	}
	ch.globalRole = &id
	return nil
}

// textValue accepts a non-empty string without control characters. An
// empty value is refused rather than sent: whether ThreadFix clears a field
// or ignores an empty one is not documented.
func textValue(v any) (string, error) {
	s, ok := v.(string)
	switch {
	case !ok:
		return "", fmt.Errorf("want a string, got %T", v)
	case strings.TrimSpace(s) == "":
		return "", errors.New("empty")
	case strings.ContainsFunc(s, unicode.IsControl):
		return "", errors.New("contains control characters")
	}
	return s, nil
}

// parseInt reads an integer parameter as it arrives from JSON (float64),
// from YAML or Go (int kinds) or as text ("-1"), within Java's int range.
func parseInt(v any) (int, error) {
	var n int64
	switch x := v.(type) {
	case int:
		n = int64(x)
	case int32:
		n = int64(x)
	case int64:
		n = x
	case float64:
		if x != math.Trunc(x) || x < math.MinInt32 || x > math.MaxInt32 {
			return 0, fmt.Errorf("%v is not an integer", x)
		}
		n = int64(x)
	case json.Number:
		return parseInt(x.String())
	case string:
		p, err := strconv.ParseInt(strings.TrimSpace(x), 10, 32)
		if err != nil {
			return 0, fmt.Errorf("%q is not an integer", x)
		}
		n = p
	default:
		return 0, fmt.Errorf("want an integer, got %T", v)
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		return 0, fmt.Errorf("%d is out of range", n)
	}
	return int(n), nil
}
