package scim

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/events"
)

// errStore marks a failure of the KV bucket (or of NATS under it): the
// client sees 503 and retries.
var errStore = errors.New("scim directory unavailable")

// Errors of the directory's compare-and-set.
var (
	errNoRecord = errors.New("no such user")
	errConflict = errors.New("the user changed concurrently")
	errNameUsed = errors.New("userName taken")
)

// record is the stored value of key u.<id>: the user, a change counter and
// the change whose event is not yet acknowledged (the outbox).
type record struct {
	User User `json:"user"`
	// Seq counts the user's changes; the event of change n has id
	// scim-<id>-<n>, so a republished change is a duplicate.
	Seq int `json:"seq"`
	// Deleted marks a user whose DELETE is in progress.
	Deleted bool     `json:"deleted,omitempty"`
	Pending *pending `json:"pending,omitempty"`
}

// Directory is the KV-backed store of provisioned users. Keys: u.<id> for
// records, n.<hash of the lower-cased userName> for the uniqueness index.
type Directory struct {
	js jetstream.JetStream
	mu sync.Mutex
	kv jetstream.KeyValue
}

// NewDirectory returns a directory in js's [events.BucketSCIM]. The bucket is
// opened on first use: the ingest creates it in the background at start-up.
func NewDirectory(js jetstream.JetStream) *Directory { return &Directory{js: js} }

func (d *Directory) bucket(ctx context.Context) (jetstream.KeyValue, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.kv != nil {
		return d.kv, nil
	}
	if err := events.Connected(d.js); err != nil {
		return nil, fmt.Errorf("%w: %w", errStore, err)
	}
	kv, err := d.js.KeyValue(ctx, events.BucketSCIM)
	if err != nil {
		return nil, fmt.Errorf("%w: open bucket %s: %w", errStore, events.BucketSCIM, err)
	}
	d.kv = kv
	return kv, nil
}

func userKey(id string) string { return "u." + id }

func nameKey(userName string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(userName)))
	return "n." + hex.EncodeToString(sum[:20])
}

// validID reports whether id can be a user id (and a KV key token).
func validID(id string) bool {
	return id != "" && len(id) <= 64 && strings.Trim(id, "0123456789abcdef-") == ""
}

// get returns the record of id and its revision.
func (d *Directory) get(ctx context.Context, id string) (record, uint64, error) {
	if !validID(id) {
		return record{}, 0, errNoRecord
	}
	kv, err := d.bucket(ctx)
	if err != nil {
		return record{}, 0, err
	}
	e, err := kv.Get(ctx, userKey(id))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return record{}, 0, errNoRecord
	}
	if err != nil {
		return record{}, 0, fmt.Errorf("%w: get user %s: %w", errStore, id, err)
	}
	var r record
	if err := json.Unmarshal(e.Value(), &r); err != nil {
		return record{}, 0, fmt.Errorf("decode user %s: %w", id, err)
	}
	return r, e.Revision(), nil
}

// put writes r: create when rev is 0, else compare-and-set on rev.
func (d *Directory) put(ctx context.Context, r record, rev uint64) (uint64, error) {
	kv, err := d.bucket(ctx)
	if err != nil {
		return 0, err
	}
	b, err := json.Marshal(r)
	if err != nil {
		return 0, fmt.Errorf("encode user %s: %w", r.User.ID, err)
	}
	var newRev uint64
	if rev == 0 {
		newRev, err = kv.Create(ctx, userKey(r.User.ID), b)
	} else {
		newRev, err = kv.Update(ctx, userKey(r.User.ID), b, rev)
	}
	if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return 0, errConflict
	}
	if err != nil {
		return 0, fmt.Errorf("%w: write user %s: %w", errStore, r.User.ID, err)
	}
	return newRev, nil
}

// remove deletes the record of id if it is still at rev.
func (d *Directory) remove(ctx context.Context, id string, rev uint64) error {
	kv, err := d.bucket(ctx)
	if err != nil {
		return err
	}
	err = kv.Delete(ctx, userKey(id), jetstream.LastRevision(rev))
	if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return errConflict
	}
	if err != nil {
		return fmt.Errorf("%w: delete user %s: %w", errStore, id, err)
	}
	return nil
}

