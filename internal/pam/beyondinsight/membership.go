package beyondinsight

import (
	"context"
	"fmt"

	"github.com/quell-dev/quell/internal/actions"
)

var _ actions.GroupReader = (*Client)(nil)

// UserGroups returns the names of the user's groups (GET Users/{id}/UserGroups),
// for the executor's protected-groups check.
func (c *Client) UserGroups(ctx context.Context, ref actions.UserRef) ([]string, error) {
	u, err := c.resolve(ctx, ref)
	if err != nil {
		return nil, fmt.Errorf("groups of %s: %w", ref, err)
	}
	groups, err := c.groupsOf(ctx, u.UserID)
	if err != nil {
		return nil, fmt.Errorf("groups of %s: %w", ref, err)
	}
	names := make([]string, 0, len(groups))
	for _, g := range groups {
		names = append(names, g.Name)
	}
	return names, nil
}
