package dlq

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTruncateReason(t *testing.T) {
	tests := []struct {
		name, in string
		n        int
		want     string
	}{
		{"short stays", "403 from the target", 1024, "403 from the target"},
		{"exactly n stays", strings.Repeat("a", 8), 8, strings.Repeat("a", 8)},
		{"ascii cut", strings.Repeat("a", 20), 10, strings.Repeat("a", 7) + "…"},
		{"no split rune", "aaaaaé" + strings.Repeat("b", 10), 9, "aaaaa…"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := truncate(tc.in, tc.n)
			if got != tc.want {
				t.Fatalf("truncate = %q, want %q", got, tc.want)
			}
			if len(got) > tc.n || !utf8.ValidString(got) {
				t.Fatalf("truncate = %q: %d bytes (limit %d), valid UTF-8 %v", got, len(got), tc.n, utf8.ValidString(got))
			}
		})
	}
}
