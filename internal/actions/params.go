package actions

import (
	"fmt"
	"sort"
	"strings"
)

// Parameter names of actions. Policies and responders use these names; each
// target maps them onto its API's fields and refuses, as a permanent error
// before any call, a name it cannot set.
const (
	// ParamGroup names the group for add_group and remove_group: the
	// target's group name, or "id:<n>" for its numeric id.
	ParamGroup = "group"
	// ParamReason is an optional free-text reason some APIs record
	// (terminate_sessions).
	ParamReason = "reason"
)

// Attribute names for update_attributes. Its params map holds attribute
// name -> new value; only the attributes given are changed.
const (
	AttrUsername       = "username"         // the account's login name (rename)
	AttrFirstName      = "first_name"       // BeyondInsight
	AttrLastName       = "last_name"        // BeyondInsight
	AttrFullName       = "full_name"        // Commvault fullName
	AttrDisplayName    = "display_name"     // ThreadFix displayName
	AttrEmail          = "email"            // BeyondInsight, Commvault
	AttrUPN            = "upn"              // Commvault userPrincipalName
	AttrAuthMethod     = "auth_method"      // Commvault authenticationMethod
	AttrAccessPolicyID = "access_policy_id" // BeyondInsight application users
	AttrUserType       = "user_type"        // ThreadFix type: LOCAL, LDAP, SAML
	AttrDirectoryID    = "directory_id"     // ThreadFix activeDirectoryId (type LDAP)
	AttrGlobalRoleID   = "global_role_id"   // ThreadFix globalRoleId: 0 read, -1 none, or a role id
)

// StringParam returns params[name] as a string ("" when absent).
func StringParam(params map[string]any, name string) string {
	v, ok := params[name]
	if !ok || v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

// CheckParams returns a permanent error naming every parameter of params
// not in allowed, for the target kind that refuses it.
func CheckParams(targetKind string, k Kind, params map[string]any, allowed ...string) error {
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	var bad []string
	for name := range params {
		if !ok[name] {
			bad = append(bad, name)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	sort.Strings(allowed)
	return Permanent(fmt.Errorf("%s %s: cannot set %s (it can set %s)", targetKind, k,
		strings.Join(bad, ", "), strings.Join(allowed, ", ")))
}
