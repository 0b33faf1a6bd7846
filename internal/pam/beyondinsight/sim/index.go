package sim

import (
	"slices"
	"unicode"
)

// GET Users?username= finds a local user by its UserName, ignoring case
// (strings.EqualFold). Scanning every user per lookup made the simulator,
// not Quell, the bottleneck of quell-perf's storms and backlogs about
// 10,000 users and more, so local users are indexed by foldKey(UserName).

// foldKey maps s to the same key as every string strings.EqualFold finds
// equal to it, and only those: each rune becomes the smallest rune of its
// case-folding orbit (unicode.SimpleFold), the orbits EqualFold compares
// by.
func foldKey(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
		out = append(out, m)
	}
	return string(out)
}

// store puts u in place of the user with its id, keeping the name index
// up to date. s.mu must be held.
func (s *Server) store(u *User) {
	if old, ok := s.users[u.UserID]; ok && !old.IsDirectory() {
		k := foldKey(old.UserName)
		s.byName[k] = slices.DeleteFunc(s.byName[k], func(id int) bool { return id == u.UserID })
		if len(s.byName[k]) == 0 {
			delete(s.byName, k)
		}
	}
	s.users[u.UserID] = u
	if !u.IsDirectory() {
		if s.byName == nil {
			s.byName = map[string][]int{}
		}
		k := foldKey(u.UserName)
		s.byName[k] = append(s.byName[k], u.UserID)
	}
}
