package sim

import (
	"fmt"
	"strings"

	"github.com/quell-dev/quell/internal/pam/simkit"
)

// User types as BeyondInsight names them.
const (
	TypeBeyondInsight   = "BeyondInsight"
	TypeActiveDirectory = "ActiveDirectory"
	TypeLDAP            = "LdapDirectory"
	TypeApplication     = "Application"
)

// User is one BeyondInsight user as the simulator stores it. Its JSON form
// (for [LoadUsers] fixtures) uses the API's field names plus the sim-only
// UserPrincipalName; the API's own answers are built by wire.
type User struct {
	UserID   int    `json:"UserID"`
	UserType string `json:"UserType,omitempty"` // default BeyondInsight, or ActiveDirectory when DomainName is set
	UserName string `json:"UserName"`
	// DomainName is set for directory (AD/LDAP) users, e.g. "CORP".
	DomainName        string `json:"DomainName,omitempty"`
	DistinguishedName string `json:"DistinguishedName,omitempty"`
	FirstName         string `json:"FirstName,omitempty"`
	LastName          string `json:"LastName,omitempty"`
	EmailAddress      string `json:"EmailAddress,omitempty"`
	// UserPrincipalName is sim-only: the API object has no UPN field, but
	// GET Users?username= accepts a directory user's UPN, so the simulator
	// must know it. It is never sent on the wire.
	UserPrincipalName string `json:"UserPrincipalName,omitempty"`
	IsQuarantined     bool   `json:"IsQuarantined"`
	// Inactive is a user whose "User Active" option is cleared in the
	// console: answered with IsActive false, and in strict mode hidden
	// from GET Users unless includeInactive=true.
	Inactive bool `json:"Inactive,omitempty"`
	// ClientID and AccessPolicyID are for Application users only.
	ClientID       string `json:"ClientID,omitempty"`
	AccessPolicyID int    `json:"AccessPolicyID,omitempty"`
}

// IsDirectory reports whether the user comes from AD or LDAP.
func (u User) IsDirectory() bool { return u.DomainName != "" }

// DefaultUsers is the seed data used by cmd/pamsim and the demo: two local
// users, one already-quarantined local user, an Active Directory user
// CORP\bwayne and the Application user svc-pam-worker.
func DefaultUsers() []User {
	return []User{
		{UserID: 12, UserName: "jdoe", FirstName: "John", LastName: "Doe", EmailAddress: "jdoe@example.com"},
		{UserID: 13, UserName: "asmith", FirstName: "Alice", LastName: "Smith", EmailAddress: "asmith@example.com"},
		{UserID: 14, UserName: "mroe", FirstName: "Mary", LastName: "Roe", EmailAddress: "mroe@example.com", IsQuarantined: true},
		{
			UserID: 21, UserType: TypeActiveDirectory, UserName: "bwayne", DomainName: "CORP",
			DistinguishedName: "CN=Bruce Wayne,OU=Users,DC=corp,DC=example,DC=com",
			FirstName:         "Bruce", LastName: "Wayne", EmailAddress: "bwayne@corp.example.com",
			UserPrincipalName: "bwayne@corp.example.com",
		},
		{
			UserID: 57, UserType: TypeApplication, UserName: "svc-pam-worker",
			ClientID: "6c4a0a3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f", AccessPolicyID: 3,
		},
	}
}

// LoadUsers reads seed users from a JSON file holding an array of [User]
// objects (the API's field names; null fields are fine). Users without a
// UserID get one assigned by [New].
func LoadUsers(path string) ([]User, error) {
	return simkit.LoadSeed(path, "users", validateUsers)
}

func validateUsers(users []User) error {
	seen := map[int]bool{}
	for i, u := range users {
		if strings.TrimSpace(u.UserName) == "" {
			return fmt.Errorf("user %d: UserName missing", i)
		}
		if u.UserID < 0 {
			return fmt.Errorf("user %d (%s): negative UserID", i, u.UserName)
		}
		if u.UserID != 0 && seen[u.UserID] {
			return fmt.Errorf("user %d (%s): duplicate UserID %d", i, u.UserName, u.UserID)
		}
		seen[u.UserID] = true
	}
	return nil
}

// normalize fills the defaults a real BeyondInsight would have.
func normalize(u User) User {
	if u.UserType == "" {
		u.UserType = TypeBeyondInsight
		if u.IsDirectory() {
			u.UserType = TypeActiveDirectory
		}
	}
	return u
}

// matches reports whether GET Users?username=q finds u: a bare name finds
// local users by UserName; DOMAIN\name finds directory users of that domain;
// a name with "@" finds directory users by UPN or e-mail. All comparisons
// ignore case, as Windows account names do.
func (u User) matches(q string) bool {
	if !u.IsDirectory() {
		return strings.EqualFold(u.UserName, q)
	}
	if domain, name, ok := strings.Cut(q, `\`); ok {
		return strings.EqualFold(domain, u.DomainName) && strings.EqualFold(name, u.UserName)
	}
	if strings.Contains(q, "@") {
		return strings.EqualFold(q, u.UserPrincipalName) || strings.EqualFold(q, u.EmailAddress)
	}
	return false
}

// wireUser is a user as the API sends it: every documented field present,
// empty strings as null, and IsActive, which BeyondTrust's Python library
// reads (its user field mapping) though the older documentation omits it.
type wireUser struct {
	UserID            int     `json:"UserID"`
	UserName          *string `json:"UserName"`
	DomainName        *string `json:"DomainName"`
	DistinguishedName *string `json:"DistinguishedName"`
	FirstName         *string `json:"FirstName"`
	LastName          *string `json:"LastName"`
	EmailAddress      *string `json:"EmailAddress"`
	IsQuarantined     bool    `json:"IsQuarantined"`
	IsActive          bool    `json:"IsActive"`
}

// wireAppUser is an Application user as the API sends it. ClientSecret is
// always null on read: the API returns it only on creation or recycling.
type wireAppUser struct {
	ClientID       *string `json:"ClientID"`
	ClientSecret   *string `json:"ClientSecret"`
	AccessPolicyID int     `json:"AccessPolicyID"`
	UserType       string  `json:"UserType"`
	wireUser
}

func wire(u User) any {
	w := wireUser{
		UserID: u.UserID, UserName: simkit.Nullable(u.UserName), DomainName: simkit.Nullable(u.DomainName),
		DistinguishedName: simkit.Nullable(u.DistinguishedName), FirstName: simkit.Nullable(u.FirstName),
		LastName: simkit.Nullable(u.LastName), EmailAddress: simkit.Nullable(u.EmailAddress), IsQuarantined: u.IsQuarantined,
		IsActive: !u.Inactive,
	}
	if u.UserType != TypeApplication {
		return w
	}
	return wireAppUser{ClientID: simkit.Nullable(u.ClientID), AccessPolicyID: u.AccessPolicyID, UserType: TypeApplication, wireUser: w}
}
