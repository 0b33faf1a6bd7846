package sim

import (
	"strings"
	"testing"
)

// TestFoldKey checks foldKey against strings.EqualFold, which the lookup
// it indexes uses: equal keys exactly when EqualFold says equal.
func TestFoldKey(t *testing.T) {
	words := []string{"jdoe", "JDoe", "JDOE", "jdoë", "JDOË", "straße", "STRASSE", "ſtraße", "Straße",
		"\u212Aelvin", "kelvin", "KELVIN", "σς", "ΣΣ", "Σς", "", "a\\b", "A\\B", "u00001", "U00001", "\xff", "\xfe", "ǅ", "ǆ", "Ǆ"}
	for _, a := range words {
		for _, b := range words {
			if eq, same := strings.EqualFold(a, b), foldKey(a) == foldKey(b); eq != same {
				t.Errorf("%q, %q: EqualFold %v, same foldKey %v", a, b, eq, same)
			}
		}
	}
}

// TestFindFollowsRenames checks that the name index follows every way a
// user is stored: seeded, replaced, renamed, turned into a directory user.
func TestFindFollowsRenames(t *testing.T) {
	s := New(Options{APIKey: "k", RunAs: "svc", Users: []User{{UserID: 7, UserName: "Alice"}, {UserID: 8, UserName: "alice"}}})
	names := func(q string) []int {
		var ids []int
		for _, u := range s.find(q) {
			ids = append(ids, u.UserID)
		}
		return ids
	}
	if got := names("ALICE"); len(got) != 2 || got[0] != 7 || got[1] != 8 {
		t.Fatalf("ALICE: %v, want [7 8]", got)
	}
	if _, msg := s.replaceUser(User{UserID: 8, UserName: "bob"}); msg != "" {
		t.Fatal(msg)
	}
	if got := names("alice"); len(got) != 1 || got[0] != 7 {
		t.Errorf("alice after the rename: %v, want [7]", got)
	}
	if got := names("BOB"); len(got) != 1 || got[0] != 8 {
		t.Errorf("BOB: %v, want [8]", got)
	}
	s.PutUser(User{UserID: 7, UserName: "alice", DomainName: "CORP", EmailAddress: "alice@corp.example.com"})
	if got := names("alice"); len(got) != 0 {
		t.Errorf("alice, now a directory user: %v, want none (a bare name finds local users)", got)
	}
	if got := names(`corp\ALICE`); len(got) != 1 || got[0] != 7 {
		t.Errorf(`corp\ALICE: %v, want [7]`, got)
	}
	if got := names("Alice@corp.example.com"); len(got) != 1 || got[0] != 7 {
		t.Errorf("by e-mail: %v, want [7]", got)
	}
	if got := names("svc"); len(got) != 1 {
		t.Errorf("the run-as user: %v", got)
	}
}
