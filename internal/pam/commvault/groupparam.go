package commvault

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode"
)

// groupRef names a Commvault user group by id or by name, as the group
// parameter of add_group and remove_group does.
type groupRef struct {
	id   int    // > 0 when named by id
	name string // set when named by name
}

// idPrefix marks a numeric group id in the group parameter ("id:12").
const idPrefix = "id:"

// parseGroup reads the group parameter: "id:<n>" (prefix in any case,
// n a positive 32-bit integer) for the group's id, anything else for its
// name. "id:" followed by something other than digits is refused rather
// than read as a name: it is far more likely a typo than a group called
// "id:abc", and acting on the wrong group is the worse outcome.
func parseGroup(s string) (groupRef, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return groupRef{}, errors.New("empty group")
	case strings.ContainsFunc(s, unicode.IsControl):
		return groupRef{}, errors.New("group contains control characters")
	case len(s) >= len(idPrefix) && strings.EqualFold(s[:len(idPrefix)], idPrefix):
		return parseGroupID(strings.TrimSpace(s[len(idPrefix):]))
	}
	return groupRef{name: s}, nil
}

func parseGroupID(digits string) (groupRef, error) {
	bad := errors.New(`"id:" must be followed by a positive group id, e.g. id:12`)
	if digits == "" || strings.ContainsFunc(digits, func(r rune) bool { return r < '0' || r > '9' }) {
		return groupRef{}, bad
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n <= 0 || n > math.MaxInt32 {
		return groupRef{}, bad
	}
	return groupRef{id: int(n)}, nil
}

// String is the parameter form: "id:12" or the name.
func (g groupRef) String() string {
	if g.id > 0 {
		return idPrefix + strconv.Itoa(g.id)
	}
	return g.name
}

// wire is the group as PUT V4/user/{id} takes it in userGroups: {id} or
// {name}, never both, so the server cannot find them disagreeing.
func (g groupRef) wire() map[string]any {
	if g.id > 0 {
		return map[string]any{"id": g.id}
	}
	return map[string]any{"name": g.name}
}

// matches reports whether an associatedUserGroups entry is this group.
// Names compare case-insensitively, as Commvault's entity names do.
func (g groupRef) matches(e entity) bool {
	if g.id > 0 {
		return e.ID == g.id
	}
	return strings.EqualFold(e.Name, g.name)
}
