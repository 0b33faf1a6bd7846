package clock_test

import (
	"context"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/clock"
)

func TestSleep(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		d    time.Duration
		want bool
	}{
		{"whole wait", context.Background(), time.Millisecond, true},
		{"context ended first", cancelled, time.Hour, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := clock.Sleep(tc.ctx, tc.d); got != tc.want {
				t.Fatalf("Sleep = %v, want %v", got, tc.want)
			}
		})
	}
}
