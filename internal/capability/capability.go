package capability

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/quell-dev/quell/internal/actions"
)

// Kind is one target kind: its name in targets[].kind, the actions its
// client carries out and the credentials it signs in with.
type Kind struct {
	// Name is the value of targets[].kind, e.g. "beyondinsight".
	Name string
	// Actions lists every [actions.Kind] the kind's client implements,
	// [actions.Undo] included.
	Actions []actions.Kind
	// Schemes are the alternative ways to sign in, each a set of
	// credential keys; see [Kind.CheckCredentials] for how one is chosen.
	Schemes []Scheme
	// Common keys are accepted with every scheme.
	Common []Key
}

// Scheme is one way of signing in to a target, such as BeyondInsight's
// PS-Auth key or its OAuth client credentials.
type Scheme struct {
	// Name is how problems name the scheme ("OAuth").
	Name string
	Keys []Key
}

// Key is one key of targets[].credentials.
type Key struct {
	Name string
	// Secret keys hold a secret reference (env:NAME or file:/path) that is
	// resolved at start-up; the others hold their value.
	Secret bool
	// Optional keys may be left out of their scheme.
	Optional bool
}

// kinds are the target kinds this build knows. Adding a product is one
// entry here, one in internal/targets and its package in internal/pam.
var kinds = []Kind{
	{
		Name: "beyondinsight",
		Actions: []actions.Kind{actions.Quarantine, actions.UpdateAttributes, actions.RotateClientSecret,
			actions.AddGroup, actions.RemoveGroup, actions.TerminateSessions, actions.Undo},
		// The PS-Auth key (with the run-as user's password when the API
		// registration requires it), or an Application user's OAuth client
		// credentials.
		Schemes: []Scheme{
			{Name: "PS-Auth", Keys: []Key{{Name: "api_key", Secret: true}, {Name: "password", Secret: true, Optional: true}, {Name: "run_as"}}},
			{Name: "OAuth", Keys: []Key{{Name: "client_id"}, {Name: "client_secret", Secret: true}}},
		},
		Common: []Key{{Name: "api_version", Optional: true}},
	},
	{
		Name: "commvault",
		// The V4 user API has no client secret and no session list.
		Actions: []actions.Kind{actions.Quarantine, actions.UpdateAttributes, actions.AddGroup, actions.RemoveGroup, actions.Undo},
		Schemes: []Scheme{{Name: "password", Keys: []Key{{Name: "username"}, {Name: "password", Secret: true}}}},
	},
	{
		Name:    "threadfix",
		Actions: []actions.Kind{actions.Quarantine, actions.UpdateAttributes, actions.Undo},
		Schemes: []Scheme{{Name: "API key", Keys: []Key{{Name: "api_key", Secret: true}}}},
	},
}

// Lookup returns the target kind named name. Its slices are this
// package's own: read them, never modify them.
func Lookup(name string) (Kind, bool) {
	i := slices.IndexFunc(kinds, func(k Kind) bool { return k.Name == name })
	if i < 0 {
		return Kind{}, false
	}
	return kinds[i], true
}

// Kinds lists the names of the target kinds this build knows, sorted.
func Kinds() []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = k.Name
	}
	sort.Strings(out)
	return out
}

// Supports reports whether a target of kind targetKind can carry out k.
// An unknown target kind supports nothing.
func Supports(targetKind string, k actions.Kind) bool {
	kind, ok := Lookup(targetKind)
	return ok && kind.Supports(k)
}

// Supports reports whether the kind's client implements k.
func (k Kind) Supports(a actions.Kind) bool { return slices.Contains(k.Actions, a) }

// CheckTarget lists the problems of one configured target, at path (e.g.
// "targets[0]"): a kind this build does not know, or the problems of its
// credentials (see [Kind.CheckCredentials]).
func CheckTarget(path, kind string, credentials map[string]string, resolve func(key, ref string) error) []string {
	k, ok := Lookup(kind)
	if !ok {
		return []string{fmt.Sprintf("%s.kind: %q is not supported (want one of %s)", path, kind, strings.Join(Kinds(), ", "))}
	}
	return k.CheckCredentials(path+".credentials", credentials, resolve)
}
