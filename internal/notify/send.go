package notify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/sourceauth"
)

// sendTimeout bounds one delivery attempt.
const sendTimeout = 10 * time.Second

// userAgent names Quell in the receivers' logs.
const userAgent = "quell-notify"

// send delivers one result to r. raw is the result event as stored (a
// webhook route's body); s is what chat messages say. The error is
// classified: a refusal no retry changes is permanent.
func (n *Notifier) send(ctx context.Context, r *Route, raw []byte, eventID string, s summary) error {
	var body []byte
	var err error
	switch r.cfg.Kind {
	case KindSlack:
		body, err = json.Marshal(slackMessage(s))
	case KindTeams:
		body, err = json.Marshal(teamsMessage(s))
	default:
		body = raw
	}
	if err != nil {
		return actions.Permanent(fmt.Errorf("encode %s message: %w", r.cfg.Kind, err))
	}
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.cfg.URL.Reveal(), bytes.NewReader(body))
	if err != nil {
		return actions.Permanent(fmt.Errorf("route %s: build request", r.cfg.Name))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	if r.cfg.Kind == KindWebhook {
		if err := sign(req, r, eventID, body, n.cfg.Now()); err != nil {
			return actions.Permanent(err)
		}
	}
	return classify(n.cfg.Client.Do(req))
}

// sign adds the Standard Webhooks headers. The id is stable per result and
// route, so a receiver can drop Quell's retries as duplicates.
func sign(req *http.Request, r *Route, eventID string, body []byte, now time.Time) error {
	sum := sha256.Sum256([]byte(eventID + "\x00" + r.cfg.Name))
	id := "msg_" + hex.EncodeToString(sum[:16])
	sig, err := sourceauth.Sign(r.cfg.SigningSecret, id, now, body)
	if err != nil {
		return fmt.Errorf("route %s: sign: %w", r.cfg.Name, err)
	}
	req.Header.Set(sourceauth.HeaderWebhookID, id)
	req.Header.Set(sourceauth.HeaderWebhookTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(sourceauth.HeaderWebhookSignature, sig)
	return nil
}

// classify reads the answer: 2xx delivered; no answer, 408, 429 and 5xx
// are worth retrying (with the receiver's Retry-After); any other status
// is a refusal. The error never quotes the URL, which is a secret.
func classify(resp *http.Response, err error) error {
	if err != nil {
		return actions.Transient(fmt.Errorf("no answer: %w", unwrapURL(err)), 0)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return nil
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500:
		after, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		return actions.Transient(fmt.Errorf("answered %s", resp.Status), time.Duration(after)*time.Second)
	default:
		return actions.Permanent(fmt.Errorf("refused: %s", resp.Status))
	}
}

// unwrapURL drops the *[url.Error] wrapper, which would quote the URL.
func unwrapURL(err error) error {
	type unwrapper interface{ Unwrap() error }
	if u, ok := err.(unwrapper); ok && u.Unwrap() != nil {
		return u.Unwrap()
	}
	return err
}