// lookupName returns the id of the live user named userName
// (case-insensitively), or errNoRecord. An index entry whose user is gone
// or renamed (a crash between two writes) is treated as absent.
func (d *Directory) lookupName(ctx context.Context, userName string) (record, uint64, error) {
	id, _, err := d.nameEntry(ctx, userName)
	if err != nil {
		return record{}, 0, err
	}
	r, rev, err := d.get(ctx, id)
	if err != nil {
		return record{}, 0, err
	}
	if r.Deleted || !strings.EqualFold(r.User.UserName, userName) {
		return record{}, 0, errNoRecord
	}
	return r, rev, nil
}

func (d *Directory) nameEntry(ctx context.Context, userName string) (string, uint64, error) {
	kv, err := d.bucket(ctx)
	if err != nil {
		return "", 0, err
	}
	e, err := kv.Get(ctx, nameKey(userName))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return "", 0, errNoRecord
	}
	if err != nil {
		return "", 0, fmt.Errorf("%w: get userName index: %w", errStore, err)
	}
	return string(e.Value()), e.Revision(), nil
}

// reserveName points userName's index entry at id. It fails with
// errNameUsed when a live user other than id holds the name; a stale entry
// is taken over with compare-and-set.
func (d *Directory) reserveName(ctx context.Context, userName, id string) error {
	kv, err := d.bucket(ctx)
	if err != nil {
		return err
	}
	for range 3 {
		holder, rev, err := d.nameEntry(ctx, userName)
		switch {
		case errors.Is(err, errNoRecord):
			_, err = kv.Create(ctx, nameKey(userName), []byte(id))
		case err != nil:
			return err
		case holder == id:
			return nil
		default:
			if _, _, lerr := d.lookupName(ctx, userName); !errors.Is(lerr, errNoRecord) {
				if lerr != nil {
					return lerr
				}
				return errNameUsed
			}
			_, err = kv.Update(ctx, nameKey(userName), []byte(id), rev)
		}
		if err == nil {
			return nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return fmt.Errorf("%w: write userName index: %w", errStore, err)
		}
	}
	return errNameUsed
}

// releaseName drops userName's index entry if it still points at id.
func (d *Directory) releaseName(ctx context.Context, userName, id string) error {
	holder, rev, err := d.nameEntry(ctx, userName)
	if errors.Is(err, errNoRecord) || (err == nil && holder != id) {
		return nil
	}
	if err != nil {
		return err
	}
	kv, err := d.bucket(ctx)
	if err != nil {
		return err
	}
	if err := kv.Delete(ctx, nameKey(userName), jetstream.LastRevision(rev)); err != nil &&
		!errors.Is(err, jetstream.ErrKeyRevisionMismatch) && !errors.Is(err, jetstream.ErrKeyExists) {
		return fmt.Errorf("%w: delete userName index: %w", errStore, err)
	}
	return nil
}

// stored is a record with its revision.
type stored struct {
	rec record
	rev uint64
}

// all returns every live user, read in one pass with a watcher rather than
// a Get per key. The directory is small: one entry per provisioned person.
func (d *Directory) all(ctx context.Context) ([]stored, error) {
	kv, err := d.bucket(ctx)
	if err != nil {
		return nil, err
	}
	w, err := kv.Watch(ctx, "u.*", jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("%w: list users: %w", errStore, err)
	}
	defer func() { _ = w.Stop() }()
	var out []stored
	for {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: list users: %w", errStore, ctx.Err())
		case e, ok := <-w.Updates():
			if !ok || e == nil {
				return out, nil
			}
			var r record
			if err := json.Unmarshal(e.Value(), &r); err != nil {
				return nil, fmt.Errorf("decode %s: %w", e.Key(), err)
			}
			if !r.Deleted {
				out = append(out, stored{rec: r, rev: e.Revision()})
			}
		}
	}
}
