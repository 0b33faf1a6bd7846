package commvault

import (
	"strings"
	"testing"
	"unicode"
)

func TestParseGroup(t *testing.T) {
	cases := []struct {
		in      string
		want    groupRef
		wantErr string
	}{
		{in: "Helpdesk", want: groupRef{name: "Helpdesk"}},
		{in: `  CORP\PAM Admins `, want: groupRef{name: `CORP\PAM Admins`}},
		{in: "id:12", want: groupRef{id: 12}},
		{in: "ID: 007", want: groupRef{id: 7}},
		{in: "Id:2147483647", want: groupRef{id: 2147483647}},
		{in: "12", want: groupRef{name: "12"}}, // a bare number is a name
		{in: "idle users", want: groupRef{name: "idle users"}},
		{in: "id", want: groupRef{name: "id"}},
		{in: "", wantErr: "empty group"},
		{in: "  \t", wantErr: "empty group"},
		{in: "a\x00b", wantErr: "control characters"},
		{in: "id:", wantErr: "positive group id"},
		{in: "id:0", wantErr: "positive group id"},
		{in: "id:-3", wantErr: "positive group id"},
		{in: "id:+3", wantErr: "positive group id"},
		{in: "id:1e3", wantErr: "positive group id"},
		{in: "id:2147483648", wantErr: "positive group id"},
		{in: "id:99999999999999999999999", wantErr: "positive group id"},
		{in: "id:abc", wantErr: "positive group id"},
	}
	for _, tc := range cases {
		got, err := parseGroup(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("parseGroup(%q) = %+v, %v; want error %q", tc.in, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parseGroup(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func TestGroupRefMatches(t *testing.T) {
	e := entity{ID: 4, Name: "Helpdesk"}
	for _, tc := range []struct {
		g    groupRef
		want bool
	}{{groupRef{id: 4}, true}, {groupRef{id: 5}, false}, {groupRef{name: "HELPDESK"}, true}, {groupRef{name: "Help"}, false}} {
		if got := tc.g.matches(e); got != tc.want {
			t.Errorf("%+v.matches = %v", tc.g, got)
		}
	}
}

// FuzzParseGroup checks that parseGroup never panics, that what it accepts
// is exactly one of id or name, well-formed, and survives a round trip
// through String (the form the outcome reports).
func FuzzParseGroup(f *testing.F) {
	for _, s := range []string{"Helpdesk", "id:12", "ID: 007", "id:", "id:-1", "id:99999999999", " x ", "\x00", "id:１２", "ıd:3", "İD:4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		g, err := parseGroup(s)
		if err != nil {
			return
		}
		if (g.id > 0) == (g.name != "") {
			t.Fatalf("parseGroup(%q) = %+v: want exactly one of id and name", s, g)
		}
		if g.name != "" && (g.name != strings.TrimSpace(g.name) || strings.ContainsFunc(g.name, unicode.IsControl)) {
			t.Fatalf("parseGroup(%q) kept an untrimmed or control name %q", s, g.name)
		}
		again, err := parseGroup(g.String())
		if err != nil || again != g {
			t.Fatalf("round trip of %q: %+v -> %q -> %+v, %v", s, g, g.String(), again, err)
		}
		if len(g.wire()) != 1 {
			t.Fatalf("wire form %v has both id and name", g.wire())
		}
	})
}
