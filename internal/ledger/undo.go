package ledger

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/quell-dev/quell/internal/actions"
)

// Why BuildUndo found nothing to undo; both quellctl and the HTTP API tell
// them apart (404 and 409 there).
var (
	ErrNoEntry     = errors.New("no such action in the ledger")
	ErrNotFinished = errors.New("action has not finished")
)

// BuildUndo reads action id's ledger entry, where the action and the state
// from before it are recorded, and builds its undo ([actions.NewUndo]),
// requested by requestedBy at now. A refusal by NewUndo is returned as is
// (an [actions.Permanent] error).
func (l *Ledger) BuildUndo(ctx context.Context, id, requestedBy, reason string, force bool, now time.Time) (actions.Action, error) {
	entry, err := l.Get(ctx, id)
	if err != nil {
		return actions.Action{}, err
	}
	if entry == nil {
		return actions.Action{}, fmt.Errorf("%w: %s (is the id right? ledger entries are kept for nats.ledger_ttl)", ErrNoEntry, id)
	}
	if entry.State != StateDone || entry.Result == nil {
		return actions.Action{}, fmt.Errorf("%w: %s (ledger state %s): nothing to undo yet", ErrNotFinished, id, entry.State)
	}
	a, err := actions.NewUndo(entry.Action, entry.Result.Outcome, entry.Result.Status, requestedBy, reason, force)
	if err != nil {
		return actions.Action{}, err
	}
	a.RequestedAt = now.UTC()
	return a, nil
}
