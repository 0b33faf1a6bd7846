package ingest

import (
	"net/http"
	"strings"
	"unicode"

	"github.com/quell-dev/quell/internal/apierr"
	"github.com/quell-dev/quell/internal/events"
)

// eventIDParser is a parser whose alerts carry a stable id of their own
// (SourceEventID) that must be the event id: Okta's System Log uuid, since
// Okta may deliver one event again in another batch.
type eventIDParser interface{ EventIDs() bool }

// ownEventID is the alert's own id when src's parser provides one.
func ownEventID(src Source, data any) string {
	p, ok := src.Parser.(eventIDParser)
	if !ok || !p.EventIDs() {
		return ""
	}
	if a, ok := data.(events.Alert); ok {
		return a.SourceEventID
	}
	return ""
}

// maxChallenge bounds the verification value echoed back.
const maxChallenge = 512

// verifyHook answers Okta's one-time verification GET: the value of
// X-Okta-Verification-Challenge, echoed as {"verification": value}. Only a
// configured okta source answers; echoing changes nothing and reveals
// nothing, and Okta's verification request is not documented to carry the
// hook's secret, so none is required.
func (s *Server) verifyHook(w http.ResponseWriter, r *http.Request) {
	src, ok := s.sources[r.PathValue("source")]
	if !ok || src.Kind != "okta" {
		apierr.Write(w, toAPIError(errUnknownSource))
		return
	}
	challenge := r.Header.Get("X-Okta-Verification-Challenge")
	if challenge == "" || len(challenge) > maxChallenge || strings.IndexFunc(challenge, notPrintable) >= 0 {
		apierr.Write(w, toAPIError(apierr.New(http.StatusBadRequest, "malformed_payload",
			"X-Okta-Verification-Challenge missing, longer than 512 bytes or not printable")))
		return
	}
	apierr.WriteJSON(w, http.StatusOK, map[string]string{"verification": challenge})
}

func notPrintable(r rune) bool { return !unicode.IsPrint(r) }
