package pam_test

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/pam"
)

func TestNewHTTPClient(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new", http.StatusFound)
		}
	}))
	defer srv.Close()

	c := pam.NewHTTPClient("bi-prod", 0)
	if c.Timeout != pam.DefaultTimeout {
		t.Errorf("timeout = %v, want default %v", c.Timeout, pam.DefaultTimeout)
	}
	if got := pam.NewHTTPClient("bi-prod", time.Second).Timeout; got != time.Second {
		t.Errorf("timeout = %v, want 1s", got)
	}
	resp, err := c.Post(srv.URL+"/old", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	pam.DrainAndClose(resp.Body)
	if resp.StatusCode != http.StatusFound || hits.Load() != 1 {
		t.Errorf("redirect followed: status %d after %d requests", resp.StatusCode, hits.Load())
	}
}
