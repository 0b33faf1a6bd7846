package ingest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"
	"unicode"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"

	"github.com/quell-dev/quell/internal/api/auth"
	"github.com/quell-dev/quell/internal/apierr"
	"github.com/quell-dev/quell/internal/events"
)

// maxDeliveryID bounds a sender's delivery id before it becomes part of an
// event id and a JetStream message id.
const maxDeliveryID = 200

func (s *Server) webhook(_ http.ResponseWriter, r *http.Request) (accepted, error) {
	src, ok := s.sources[r.PathValue("source")]
	if !ok {
		return accepted{}, errUnknownSource
	}
	body, err := readBody(r)
	if err != nil {
		return accepted{}, err
	}
	deliveryID, err := src.Verifier.Verify(r, body)
	if err != nil {
		return accepted{}, err
	}
	if err := checkDeliveryID(deliveryID); err != nil {
		return accepted{}, err
	}
	if src.Parser == nil && src.HRParser == nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		return s.publishCloudEvents(r, src.Name)
	}
	if err := requireJSON(r); err != nil {
		return accepted{}, err
	}
	evs, err := Normalize(src, body, deliveryID, s.cfg.Now())
	if err != nil {
		return accepted{}, err
	}
	if err := tooManyItems(len(evs), s.cfg.MaxItems); err != nil {
		return accepted{}, err
	}
	res, err := s.publishAll(r.Context(), func(ev cloudevents.Event) string {
		return events.EventSubject(events.KindForType(ev.Type()), src.Name)
	}, evs)
	if src.Kind == "okta" {
		// Okta expects 200 or 204; anything else counts as a failed delivery.
		res.status = http.StatusOK
	}
	return res, err
}

// Normalize parses a verified body of src into the events the ingest
// stores, one per alert. Their ids derive from the sender's delivery id, or
// from the body's hash when the scheme has none, so an identical resend is
// a duplicate.
func Normalize(src Source, body []byte, deliveryID string, now time.Time) ([]cloudevents.Event, error) {
	typ, items, err := parse(src, body, now)
	if err != nil {
		return nil, err
	}
	base := deliveryID
	if base == "" {
		sum := sha256.Sum256(body)
		base = "sha256-" + hex.EncodeToString(sum[:12])
	}
	evs := make([]cloudevents.Event, 0, len(items))
	for i, data := range items {
		id := base
		if len(items) > 1 {
			id = fmt.Sprintf("%s-%d", base, i)
		}
		if own := ownEventID(src, data); own != "" {
			id = own
		}
		ev, err := events.New(events.SourceFor(src.Name), id, typ, now, data)
		if err != nil {
			return nil, err
		}
		evs = append(evs, ev)
	}
	return evs, nil
}

// parse runs the source's parser and returns the event type and the data
// of each event, stamped with the time received.
func parse(src Source, body []byte, now time.Time) (string, []any, error) {
	var items []any
	if src.HRParser != nil {
		emps, err := src.HRParser.ParseHR(body)
		if err != nil {
			return "", nil, err
		}
		for _, e := range emps {
			e.ReceivedAt = now.UTC()
			items = append(items, e)
		}
		return events.TypeHREmployee, items, nil
	}
	alerts, err := src.Parser.Parse(body)
	if err != nil {
		return "", nil, err
	}
	for _, a := range alerts {
		a.ReceivedAt = now.UTC()
		items = append(items, a)
	}
	return events.TypeAlert, items, nil
}

func checkDeliveryID(id string) error {
	if len(id) > maxDeliveryID {
		return apierr.New(http.StatusBadRequest, "malformed_payload", fmt.Sprintf("delivery id longer than %d bytes", maxDeliveryID))
	}
	if strings.IndexFunc(id, func(r rune) bool { return !unicode.IsPrint(r) || r == ' ' }) >= 0 {
		return apierr.New(http.StatusBadRequest, "malformed_payload", "delivery id contains spaces or control characters")
	}
	return nil
}

func requireJSON(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return errMediaType
	}
	return nil
}

// cloudEvents serves POST /v1/events.
func (s *Server) cloudEvents(_ http.ResponseWriter, r *http.Request) (accepted, error) {
	name, err := s.bearer(r, auth.EventsWrite)
	if err != nil {
		return accepted{}, err
	}
	return s.publishCloudEvents(r, name)
}

// publishCloudEvents decodes r in binary, structured or batch mode and
// stores every event with the sender's id and source unchanged.
func (s *Server) publishCloudEvents(r *http.Request, sourceName string) (accepted, error) {
	// Read here, not inside the SDK, so that a client's read error is not
	// reported as a malformed event.
	body, err := readBody(r)
	if err != nil {
		return accepted{}, err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var evs []cloudevents.Event
	if cehttp.IsHTTPBatch(r.Header) {
		batch, err := cehttp.NewEventsFromHTTPRequest(r)
		if err != nil {
			return accepted{}, malformed(err)
		}
		evs = batch
	} else {
		ev, err := cehttp.NewEventFromHTTPRequest(r)
		if err != nil {
			return accepted{}, malformed(err)
		}
		evs = []cloudevents.Event{*ev}
	}
	if len(evs) == 0 {
		return accepted{}, apierr.New(http.StatusBadRequest, "malformed_payload", "empty batch")
	}
	if err := tooManyItems(len(evs), s.cfg.MaxItems); err != nil {
		return accepted{}, err
	}
	for i, ev := range evs {
		if err := ev.Validate(); err != nil {
			return accepted{}, apierr.New(http.StatusBadRequest, "malformed_payload", fmt.Sprintf("event %d: %v", i, err))
		}
	}
	return s.publishAll(r.Context(), func(ev cloudevents.Event) string {
		return events.EventSubject(events.KindForType(ev.Type()), sourceName)
	}, evs)
}

func malformed(err error) error {
	// The SDK reports an unknown content type as its own error; either way
	// the client sent something that is not a CloudEvent.
	return apierr.New(http.StatusBadRequest, "malformed_payload", "not a CloudEvent: "+err.Error())
}
