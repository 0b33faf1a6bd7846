package commvault

import (
	"context"
	"fmt"

	"github.com/quell-dev/quell/internal/actions"
)

var _ actions.GroupReader = (*Client)(nil)

// UserGroups returns the names of the user's associatedUserGroups (GET
// V4/user/{id}), for the executor's protected-groups check.
func (c *Client) UserGroups(ctx context.Context, ref actions.UserRef) ([]string, error) {
	u, err := c.resolve(ctx, ref, true)
	if err != nil {
		return nil, fmt.Errorf("groups of %s: %w", ref, err)
	}
	names := make([]string, 0, len(u.AssociatedUserGroups))
	for _, g := range u.AssociatedUserGroups {
		names = append(names, g.Name)
	}
	return names, nil
}
