package chaos

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/quell-dev/quell/internal/childproc"
)

var probe = &http.Client{Timeout: 2 * time.Second}

// waitHTTP polls url until it answers 200 or ctx ends.
func waitHTTP(ctx context.Context, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		if childproc.HTTPOK(ctx, url) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready: %w", url, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}
