package ledger_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
)

func TestUserLock(t *testing.T) {
	t.Parallel()
	l := open(t)
	ctx := context.Background()
	unlock, err := l.TryLock(ctx, "lock_a", "w1", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.TryLock(ctx, "lock_a", "w2", time.Minute); !errors.Is(err, actions.ErrInFlight) {
		t.Fatalf("held lock: want ErrInFlight, got %v", err)
	}
	if _, err := l.TryLock(ctx, "lock_b", "w2", time.Minute); err != nil {
		t.Fatalf("other key: %v", err)
	}
	if err := unlock(ctx); err != nil {
		t.Fatal(err)
	}
	unlock2, err := l.TryLock(ctx, "lock_a", "w2", 30*time.Millisecond)
	if err != nil {
		t.Fatalf("after unlock: %v", err)
	}
	time.Sleep(50 * time.Millisecond)
	if _, err := l.TryLock(ctx, "lock_a", "w3", time.Minute); err != nil {
		t.Fatalf("expired lock not taken over: %v", err)
	}
	// The expired owner's unlock must not release w3's lock.
	if err := unlock2(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := l.TryLock(ctx, "lock_a", "w4", time.Minute); !errors.Is(err, actions.ErrInFlight) {
		t.Fatalf("stale unlock released a live lock: %v", err)
	}
}
