package sourceauth_test

import (
	"testing"

	"github.com/quell-dev/quell/internal/sourceauth"
)

func TestNoneAcceptsEverything(t *testing.T) {
	v := mustNew(t, sourceauth.Config{Scheme: sourceauth.SchemeNone})
	for name, headers := range map[string][]string{
		"no headers":      nil,
		"bad bearer":      {"Authorization", "Bearer nope"},
		"bad signature":   {"webhook-id", "x", "webhook-timestamp", "1", "webhook-signature", "v1,AAAA"},
		"delivery id-ish": {"X-Delivery", "d-1"},
	} {
		t.Run(name, func(t *testing.T) {
			id, err := v.Verify(request(headers...), []byte("anything"))
			checkResult(t, id, err, "", nil)
		})
	}
}
