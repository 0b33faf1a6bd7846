package threadfix

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"
)

func TestParseInt(t *testing.T) {
	cases := []struct {
		in   any
		want int
		ok   bool
	}{
		{-1, -1, true}, {int64(7), 7, true}, {int32(3), 3, true}, {float64(-1), -1, true}, {" 12 ", 12, true},
		{json.Number("5"), 5, true}, {"+4", 4, true},
		{1.5, 0, false}, {math.NaN(), 0, false}, {math.Inf(1), 0, false}, {"1e3", 0, false}, {"", 0, false},
		{int64(math.MaxInt32) + 1, 0, false}, {float64(math.MaxInt32) + 1, 0, false}, {"2147483648", 0, false},
		{true, 0, false}, {nil, 0, false}, {[]int{1}, 0, false},
	}
	for _, tc := range cases {
		got, err := parseInt(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseInt(%#v) = %d, %v; want %d ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

// FuzzParseInt checks that text is accepted exactly when it is a Java int,
// and that the value is the one strconv reads.
func FuzzParseInt(f *testing.F) {
	for _, s := range []string{"-1", "0", "2147483647", "-2147483649", " 3", "x", "1.0", "+0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseInt(s)
		want, werr := strconv.ParseInt(strings.TrimSpace(s), 10, 32)
		if (err == nil) != (werr == nil) || (err == nil && int64(got) != want) {
			t.Fatalf("parseInt(%q) = %d, %v; strconv says %d, %v", s, got, err, want, werr)
		}
		if err == nil {
			if f, ferr := parseInt(float64(got)); ferr != nil || f != got {
				t.Fatalf("float64 %d: %d, %v", got, f, ferr)
			}
		}
	})
}

// FuzzParseChange checks that any single attribute value is either refused
// or turned into a form ThreadFix would take.
func FuzzParseChange(f *testing.F) {
	f.Add("username", "jdoe")
	f.Add("user_type", "ldap")
	f.Add("global_role_id", "-1")
	f.Add("display_name", "A\x00")
	f.Fuzz(func(t *testing.T, attr, value string) {
		ch, err := parseChange(map[string]any{attr: value})
		if err != nil {
			return
		}
		form := ch.form()
		if len(form) == 0 {
			t.Fatalf("%s=%q accepted with nothing to send", attr, value)
		}
		if n := form.Get("name"); form.Has("name") && (n == "" || len([]rune(n)) > MaxNameLength) {
			t.Fatalf("name %q accepted", n)
		}
		if form.Get("type") == TypeLDAP || form.Has("activeDirectoryId") {
			t.Fatalf("LDAP without a directory accepted: %v", form)
		}
		if r := form.Get("globalRoleId"); form.Has("globalRoleId") {
			if id, err := strconv.Atoi(r); err != nil || id < NoGlobalAccess {
				t.Fatalf("globalRoleId %q accepted", r)
			}
		}
	})
}
