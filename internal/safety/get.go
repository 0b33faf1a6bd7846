package safety

import "context"

// Get returns the parked action id, or [ErrNotParked]; the HTTP API reads it
// before deciding (four-eyes needs to know who requested it).
func (b *Board) Get(ctx context.Context, id string) (Parked, error) { return b.get(ctx, id) }
