package scim

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/google/uuid"
)

// casAttempts is how often a change is recomputed when another request
// changed the same user between read and compare-and-set.
const casAttempts = 3

var errBusy = &Error{Status: 503, Detail: "the user is being changed by other requests; retry"}

// create stores a new user and publishes its created event.
func (h *Handler) create(ctx context.Context, u User, active *bool, raw []byte) (record, uint64, error) {
	u.Active = active == nil || *active
	if _, _, err := h.dir.lookupName(ctx, u.UserName); err == nil {
		return record{}, 0, scimError(409, typeUniqueness, "userName %q is already provisioned", u.UserName)
	} else if !errors.Is(err, errNoRecord) {
		return record{}, 0, err
	}
	now := h.now().UTC()
	u.ID, u.Created, u.LastModified = uuid.NewString(), now, now
	rec := record{User: u, Seq: 1, Pending: change(h.source, nil, u, false, raw, 1, now)}
	// The record is written before its index entry, so an entry never
	// points at a record that is still to come: one without a record is
	// stale and may be taken over.
	rev, err := h.dir.put(ctx, rec, 0)
	if err != nil {
		return record{}, 0, err
	}
	if err := h.dir.reserveName(ctx, u.UserName, u.ID); err != nil {
		if rerr := h.dir.remove(context.WithoutCancel(ctx), u.ID, rev); rerr != nil {
			h.log.WarnContext(ctx, "scim: user left without index entry", "scim_id", u.ID, "error", rerr)
		}
		if errors.Is(err, errNameUsed) {
			return record{}, 0, scimError(409, typeUniqueness, "userName %q is already provisioned", u.UserName)
		}
		return record{}, 0, err
	}
	return h.commit(ctx, rec, rev)
}

// commit publishes rec's pending event and then clears it. Once the event
// is acknowledged the change is complete: failing to clear the outbox only
// means the next request publishes it again, as a duplicate.
func (h *Handler) commit(ctx context.Context, rec record, rev uint64) (record, uint64, error) {
	if rec.Pending == nil {
		return rec, rev, nil
	}
	if err := publish(ctx, h.pub, h.source, rec.Pending); err != nil {
		h.log.WarnContext(ctx, "scim: event not stored; the change stays pending", "scim_id", rec.User.ID, "event_id", rec.Pending.EventID, "error", err)
		return record{}, 0, err
	}
	h.log.InfoContext(ctx, "scim: event accepted", "scim_id", rec.User.ID, "event_id", rec.Pending.EventID, "change", rec.Pending.Data.Change)
	done := rec
	done.Pending = nil
	newRev, err := h.dir.put(ctx, done, rev)
	switch {
	case errors.Is(err, errConflict):
		// Another request flushed or changed it meanwhile.
		return h.dir.get(ctx, rec.User.ID)
	case err != nil:
		h.log.WarnContext(ctx, "scim: outbox not cleared", "scim_id", rec.User.ID, "error", err)
		return rec, rev, nil
	}
	return done, newRev, nil
}

// load reads a live user for a change, first publishing a change left
// pending by an earlier request and completing an interrupted DELETE.
func (h *Handler) load(ctx context.Context, id string) (record, uint64, error) {
	rec, rev, err := h.dir.get(ctx, id)
	if err == nil && rec.Pending != nil {
		rec, rev, err = h.commit(ctx, rec, rev)
	}
	if err != nil {
		return record{}, 0, err
	}
	if rec.Deleted {
		if err := h.finishDelete(ctx, rec, rev); err != nil {
			return record{}, 0, err
		}
		return record{}, 0, errNoRecord
	}
	return rec, rev, nil
}

