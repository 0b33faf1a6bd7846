package simkit

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// Params holds the values of a route's {name} segments.
type Params map[string]string

// HandlerFunc serves one route; p carries the route's {name} segments.
type HandlerFunc func(w http.ResponseWriter, r *http.Request, p Params)

// pattern is a parsed "METHOD path" pattern.
type pattern struct {
	method string // upper case, or "*"
	segs   []string
}

// parsePattern reads "METHOD path" or "*". Method "*" is allowed only when
// anyMethod is true (faults), because a route must say what it answers.
func parsePattern(s string, anyMethod bool) (pattern, error) {
	s = strings.TrimSpace(s)
	if s == "*" && anyMethod {
		return pattern{method: "*", segs: []string{"*"}}, nil
	}
	method, path, ok := strings.Cut(s, " ")
	if !ok || method == "" {
		return pattern{}, fmt.Errorf("simkit: pattern %q: want \"METHOD path\"", s)
	}
	if method == "*" && !anyMethod {
		return pattern{}, fmt.Errorf("simkit: route %q: method must be explicit", s)
	}
	segs := splitPath(path)
	for i, seg := range segs {
		if seg == "*" && i != len(segs)-1 {
			return pattern{}, fmt.Errorf("simkit: pattern %q: \"*\" must be the last segment", s)
		}
	}
	return pattern{method: strings.ToUpper(method), segs: segs}, nil
}

// matchPath matches request path segments against the pattern's segments.
func (p pattern) matchPath(segs []string) (Params, bool) {
	var params Params
	for i, want := range p.segs {
		if want == "*" {
			return params, true
		}
		if i >= len(segs) {
			return nil, false
		}
		if name, ok := paramName(want); ok {
			if params == nil {
				params = Params{}
			}
			params[name] = segs[i]
			continue
		}
		if !strings.EqualFold(want, segs[i]) {
			return nil, false
		}
	}
	return params, len(segs) == len(p.segs)
}

// match matches method and path.
func (p pattern) match(method string, segs []string) (Params, bool) {
	if p.method != "*" && !strings.EqualFold(p.method, method) {
		return nil, false
	}
	return p.matchPath(segs)
}

func paramName(seg string) (string, bool) {
	if len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}' {
		return seg[1 : len(seg)-1], true
	}
	return "", false
}

// splitPath splits a URL path into its non-empty segments, so "/a//b/" and
// "a/b" are the same route (IIS is as lenient).
func splitPath(path string) []string {
	var segs []string
	for _, s := range strings.Split(path, "/") {
		if s != "" {
			segs = append(segs, s)
		}
	}
	return segs
}

// stripPrefix removes the first of prefixes the path starts with (compared
// case-insensitively, segment by segment). ok is false when none matched.
func stripPrefix(segs []string, prefixes [][]string) (rest []string, ok bool) {
	if len(prefixes) == 0 {
		return segs, true
	}
	for _, pre := range prefixes {
		if len(segs) < len(pre) {
			continue
		}
		match := true
		for i := range pre {
			if !strings.EqualFold(pre[i], segs[i]) {
				match = false
				break
			}
		}
		if match {
			return segs[len(pre):], true
		}
	}
	return nil, false
}

type route struct {
	pattern
	handler HandlerFunc
}

// dispatch finds the route for the request: a handler, or 404 when no route
// has the path, or 405 (with Allow) when routes have the path but not the
// method.
func dispatch(routes []route, notFound http.HandlerFunc, w http.ResponseWriter, r *http.Request, segs []string) {
	var allow []string
	for _, rt := range routes {
		params, ok := rt.matchPath(segs)
		if !ok {
			continue
		}
		if strings.EqualFold(rt.method, r.Method) {
			rt.handler(w, r, params)
			return
		}
		allow = append(allow, rt.method)
	}
	if len(allow) == 0 {
		notFound(w, r)
		return
	}
	sort.Strings(allow)
	w.Header().Set("Allow", strings.Join(allow, ", "))
	http.Error(w, "method "+r.Method+" not allowed", http.StatusMethodNotAllowed)
}
