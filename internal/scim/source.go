package scim

import "strings"

// userSource gives a filter a stored user's attribute values.
type userSource struct{ u User }

func (s userSource) values(attr string) []any {
	u := s.u
	switch attr {
	case "id":
		return text(u.ID)
	case "externalid":
		return text(u.ExternalID)
	case "username":
		return text(u.UserName)
	case "displayname":
		return text(u.DisplayName)
	case "active":
		return []any{u.Active}
	case "name.givenname":
		return text(u.GivenName)
	case "name.familyname":
		return text(u.FamilyName)
	case "employeenumber":
		return text(u.EmployeeNumber)
	case "manager", "manager.value":
		return text(u.Manager)
	case "meta.created":
		return []any{u.Created}
	case "meta.lastmodified":
		return []any{u.LastModified}
	case "meta.resourcetype":
		return []any{"User"}
	case "emails", "emails.value", "emails.type", "emails.primary":
		var out []any
		for _, e := range u.Emails {
			out = append(out, emailSource(e).values(strings.TrimPrefix(strings.TrimPrefix(attr, "emails"), "."))...)
		}
		return out
	}
	return nil
}

func (s userSource) elements(attr string) []source {
	if attr != "emails" {
		return nil
	}
	out := make([]source, 0, len(s.u.Emails))
	for _, e := range s.u.Emails {
		out = append(out, emailSource(e))
	}
	return out
}

// emailSource is one element of emails; "" stands for the element itself,
// which compares as its value.
type emailSource Email

func (e emailSource) values(attr string) []any {
	switch attr {
	case "", "value":
		return text(e.Value)
	case "type":
		return text(e.Type)
	case "primary":
		return []any{e.Primary}
	}
	return nil
}

func (emailSource) elements(string) []source { return nil }

func text(s string) []any {
	if s == "" {
		return nil
	}
	return []any{s}
}
