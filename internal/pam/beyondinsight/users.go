package beyondinsight

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
)

// user is the part of the API's user object Quell reads. Null fields decode
// as "" (or 0). UserType is present only on Application users in the
// documented answers; the others leave it empty. IsActive is in the user
// objects of BeyondTrust's Python library (mapping/users.py) but not in the
// older documented answers, so it may be absent (nil).
type user struct {
	UserID            int    `json:"UserID"`
	UserName          string `json:"UserName"`
	DomainName        string `json:"DomainName"`
	DistinguishedName string `json:"DistinguishedName"`
	FirstName         string `json:"FirstName"`
	LastName          string `json:"LastName"`
	EmailAddress      string `json:"EmailAddress"`
	UserType          string `json:"UserType"`
	AccessPolicyID    int    `json:"AccessPolicyID"`
	IsQuarantined     bool   `json:"IsQuarantined"`
	IsActive          *bool  `json:"IsActive"`
}

func (u user) hasID() bool { return u.UserID > 0 }
func (user) name() string  { return "user" }

// User types as BeyondInsight names them.
const (
	userTypeApplication     = "Application"
	userTypeActiveDirectory = "ActiveDirectory"
	userTypeLDAP            = "LdapDirectory"
)

// isApplication reports whether u is an Application user (API-only, with a
// client id and secret).
func (u user) isApplication() bool { return strings.EqualFold(u.UserType, userTypeApplication) }

// isDirectory reports whether u comes from Active Directory or LDAP: a
// domain or a distinguished name is set, or the type says so. The type
// alone is not enough, as the documented answers carry it only for
// Application users; an LDAP user may have no domain, but it always has
// the distinguished name it was created from (POST Users requires one for
// LdapDirectory users).
func (u user) isDirectory() bool {
	return u.DomainName != "" || u.DistinguishedName != "" ||
		strings.EqualFold(u.UserType, userTypeActiveDirectory) || strings.EqualFold(u.UserType, userTypeLDAP)
}

// kindName names u's type for messages.
func (u user) kindName() string {
	switch {
	case u.UserType != "":
		return u.UserType
	case u.DomainName != "":
		return userTypeActiveDirectory
	case u.DistinguishedName != "":
		return userTypeLDAP
	}
	return "BeyondInsight"
}

// displayName is DOMAIN\name for directory users, the name otherwise.
func (u user) displayName() string {
	if u.DomainName != "" {
		return u.DomainName + `\` + u.UserName
	}
	return u.UserName
}

// resolve finds the user a reference means: by the target's own id when the
// requester knows it, else by the names the API can search, in order (see
// lookupNames and [pam.MatchUser]: the first name that finds anyone decides).
func (c *Client) resolve(ctx context.Context, ref actions.UserRef) (user, error) {
	if ref.TargetID != "" {
		id, err := parseUserID(ref.TargetID)
		if err != nil {
			return user{}, err
		}
		return c.getUser(ctx, id)
	}
	names := lookupNames(ref)
	if len(names) == 0 {
		return user{}, actions.Permanent(fmt.Errorf("%w: %s has no username, UPN, e-mail or target id, which is all BeyondInsight can search by",
			actions.ErrUserNotFound, ref))
	}
	return pam.MatchUser(names, pam.UserMatch[string, user]{
		Product: "BeyondInsight",
		Find:    func(name string) ([]user, error) { return c.findUsers(ctx, name) },
		ID:      func(u user) int { return u.UserID },
		Matched: func(name string) string { return "match username " + strconv.Quote(name) },
		Tried:   func(names []string) string { return "matches username " + pam.QuoteAll(names, ", then ") },
	})
}

// lookupNames are the username= values to try, in order: DOMAIN\username
// (or the bare username, which finds local users), the UPN, the e-mail.
// The bare username is not tried after DOMAIN\username: the API's bare
// name finds only local users, so it could pick a local namesake of the
// directory user meant.
func lookupNames(ref actions.UserRef) []string { return pam.UserNames(ref, false) }

func (c *Client) getUser(ctx context.Context, id int) (user, error) {
	var out single[user]
	_, err := c.call(ctx, usersGet(id, &out))
	if pam.IsStatus(err, http.StatusNotFound) {
		return user{}, actions.Permanent(fmt.Errorf("%w: no BeyondInsight user with id %d: %w", actions.ErrUserNotFound, id, err))
	}
	if err != nil {
		return user{}, fmt.Errorf("read user %d: %w", id, err)
	}
	return out.v, nil
}

// findUsers runs GET Users?username=&includeInactive=true. Inactive users
// are asked for because BeyondTrust's Python library sends includeInactive
// (default false), so the API hides them otherwise, and a disabled account
// must still be found: to quarantine it, and so that a quarantine is not
// skipped as "user not found". A 404 is read as "no match": the
// documentation promises an array, but an empty search answering 404 must
// not become a different error.
func (c *Client) findUsers(ctx context.Context, name string) ([]user, error) {
	var out many[user]
	_, err := c.call(ctx, usersFind(name, &out))
	if pam.IsStatus(err, http.StatusNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look up user %q: %w", name, err)
	}
	return out.v, nil
}

func usersGet(id int, out any) request {
	return request{method: http.MethodGet, path: "Users/" + strconv.Itoa(id), out: out}
}

func usersFind(name string, out any) request {
	return request{method: http.MethodGet, path: "Users", query: url.Values{"username": {name}, "includeInactive": {"true"}}, out: out}
}

// planResolve is the lookup a dry run reports: the one resolve would send
// first.
func planResolve(ref actions.UserRef) actions.Call {
	if ref.TargetID != "" {
		return actions.Call{Method: http.MethodGet, Path: "Users/" + ref.TargetID}
	}
	names := lookupNames(ref)
	if len(names) == 0 {
		return actions.Call{Method: http.MethodGet, Path: "Users?username="}
	}
	return actions.Call{Method: http.MethodGet, Path: usersFind(names[0], nil).display()}
}

// notFoundSinceLookup marks a 404 on a write that follows a successful
// lookup: the user was deleted in between.
func notFoundSinceLookup(err error) error {
	if pam.IsStatus(err, http.StatusNotFound) {
		return fmt.Errorf("%w: %w", actions.ErrUserNotFound, err)
	}
	return err
}

func parseUserID(s string) (int, error) {
	id, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || id <= 0 {
		return 0, actions.Permanent(fmt.Errorf("target id %q is not a BeyondInsight user id (a positive integer)", s))
	}
	return id, nil
}
