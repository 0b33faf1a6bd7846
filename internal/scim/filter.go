package scim

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Filter is a parsed SCIM filter (RFC 7644 section 3.4.2.2).
type Filter interface {
	match(s source) bool
	// String renders the filter canonically: attribute paths and
	// operators lower-cased, parentheses only where needed.
	String() string
}

// source gives a filter the values of one resource or one element of a
// multi-valued attribute, by canonical (lower-case) attribute path.
type source interface {
	values(attr string) []any
	elements(attr string) []source
}

// Limits that keep a hostile filter from costing more than a real one.
const (
	maxFilterLen   = 4096
	maxFilterDepth = 16
)

type attrKind int

const (
	kindString attrKind = iota
	kindBool
	kindDate
)

type attrInfo struct {
	kind      attrKind
	caseExact bool
	// sub is the schema of a multi-valued complex attribute's elements.
	sub map[string]attrInfo
}

var emailAttrs = map[string]attrInfo{"value": {}, "type": {}, "primary": {kind: kindBool}}

// userAttrs are the attributes of a stored user a filter can name. emails
// alone compares its elements' value, as RFC 7644 says of a multi-valued
// attribute without a sub-attribute.
var userAttrs = map[string]attrInfo{
	"id": {caseExact: true}, "externalid": {caseExact: true}, "username": {}, "displayname": {},
	"active": {kind: kindBool}, "name.givenname": {}, "name.familyname": {},
	"emails": {sub: emailAttrs}, "emails.value": {}, "emails.type": {}, "emails.primary": {kind: kindBool},
	"employeenumber": {}, "manager": {caseExact: true}, "manager.value": {caseExact: true},
	"meta.created": {kind: kindDate}, "meta.lastmodified": {kind: kindDate}, "meta.resourcetype": {},
}

// schema prefixes an attribute path may carry (RFC 7644 section 3.10).
var urnPrefixes = []string{strings.ToLower(SchemaUser) + ":", strings.ToLower(SchemaEnterprise) + ":"}

// ParseFilter parses a filter over the User resource.
func ParseFilter(s string) (Filter, error) {
	if len(s) > maxFilterLen {
		return nil, scimError(400, typeInvalidFilter, "filter longer than %d bytes", maxFilterLen)
	}
	toks, err := tokenize(s)
	if err != nil {
		return nil, scimError(400, typeInvalidFilter, "%v", err)
	}
	p := &parser{toks: toks, attrs: userAttrs}
	f, err := p.or(0)
	if err == nil && p.pos < len(p.toks) {
		err = fmt.Errorf("unexpected %q", p.toks[p.pos].text)
	}
	if err != nil {
		return nil, scimError(400, typeInvalidFilter, "%v", err)
	}
	return f, nil
}

type token struct {
	text   string
	quoted bool // a JSON string literal, already decoded
}

func tokenize(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case strings.IndexByte("()[]", c) >= 0:
			toks = append(toks, token{text: s[i : i+1]})
			i++
		case c == '"':
			end, err := stringEnd(s, i)
			if err != nil {
				return nil, err
			}
			var v string
			if err := json.Unmarshal([]byte(s[i:end]), &v); err != nil {
				return nil, fmt.Errorf("bad string %s: %v", s[i:end], err)
			}
			toks = append(toks, token{text: v, quoted: true})
			i = end
		default:
			j := i
			for j < len(s) && strings.IndexByte(" \t\n\r()[]\"", s[j]) < 0 {
				j++
			}
			toks = append(toks, token{text: s[i:j]})
			i = j
		}
	}
	return toks, nil
}

// stringEnd returns the index after the closing quote of the string at i.
func stringEnd(s string, i int) (int, error) {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		}
	}
	return 0, fmt.Errorf("unterminated string at %d", i)
}

type parser struct {
	toks  []token
	pos   int
	attrs map[string]attrInfo
}

func (p *parser) peek() (token, bool) {
	if p.pos >= len(p.toks) {
		return token{}, false
	}
	return p.toks[p.pos], true
}

// keyword reports whether the next token is the unquoted word w (any case)
// and consumes it if so.
func (p *parser) keyword(w string) bool {
	t, ok := p.peek()
	if ok && !t.quoted && strings.EqualFold(t.text, w) {
		p.pos++
		return true
	}
	return false
}

func (p *parser) expect(w string) error {
	if !p.keyword(w) {
		t, ok := p.peek()
		if !ok {
			return fmt.Errorf("expected %q, found the end", w)
		}
		return fmt.Errorf("expected %q, found %q", w, t.text)
	}
	return nil
}