// mutate applies fn to user id under compare-and-set and publishes the
// change; a request that changes nothing writes and publishes nothing.
func (h *Handler) mutate(ctx context.Context, id, ifMatch string, raw []byte, fn func(*User) error) (record, uint64, error) {
	for range casAttempts {
		rec, rev, err := h.load(ctx, id)
		if err != nil {
			return record{}, 0, err
		}
		if !etagMatches(ifMatch, rev) {
			return record{}, 0, errPrecondition
		}
		next := rec.User.clone()
		if err := fn(&next); err != nil {
			return record{}, 0, err
		}
		now := h.now().UTC()
		p := change(h.source, &rec.User, next, false, raw, rec.Seq+1, now)
		if p == nil {
			return rec, rev, nil
		}
		next.LastModified = now
		nrec, nrev, err := h.replace(ctx, rec, rev, record{User: next, Seq: rec.Seq + 1, Pending: p})
		if errors.Is(err, errConflict) {
			if ifMatch != "" {
				return record{}, 0, errPrecondition
			}
			continue
		}
		if err != nil {
			return record{}, 0, err
		}
		return h.commit(ctx, nrec, nrev)
	}
	return record{}, 0, errBusy
}

// replace writes next over old (at rev), moving the userName index entry
// when the name changed other than in case.
func (h *Handler) replace(ctx context.Context, old record, rev uint64, next record) (record, uint64, error) {
	id := next.User.ID
	renamed := !strings.EqualFold(old.User.UserName, next.User.UserName)
	if renamed {
		if err := h.dir.reserveName(ctx, next.User.UserName, id); err != nil {
			if errors.Is(err, errNameUsed) {
				return record{}, 0, scimError(409, typeUniqueness, "userName %q is already provisioned", next.User.UserName)
			}
			return record{}, 0, err
		}
	}
	nrev, err := h.dir.put(ctx, next, rev)
	if err != nil {
		if renamed {
			h.release(ctx, next.User.UserName, id)
		}
		return record{}, 0, err
	}
	if renamed {
		h.release(ctx, old.User.UserName, id)
	}
	return next, nrev, nil
}

func (h *Handler) release(ctx context.Context, userName, id string) {
	if err := h.dir.releaseName(context.WithoutCancel(ctx), userName, id); err != nil {
		// A stale entry is harmless: lookups check the user it names.
		h.log.WarnContext(ctx, "scim: userName index entry left behind", "scim_id", id, "error", err)
	}
}

// remove terminates and deletes user id: a tombstone carries the
// termination event until it is acknowledged, then the keys go.
func (h *Handler) remove(ctx context.Context, id, ifMatch string) error {
	for range casAttempts {
		rec, rev, err := h.load(ctx, id)
		if err != nil {
			return err
		}
		if !etagMatches(ifMatch, rev) {
			return errPrecondition
		}
		now := h.now().UTC()
		tomb := record{User: rec.User, Seq: rec.Seq + 1, Deleted: true,
			Pending: change(h.source, &rec.User, rec.User, true, nil, rec.Seq+1, now)}
		trev, err := h.dir.put(ctx, tomb, rev)
		if errors.Is(err, errConflict) {
			if ifMatch != "" {
				return errPrecondition
			}
			continue
		}
		if err != nil {
			return err
		}
		tomb, trev, err = h.commit(ctx, tomb, trev)
		if errors.Is(err, errNoRecord) {
			return nil // another request completed the deletion
		}
		if err != nil {
			return err
		}
		return h.finishDelete(ctx, tomb, trev)
	}
	return errBusy
}

func (h *Handler) finishDelete(ctx context.Context, tomb record, rev uint64) error {
	h.release(ctx, tomb.User.UserName, tomb.User.ID)
	if err := h.dir.remove(ctx, tomb.User.ID, rev); err != nil && !errors.Is(err, errConflict) {
		return err
	}
	return nil
}

// find returns the users matching f, sorted by userName then id.
func (h *Handler) find(ctx context.Context, f Filter) ([]stored, error) {
	if name, ok := userNameEquals(f); ok {
		rec, rev, err := h.dir.lookupName(ctx, name)
		if errors.Is(err, errNoRecord) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return []stored{{rec: rec, rev: rev}}, nil
	}
	all, err := h.dir.all(ctx)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, s := range all {
		if f == nil || f.match(userSource{s.rec.User}) {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b stored) int {
		if c := strings.Compare(strings.ToLower(a.rec.User.UserName), strings.ToLower(b.rec.User.UserName)); c != 0 {
			return c
		}
		return strings.Compare(a.rec.User.ID, b.rec.User.ID)
	})
	return out, nil
}
