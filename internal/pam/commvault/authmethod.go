package commvault

import (
	"fmt"
	"strings"
)

// fieldAuthMethod is the V4 user's authentication method field.
const fieldAuthMethod = "authenticationMethod"

// authMethods are the values authenticationMethod takes: the enum of
// UserAuthenticationMethods and AuthenticationServer in Commvault's
// OpenAPI3.yaml. UpdateUser types the field as a plain string; Quell sends
// only these.
var authMethods = []string{"SAML", "AD", "LOCAL"}

// authLocal is the method of a user who logs in with a Commvault password.
const authLocal = "LOCAL"

// authDefault is what the User schema documents as the field's default
// ("Default value is Commcell"): a CommCell (local) user, read as LOCAL.
const authDefault = "COMMCELL"

// parseAuthMethod accepts the enum in any case and returns it upper-case.
func parseAuthMethod(v string) (string, error) {
	up := strings.ToUpper(strings.TrimSpace(v))
	for _, m := range authMethods {
		if up == m {
			return m, nil
		}
	}
	return "", fmt.Errorf("%q: want one of %s", v, strings.Join(authMethods, ", "))
}

// readAuthMethod is the reported method in the form parseAuthMethod
// gives: upper-case, with the documented default "Commcell" read as
// LOCAL, so that asking for LOCAL on such a user is no change (it would
// otherwise be sent again on every run).
func readAuthMethod(v string) string {
	up := strings.ToUpper(strings.TrimSpace(v))
	if up == authDefault {
		return authLocal
	}
	return up
}