// or and and give "and" the higher precedence, as RFC 7644 does.
func (p *parser) or(depth int) (Filter, error) {
	l, err := p.and(depth)
	for err == nil && p.keyword("or") {
		var r Filter
		if r, err = p.and(depth); err == nil {
			l = logical{op: "or", l: l, r: r}
		}
	}
	return l, err
}

func (p *parser) and(depth int) (Filter, error) {
	l, err := p.unary(depth)
	for err == nil && p.keyword("and") {
		var r Filter
		if r, err = p.unary(depth); err == nil {
			l = logical{op: "and", l: l, r: r}
		}
	}
	return l, err
}

func (p *parser) unary(depth int) (Filter, error) {
	if depth >= maxFilterDepth {
		return nil, fmt.Errorf("filter nested deeper than %d", maxFilterDepth)
	}
	if p.keyword("not") {
		if err := p.expect("("); err != nil {
			return nil, err
		}
		f, err := p.group(depth + 1)
		return not{f: f}, err
	}
	if p.keyword("(") {
		return p.group(depth + 1)
	}
	return p.attrExp(depth)
}

func (p *parser) group(depth int) (Filter, error) {
	f, err := p.or(depth)
	if err != nil {
		return nil, err
	}
	return f, p.expect(")")
}

func (p *parser) attrExp(depth int) (Filter, error) {
	t, ok := p.peek()
	if !ok || t.quoted {
		return nil, fmt.Errorf("expected an attribute, found %s", describe(t, ok))
	}
	p.pos++
	attr, err := canonAttr(t.text)
	if err != nil {
		return nil, err
	}
	info, known := p.attrs[attr]
	if !known {
		return nil, fmt.Errorf("cannot filter on %q", t.text)
	}
	if p.keyword("[") {
		return p.valuePath(attr, info, depth)
	}
	if p.keyword("pr") {
		return present{attr: attr}, nil
	}
	return p.comparison(attr, info)
}

func (p *parser) valuePath(attr string, info attrInfo, depth int) (Filter, error) {
	if info.sub == nil {
		return nil, fmt.Errorf("%s is not a multi-valued complex attribute", attr)
	}
	sub := &parser{toks: p.toks, pos: p.pos, attrs: info.sub}
	f, err := sub.or(depth + 1)
	p.pos = sub.pos
	if err != nil {
		return nil, err
	}
	if err := p.expect("]"); err != nil {
		return nil, err
	}
	return valuePath{attr: attr, f: f}, nil
}

var compareOps = map[string]bool{"eq": true, "ne": true, "co": true, "sw": true, "ew": true, "gt": true, "ge": true, "lt": true, "le": true}

func (p *parser) comparison(attr string, info attrInfo) (Filter, error) {
	t, ok := p.peek()
	if !ok || t.quoted || !compareOps[strings.ToLower(t.text)] {
		return nil, fmt.Errorf("expected an operator after %s, found %s", attr, describe(t, ok))
	}
	p.pos++
	op := strings.ToLower(t.text)
	v, ok := p.peek()
	if !ok {
		return nil, fmt.Errorf("expected a value after %s %s", attr, op)
	}
	p.pos++
	val, err := compValue(v)
	if err != nil {
		return nil, err
	}
	if err := checkOperand(attr, info, op, val); err != nil {
		return nil, err
	}
	return compare{attr: attr, op: op, value: val, caseExact: info.caseExact}, nil
}

func compValue(t token) (any, error) {
	if t.quoted {
		return t.text, nil
	}
	switch strings.ToLower(t.text) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "null":
		return nil, nil
	}
	if f, err := strconv.ParseFloat(t.text, 64); err == nil {
		return f, nil
	}
	return nil, fmt.Errorf("%q is not a value (quote strings)", t.text)
}

// checkOperand refuses comparisons that can only be a client's mistake.
func checkOperand(attr string, info attrInfo, op string, val any) error {
	switch v := val.(type) {
	case bool:
		if info.kind != kindBool || (op != "eq" && op != "ne") {
			return fmt.Errorf("%s %s %v: booleans compare with eq or ne on a boolean attribute", attr, op, v)
		}
	case string:
		if info.kind == kindBool {
			return fmt.Errorf("%s is a boolean: compare it with true or false", attr)
		}
	case float64:
		return fmt.Errorf("%s %s %v: no attribute of a user is a number", attr, op, v)
	case nil:
		if op != "eq" && op != "ne" {
			return fmt.Errorf("%s %s null: null compares with eq or ne only", attr, op)
		}
	}
	return nil
}

