package beyondinsight

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/quell-dev/quell/internal/actions"
)

// errFlagsChanged marks an update whose answer shows the user's quarantine
// lifted or its activity changed: the one thing an attribute update must
// never do.
var errFlagsChanged = errors.New("the update changed the user's quarantine or activity")

// checkFlags reads the user as PUT Users/{id} left it, from the answer
// (the user, as an object or a one-element array) or, when the answer is
// not one, from GET Users/{id}, and compares its quarantine and activity
// with before's. A lifted quarantine is put back at once with
// POST Users/{id}/Quarantine, as an attacker must not stay in; either way
// the error is permanent, for a person to look at: the product then does
// not honour the flags the body carries.
func (c *Client) checkFlags(ctx context.Context, before user, answer []byte) error {
	after, err := c.userAfter(ctx, before.UserID, answer)
	if err != nil {
		return fmt.Errorf("the update was made, but reading the user back to check its quarantine and activity failed: %w", err)
	}
	var problems []string
	if before.IsQuarantined && !after.IsQuarantined {
		problems = append(problems, "it lifted the quarantine ("+c.requarantine(ctx, before.UserID)+")")
	}
	if before.IsActive != nil && after.IsActive != nil && *before.IsActive != *after.IsActive {
		problems = append(problems, fmt.Sprintf("it changed IsActive from %t to %t (an administrator must set User Active back in the console)",
			*before.IsActive, *after.IsActive))
	}
	if len(problems) == 0 {
		return nil
	}
	return actions.Permanent(fmt.Errorf("%w: %s", errFlagsChanged, strings.Join(problems, "; ")))
}

// userAfter is user id as an answer describes it, or as GET Users/{id}
// does when the answer is not that user.
func (c *Client) userAfter(ctx context.Context, id int, answer []byte) (user, error) {
	var got single[user]
	if decodeAnswer(answer, &got) == nil && got.v.UserID == id {
		return got.v, nil
	}
	return c.getUser(ctx, id)
}

// requarantine quarantines user id again and says how that went.
func (c *Client) requarantine(ctx context.Context, id int) string {
	r := quarantineRequest(strconv.Itoa(id))
	if _, err := c.call(ctx, r); err != nil {
		return "quarantining it again failed, quarantine the user now: " + err.Error()
	}
	return "quarantined again with POST " + r.path
}
