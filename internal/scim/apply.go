package scim

import (
	"slices"
	"strconv"
	"strings"
)

// Apply runs ops on u in order. It changes u only in memory; the caller
// validates and stores the result.
func Apply(u *User, ops []PatchOp) error {
	for i, op := range ops {
		var err error
		if op.Path == nil {
			err = applyObject(u, op.Op, "", op.Value.(map[string]any))
		} else {
			err = applyPath(u, op.Op, op.Path, op.Value)
		}
		if err != nil {
			return prefixed(opPrefix(i), err)
		}
	}
	return u.validate()
}

func opPrefix(i int) string { return "Operations[" + strconv.Itoa(i) + "]: " }

// applyObject applies an operation without a path: every key of the value
// is a path (Entra ID and Okta send {"active": false} this way, Entra also
// "name.givenName" and schema-prefixed keys). A key that is the enterprise
// schema URN holds an object of its attributes.
func applyObject(u *User, op, prefix string, obj map[string]any) error {
	for _, k := range sortedKeys(obj) {
		p, err := ParsePath(prefix + k)
		if err != nil {
			return err
		}
		if inner, ok := obj[k].(map[string]any); ok && p.Attr == strings.ToLower(SchemaEnterprise) {
			if err := applyObject(u, op, SchemaEnterprise+":", inner); err != nil {
				return err
			}
			continue
		}
		if err := applyPath(u, op, p, obj[k]); err != nil {
			return err
		}
	}
	return nil
}

func applyPath(u *User, op string, p *Path, v any) error {
	switch {
	case p.Ignored:
		return nil
	case p.Attr == strings.ToLower(SchemaEnterprise):
		obj, ok := v.(map[string]any)
		if !ok || op == "remove" {
			return scimError(400, typeInvalidValue, "the enterprise extension takes an object of its attributes")
		}
		return applyObject(u, op, SchemaEnterprise+":", obj)
	case p.Attr == "active":
		return applyActive(u, op, v)
	case p.Attr == "name":
		return applyName(u, op, v)
	case p.Attr == "emails":
		return applyEmails(u, op, p, v)
	}
	return applyString(u, op, p.Attr, v)
}

func stringField(u *User, attr string) *string {
	switch attr {
	case "username":
		return &u.UserName
	case "externalid":
		return &u.ExternalID
	case "displayname":
		return &u.DisplayName
	case "name.givenname":
		return &u.GivenName
	case "name.familyname":
		return &u.FamilyName
	case "employeenumber":
		return &u.EmployeeNumber
	case "manager":
		return &u.Manager
	}
	return nil
}

func applyString(u *User, op, attr string, v any) error {
	f := stringField(u, attr)
	if f == nil {
		// name.formatted: accepted, not kept.
		return nil
	}
	if op == "remove" {
		if attr == "username" {
			return scimError(400, typeMutability, "userName is required and cannot be removed")
		}
		*f = ""
		return nil
	}
	s, err := asString(v)
	if err != nil {
		return scimError(400, typeInvalidValue, "%s: %v", attr, err)
	}
	if attr == "username" {
		s = strings.TrimSpace(s)
	}
	*f = s
	return nil
}

// applyActive reads booleans as Entra ID sends them: "False", "True".
// Removing active is refused rather than read as false, since false
// terminates somebody.
func applyActive(u *User, op string, v any) error {
	if op == "remove" {
		return scimError(400, typeMutability, "active cannot be removed; replace it with false")
	}
	if m, ok := v.(map[string]any); ok {
		v, _ = lookupFold(m, "value")
	}
	if l, ok := v.([]any); ok && len(l) == 1 {
		v = l[0]
	}
	b, err := asBool(v)
	if err != nil {
		return scimError(400, typeInvalidValue, "active: %v", err)
	}
	u.Active = b
	return nil
}

func applyName(u *User, op string, v any) error {
	if op == "remove" {
		u.GivenName, u.FamilyName = "", ""
		return nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return scimError(400, typeInvalidValue, "name takes an object of givenName, familyName")
	}
	return applyObject(u, op, "name.", obj)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
