package perf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quell-dev/quell/internal/sourceauth"
)

// alert1KB is the 1 KB alert of internal/ingest's BenchmarkIngestSignedWebhook.
var alert1KB = func() []byte {
	b := []byte(`{"user":{"name":"jdoe","email":"jdoe@example.com"},"severity":85,"title":"Impossible travel","rule":"ueba","pad":"`)
	for len(b) < 1022 {
		b = append(b, 'x')
	}
	return append(b, '"', '}')
}()

// alertAbout is a 1 KB alert like alert1KB about user, with its own id.
func alertAbout(user, id string) []byte {
	b := fmt.Appendf(nil, `{"id":%q,"user":{"name":%q,"email":"%s@example.com"},"severity":85,"title":"Impossible travel","rule":"ueba","pad":"`, id, user, user)
	for len(b) < 1022 {
		b = append(b, 'x')
	}
	return append(b, '"', '}')
}

// userName matches cmd/pamsim's -extra-users names (from 1).
func userName(i int) string { return fmt.Sprintf("u%05d", i) }

// signedRequest is a POST of body to url signed with Standard Webhooks as
// delivery id: what a SIEM sends.
func signedRequest(ctx context.Context, url, id string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	sig, err := sourceauth.Sign(webhookKey, id, now, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	return req, nil
}

func newClient(conns int) *http.Client {
	return &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
		MaxIdleConns: conns + 16, MaxIdleConnsPerHost: conns + 16, IdleConnTimeout: time.Minute, DisableCompression: true}}
}

// do sends req and reads the answer; it returns the status (0: no answer).
func do(client *http.Client, req *http.Request) (int, error) {
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// LoadResult is one closed-loop measurement.
type LoadResult struct {
	OK, Errors int
	// Accepted counts every 202, the warm-up's and those that straddled
	// the measurement's ends included.
	Accepted int
	Elapsed  time.Duration
	Lat      Latency
	// FirstError is the first failure, for the log.
	FirstError string
}

// ReqPerSec is the rate of answered 202s.
func (r LoadResult) ReqPerSec() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.OK) / r.Elapsed.Seconds()
}

// ClosedLoop runs conc senders, each posting a signed 1 KB webhook and
// waiting for the answer before the next, to url for d (after warmup,
// whose requests are not counted). Every id is prefix-<n>. onStart and
// onStop run as the measurement starts and ends.
func ClosedLoop(ctx context.Context, client *http.Client, url, prefix string, conc int, warmup, d time.Duration, onStart, onStop func()) LoadResult {
	var seq atomic.Int64
	var measuring atomic.Bool
	var mu sync.Mutex
	var res LoadResult
	var lat []time.Duration
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			local := make([]time.Duration, 0, 4096)
			ok, errs, accepted := 0, 0, 0
			first := ""
			for {
				select {
				case <-stop:
					mu.Lock()
					lat = append(lat, local...)
					res.OK += ok
					res.Errors += errs
					res.Accepted += accepted
					if res.FirstError == "" {
						res.FirstError = first
					}
					mu.Unlock()
					return
				default:
				}
				req, err := signedRequest(ctx, url, fmt.Sprintf("%s-%d", prefix, seq.Add(1)), alert1KB)
				if err != nil {
					first = err.Error()
					errs++
					continue
				}
				counted := measuring.Load()
				t0 := time.Now()
				status, err := do(client, req)
				took := time.Since(t0)
				if err == nil && status == http.StatusAccepted {
					accepted++
				}
				if !counted || !measuring.Load() {
					continue
				}
				switch {
				case err != nil:
					errs++
					if first == "" && !errors.Is(err, context.Canceled) {
						first = err.Error()
					}
				case status != http.StatusAccepted:
					errs++
					if first == "" {
						first = fmt.Sprintf("status %d", status)
					}
				default:
					ok++
					local = append(local, took)
				}
			}
		})
	}
	sleepCtx(ctx, warmup)
	onStart()
	measuring.Store(true)
	start := time.Now()
	sleepCtx(ctx, d)
	measuring.Store(false)
	res.Elapsed = time.Since(start)
	onStop()
	close(stop)
	wg.Wait()
	res.Lat = Summarize(lat)
	return res
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// sendAll delivers n requests, built by mk, with conc senders at once,
// retrying any answer but 202 (with the same delivery id, as a SIEM would)
// up to 10 times. It returns when the first request went out, and how many
// retries it took.
func sendAll(ctx context.Context, client *http.Client, n, conc int, mk func(ctx context.Context, i int) (*http.Request, error)) (time.Time, int, error) {
	var next atomic.Int64
	var retries atomic.Int64
	var firstErr error
	var once sync.Once
	fail := func(err error) { once.Do(func() { firstErr = err }) }
	start := time.Now()
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				var status int
				var err error
				for attempt := 0; attempt < 10; attempt++ {
					if attempt > 0 {
						retries.Add(1)
						sleepCtx(ctx, time.Duration(attempt)*100*time.Millisecond)
					}
					var req *http.Request
					if req, err = mk(ctx, i); err != nil {
						fail(err)
						return
					}
					if status, err = do(client, req); err == nil && status == http.StatusAccepted {
						break
					}
				}
				if err == nil && status != http.StatusAccepted {
					err = fmt.Errorf("request %d: status %d", i, status)
				}
				if err != nil {
					fail(fmt.Errorf("request %d: %w", i, err))
					return
				}
			}
		})
	}
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return start, int(retries.Load()), firstErr
}
