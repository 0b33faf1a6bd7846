package scim

import (
	"slices"
	"strings"
)

// applyEmails runs one operation on the multi-valued emails attribute.
func applyEmails(u *User, op string, p *Path, v any) error {
	if p.Filter == nil {
		return applyEmailList(u, op, v)
	}
	var hit []int
	for i, e := range u.Emails {
		if p.Filter.match(emailSource(e)) {
			hit = append(hit, i)
		}
	}
	if op == "remove" {
		removeEmails(u, hit, p.Sub)
		return nil
	}
	if len(hit) == 0 {
		// Entra ID adds a work address with `emails[type eq "work"].value`
		// on a user that has none: create the element the filter describes.
		u.Emails = append(u.Emails, emailFromFilter(p.Filter))
		hit = []int{len(u.Emails) - 1}
	}
	for _, i := range hit {
		if err := setEmail(&u.Emails[i], p.Sub, v); err != nil {
			return err
		}
	}
	onePrimary(u, hit)
	return nil
}

// applyEmailList adds to, replaces or clears the whole list.
func applyEmailList(u *User, op string, v any) error {
	if op == "remove" {
		u.Emails = nil
		return nil
	}
	items, ok := v.([]any)
	if !ok {
		items = []any{v}
	}
	var add []Email
	for _, item := range items {
		var e Email
		if err := setEmail(&e, "", item); err != nil {
			return err
		}
		add = append(add, e)
	}
	if op == "replace" {
		u.Emails = nil
	}
	var touched []int
	for _, e := range add {
		i := indexEmail(u.Emails, e.Value)
		if i < 0 {
			u.Emails = append(u.Emails, e)
			i = len(u.Emails) - 1
		} else {
			u.Emails[i] = e
		}
		touched = append(touched, i)
	}
	onePrimary(u, touched)
	return nil
}

// setEmail sets sub-attribute sub of e (all of them from an object when
// sub is empty).
func setEmail(e *Email, sub string, v any) error {
	if sub == "" {
		obj, ok := v.(map[string]any)
		if !ok {
			// A bare address: the element's value.
			return setEmail(e, "value", v)
		}
		for _, k := range sortedKeys(obj) {
			lk := strings.ToLower(k)
			if _, known := emailAttrs[lk]; known {
				if err := setEmail(e, lk, obj[k]); err != nil {
					return err
				}
			}
		}
		return nil
	}
	switch sub {
	case "primary":
		b, err := asBool(v)
		if err != nil {
			return scimError(400, typeInvalidValue, "emails.primary: %v", err)
		}
		e.Primary = b
	default:
		s, err := asString(v)
		if err != nil {
			return scimError(400, typeInvalidValue, "emails.%s: %v", sub, err)
		}
		if sub == "value" {
			e.Value = strings.TrimSpace(s)
		} else {
			e.Type = s
		}
	}
	return nil
}

// removeEmails drops the matched elements, or only their sub-attribute;
// an email without its value is no email, so removing value drops it.
func removeEmails(u *User, hit []int, sub string) {
	if sub != "" && sub != "value" {
		for _, i := range hit {
			if sub == "type" {
				u.Emails[i].Type = ""
			} else {
				u.Emails[i].Primary = false
			}
		}
		return
	}
	keep := u.Emails[:0]
	for i, e := range u.Emails {
		if !slices.Contains(hit, i) {
			keep = append(keep, e)
		}
	}
	u.Emails = keep
}

// emailFromFilter builds the element an equality filter describes:
// `type eq "work"` gives {type: work}.
func emailFromFilter(f Filter) Email {
	var e Email
	var walk func(Filter)
	walk = func(f Filter) {
		switch t := f.(type) {
		case logical:
			if t.op == "and" {
				walk(t.l)
				walk(t.r)
			}
		case compare:
			if t.op != "eq" {
				return
			}
			switch t.attr {
			case "type":
				e.Type, _ = t.value.(string)
			case "value":
				e.Value, _ = t.value.(string)
			case "primary":
				e.Primary, _ = t.value.(bool)
			}
		}
	}
	walk(f)
	return e
}

// onePrimary keeps at most one primary address (RFC 7643 section 2.4):
// the last one set wins.
func onePrimary(u *User, touched []int) {
	winner := -1
	for _, i := range touched {
		if u.Emails[i].Primary {
			winner = i
		}
	}
	if winner < 0 {
		return
	}
	for i := range u.Emails {
		u.Emails[i].Primary = i == winner
	}
}

func indexEmail(list []Email, value string) int {
	for i, e := range list {
		if strings.EqualFold(e.Value, value) {
			return i
		}
	}
	return -1
}
