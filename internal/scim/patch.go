package scim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// PatchOp is one operation of a PATCH request (RFC 7644 section 3.5.2).
type PatchOp struct {
	// Op is "add", "replace" or "remove"; Entra ID's "Replace" is read
	// as "replace".
	Op string
	// Path is nil for an operation without a path, whose value is an
	// object of attribute paths and values.
	Path  *Path
	Value any
}

// Path is a PATCH target: attrPath[valFilter].subAttr.
type Path struct {
	// Attr is the canonical (lower-case, schema prefix dropped) attribute.
	Attr   string
	Filter Filter
	Sub    string
	// Ignored is set for attributes Quell does not keep; operations on
	// them succeed and change nothing.
	Ignored bool
}

// maxOperations bounds the work one PATCH can ask for.
const maxOperations = 1000

type patchBody struct {
	Schemas    []string `json:"schemas"`
	Operations []struct {
		Op    string          `json:"op"`
		Path  string          `json:"path"`
		Value json.RawMessage `json:"value"`
	} `json:"Operations"`
}

// ParsePatch reads a [PatchOp] request body.
func ParsePatch(body []byte) ([]PatchOp, error) {
	var b patchBody
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&b); err != nil {
		return nil, scimError(400, typeInvalidSyntax, "the body is not a PatchOp request: %v", err)
	}
	if len(b.Schemas) > 0 && !slices.ContainsFunc(b.Schemas, func(s string) bool { return strings.EqualFold(s, SchemaPatchOp) }) {
		return nil, scimError(400, typeInvalidSyntax, "schemas must be [%q]", SchemaPatchOp)
	}
	if len(b.Operations) == 0 {
		return nil, scimError(400, typeInvalidSyntax, "Operations is missing or empty")
	}
	if len(b.Operations) > maxOperations {
		return nil, scimError(400, typeInvalidSyntax, "more than %d operations", maxOperations)
	}
	ops := make([]PatchOp, 0, len(b.Operations))
	for i, o := range b.Operations {
		op, err := parseOp(o.Op, o.Path, o.Value)
		if err != nil {
			return nil, prefixed(fmt.Sprintf("Operations[%d]: ", i), err)
		}
		ops = append(ops, op)
	}
	return ops, nil
}

func parseOp(opName, path string, raw json.RawMessage) (PatchOp, error) {
	op := PatchOp{Op: strings.ToLower(strings.TrimSpace(opName))}
	if op.Op != "add" && op.Op != "replace" && op.Op != "remove" {
		return op, scimError(400, typeInvalidSyntax, "op %q: use add, replace or remove", opName)
	}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &op.Value); err != nil {
			return op, scimError(400, typeInvalidValue, "value: %v", err)
		}
	}
	if strings.TrimSpace(path) != "" {
		p, err := ParsePath(path)
		if err != nil {
			return op, err
		}
		op.Path = p
	}
	switch {
	case op.Path == nil && op.Op == "remove":
		return op, scimError(400, typeNoTarget, "remove needs a path")
	case op.Path == nil:
		if _, ok := op.Value.(map[string]any); !ok {
			return op, scimError(400, typeInvalidValue, "an operation without a path needs an object value")
		}
	case op.Op != "remove" && op.Value == nil:
		return op, scimError(400, typeInvalidValue, "%s %s needs a value", op.Op, path)
	}
	return op, nil
}

// patchAttrs are the attributes a PATCH can change; other known paths are
// read-only, anything else is ignored.
var patchAttrs = map[string]bool{
	"username": true, "externalid": true, "displayname": true, "active": true, "name": true,
	"name.givenname": true, "name.familyname": true, "name.formatted": true, "emails": true,
	"employeenumber": true, "manager": true,
}

var readOnlyAttrs = map[string]bool{"id": true, "meta": true, "meta.created": true, "meta.lastmodified": true,
	"meta.location": true, "meta.version": true, "meta.resourcetype": true}

// ParsePath reads a PATCH path such as `emails[type eq "work"].value` or
// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`.
func ParsePath(s string) (*Path, error) {
	if len(s) > maxFilterLen {
		return nil, scimError(400, typeInvalidPath, "path longer than %d bytes", maxFilterLen)
	}
	lower := strings.ToLower(strings.TrimSpace(s))
	if strings.HasPrefix(lower, "urn:") && !slices.ContainsFunc(urnPrefixes, func(p string) bool { return strings.HasPrefix(lower, p) }) {
		if lower == strings.ToLower(SchemaEnterprise) {
			return &Path{Attr: lower}, nil
		}
		// Another schema's extension: nothing Quell keeps.
		return &Path{Attr: lower, Ignored: true}, nil
	}
	attrText, rest, hasFilter := strings.Cut(strings.TrimSpace(s), "[")
	attr, err := canonAttr(attrText)
	if err != nil {
		return nil, scimError(400, typeInvalidPath, "%v", err)
	}
	p := &Path{Attr: attr}
	if hasFilter {
		if err := p.parseFilter(s, rest); err != nil {
			return nil, err
		}
	}
	if attr == "manager.value" {
		p.Attr = "manager"
	}
	switch {
	case readOnlyAttrs[p.Attr]:
		return nil, scimError(400, typeMutability, "%s is read-only", s)
	case p.Attr == "emails.value" || p.Attr == "emails.type" || p.Attr == "emails.primary":
		return nil, scimError(400, typeInvalidPath, "%s: say which email, e.g. emails[type eq \"work\"].value", s)
	case !patchAttrs[p.Attr]:
		p.Ignored = true
	}
	return p, nil
}

// parseFilter reads `valFilter].subAttr` after the "[" of path s.
func (p *Path) parseFilter(s, rest string) error {
	end := closingBracket(rest)
	if end < 0 {
		return scimError(400, typeInvalidPath, "%s: no closing ]", s)
	}
	if p.Attr != "emails" {
		// Only emails is a multi-valued attribute Quell keeps.
		p.Ignored = true
		return nil
	}
	toks, err := tokenize(rest[:end])
	if err != nil {
		return scimError(400, typeInvalidPath, "%s: %v", s, err)
	}
	fp := &parser{toks: toks, attrs: emailAttrs}
	f, err := fp.or(1)
	if err == nil && fp.pos < len(toks) {
		err = fmt.Errorf("unexpected %q", toks[fp.pos].text)
	}
	if err != nil {
		return scimError(400, typeInvalidPath, "%s: %v", s, err)
	}
	p.Filter = f
	after := rest[end+1:]
	if after == "" {
		return nil
	}
	sub, ok := strings.CutPrefix(after, ".")
	sub = strings.ToLower(sub)
	if _, known := emailAttrs[sub]; !ok || !known {
		return scimError(400, typeInvalidPath, "%s: %q is not a sub-attribute of emails", s, after)
	}
	p.Sub = sub
	return nil
}

// closingBracket finds the "]" that closes a value filter, skipping
// quoted strings.
func closingBracket(s string) int {
	inString := false
	for i := 0; i < len(s); i++ {
		switch {
		case inString && s[i] == '\\':
			i++
		case s[i] == '"':
			inString = !inString
		case !inString && s[i] == ']':
			return i
		}
	}
	return -1
}

func prefixed(prefix string, err error) error {
	if e, ok := err.(*Error); ok {
		return &Error{Status: e.Status, Type: e.Type, Detail: prefix + e.Detail}
	}
	return fmt.Errorf("%s%w", prefix, err)
}