// canonAttr lower-cases an attribute path and drops a User or enterprise
// schema URN prefix.
func canonAttr(s string) (string, error) {
	a := strings.ToLower(s)
	for _, pre := range urnPrefixes {
		if strings.HasPrefix(a, pre) {
			a = a[len(pre):]
			break
		}
	}
	if a == "" || strings.Trim(a, "abcdefghijklmnopqrstuvwxyz0123456789_-.$") != "" {
		return "", fmt.Errorf("%q is not an attribute path", s)
	}
	return a, nil
}

func describe(t token, ok bool) string {
	if !ok {
		return "the end"
	}
	return strconv.Quote(t.text)
}

type logical struct {
	op   string
	l, r Filter
}

func (f logical) match(s source) bool {
	if f.op == "and" {
		return f.l.match(s) && f.r.match(s)
	}
	return f.l.match(s) || f.r.match(s)
}

// String adds parentheses only where the parse needed them, so the
// canonical form is never nested deeper than the filter it came from.
func (f logical) String() string {
	l, r := f.l.String(), f.r.String()
	if c, ok := f.l.(logical); ok && c.op == "or" && f.op == "and" {
		l = "(" + l + ")"
	}
	if c, ok := f.r.(logical); ok && (c.op == f.op || c.op == "or") {
		r = "(" + r + ")"
	}
	return l + " " + f.op + " " + r
}

type not struct{ f Filter }

func (f not) match(s source) bool { return !f.f.match(s) }
func (f not) String() string      { return "not (" + f.f.String() + ")" }

type present struct{ attr string }

func (f present) match(s source) bool {
	for _, v := range s.values(f.attr) {
		if v != nil && v != "" {
			return true
		}
	}
	return false
}

func (f present) String() string { return f.attr + " pr" }

type valuePath struct {
	attr string
	f    Filter
}

func (f valuePath) match(s source) bool {
	for _, e := range s.elements(f.attr) {
		if f.f.match(e) {
			return true
		}
	}
	return false
}

func (f valuePath) String() string { return f.attr + "[" + f.f.String() + "]" }

type compare struct {
	attr      string
	op        string
	value     any
	caseExact bool
}

func (f compare) String() string {
	b, _ := json.Marshal(f.value)
	return f.attr + " " + f.op + " " + string(b)
}

func (f compare) match(s source) bool {
	vals := s.values(f.attr)
	if f.value == nil {
		// "eq null" is true when the attribute has no value.
		return (len(vals) == 0) == (f.op == "eq")
	}
	for _, v := range vals {
		if f.one(v) {
			return true
		}
	}
	// ne is true of a missing attribute as well.
	return f.op == "ne" && len(vals) == 0
}

func (f compare) one(v any) bool {
	if b, ok := f.value.(bool); ok {
		vb, isBool := v.(bool)
		return isBool && (vb == b) == (f.op == "eq")
	}
	want, _ := f.value.(string)
	if t, isTime := v.(time.Time); isTime {
		return compareTimes(f.op, t, want)
	}
	got, ok := v.(string)
	if !ok {
		return false
	}
	if !f.caseExact {
		got, want = strings.ToLower(got), strings.ToLower(want)
	}
	return compareStrings(f.op, got, want)
}

// compareTimes compares a dateTime chronologically (RFC 7644 section
// 3.4.2.2); a value that is not a dateTime matches nothing.
func compareTimes(op string, got time.Time, want string) bool {
	w, err := time.Parse(time.RFC3339Nano, want)
	if err != nil {
		return false
	}
	c := got.Compare(w)
	switch op {
	case "eq":
		return c == 0
	case "ne":
		return c != 0
	case "gt":
		return c > 0
	case "ge":
		return c >= 0
	case "lt":
		return c < 0
	case "le":
		return c <= 0
	default:
		return false
	}
}

func compareStrings(op, got, want string) bool {
	switch op {
	case "eq":
		return got == want
	case "ne":
		return got != want
	case "co":
		return strings.Contains(got, want)
	case "sw":
		return strings.HasPrefix(got, want)
	case "ew":
		return strings.HasSuffix(got, want)
	case "gt":
		return got > want
	case "ge":
		return got >= want
	case "lt":
		return got < want
	default:
		return got <= want
	}
}

// userNameEquals returns the name when f is exactly `userName eq "name"`,
// the lookup Entra ID and Okta make before every create, which the
// directory answers from its index instead of a scan.
func userNameEquals(f Filter) (string, bool) {
	c, ok := f.(compare)
	if !ok || c.attr != "username" || c.op != "eq" {
		return "", false
	}
	s, ok := c.value.(string)
	return s, ok
}
