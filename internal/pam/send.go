package pam

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/secret"
)

// Send sends req with hc and classifies the exchange with [Classify]. On a
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
// *[StatusError]), as a client checks for the 404 that means "no such user".
func IsStatus(err error, code int) bool {
	var se *StatusError
	return errors.As(err, &se) && se.StatusCode == code
}

// CleanMessage makes a vendor's message safe to quote in an error: every
// credential in redact replaced by [REDACTED] (in case the vendor echoes
// the request), control characters and runs of white space turned into
// single spaces, invalid UTF-8 replaced, and at most [MaxErrorBody] bytes
// kept, cut between characters and marked "…(truncated)". [Classify] treats
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

// MarkUnanswered wraps err in an *[actions.UnansweredError] naming call when
// call is a write that may have taken effect without Quell learning so: a
// 2xx whose answer was cut off, or no answer at all for a reason other than
// failing to connect. status is what [Send] returned. Reads, and requests
// that never left, are returned as they are.
func MarkUnanswered(call actions.Call, status int, err error) error {
	if err == nil || call.Method == http.MethodGet || call.Method == http.MethodHead {
		return err
	}
	var te *TransportError
	lost := errors.As(err, &te) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
	cutOff := status >= 200 && status < 300 && lost
	if !cutOff && (status != 0 || te == nil || neverSent(te.Err)) {
		return err
	}
	call.Status = status
	return &actions.UnansweredError{Call: call, Err: err}
}

// neverSent reports a failure before the request could be written: no
// connection, no address, a certificate refused.
func neverSent(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	return (errors.As(err, &op) && op.Op == "dial") || errors.As(err, &dns) || isCertificateError(err) || errors.Is(err, actions.ErrFenced)
}
