package pam

import (
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/quell-dev/quell/internal/secret"
)

// Send sends req with hc and classifies the exchange with Classify. On a
// 2xx answer, read (when not nil) reads the answer; its error is returned
// as it is, so read classifies it. The body is drained and closed in every
// case, so that the connection goes back to the pool. status is the HTTP
// status received, 0 when no answer arrived.
func Send(hc *http.Client, req *http.Request, opts ClassifyOptions, read func(*http.Response) error) (status int, err error) {
	resp, err := hc.Do(req)
	if resp != nil {
		defer DrainAndClose(resp.Body)
		status = resp.StatusCode
	}
	if err := Classify(req, resp, err, opts); err != nil {
		return status, err
	}
	if read == nil {
		return status, nil
	}
	return status, read(resp)
}

// IsStatus reports whether err carries an HTTP answer with that status (a
// *StatusError), as a client checks for the 404 that means "no such user".
func IsStatus(err error, code int) bool {
	var se *StatusError
	return errors.As(err, &se) && se.StatusCode == code
}

// CleanMessage makes a vendor's message safe to quote in an error: every
// credential in redact replaced by [REDACTED] (in case the vendor echoes
// the request), control characters and runs of white space turned into
// single spaces, invalid UTF-8 replaced, and at most MaxErrorBody bytes
// kept, cut between characters and marked "…(truncated)". Classify treats
// error bodies this way; clients use it for messages that arrive inside a
// 2xx answer.
func CleanMessage(msg string, redact ...secret.Secret) string {
	for _, s := range redact {
		if !s.IsZero() {
			msg = strings.ReplaceAll(msg, s.Reveal(), "[REDACTED]")
		}
	}
	msg = flatten(msg)
	if len(msg) <= MaxErrorBody {
		return msg
	}
	cut := MaxErrorBody
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut] + "…(truncated)"
}
