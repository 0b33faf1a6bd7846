package safety_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/config"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/quelltest"
	"github.com/quell-dev/quell/internal/safety"
)

type blastBundle struct {
	js    jetstream.JetStream
	rule  config.BlastRadius
	guard *safety.Guard
	clock *fakeClock
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func setupBlast(t *testing.T, max int, window time.Duration) *blastBundle {
	t.Helper()
	n := quelltest.StartNATS(t)
	rule := config.BlastRadius{Action: "*", Target: "*", Max: max, Window: window}
	g, err := safety.Open(context.Background(), n.JS, config.Safety{BlastRadius: []config.BlastRadius{rule}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{t: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	safety.SetClock(g, clock.now)
	return &blastBundle{js: n.JS, rule: rule, guard: g, clock: clock}
}

func (b *blastBundle) replica(t *testing.T) *safety.Guard {
	t.Helper()
	g, err := safety.Open(context.Background(), b.js, config.Safety{BlastRadius: []config.BlastRadius{b.rule}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	safety.SetClock(g, b.clock.now)
	return g
}

func policyAction(i int) actions.Action {
	id := fmt.Sprintf("act_%06d", i)
	return actions.Action{ID: id, Kind: actions.Quarantine, Target: "bi", User: actions.UserRef{Username: id}, RequestedBy: "policy"}
}

// The window's stored value and the cost of one admission do not grow with
// the limit or the traffic: thousands of admissions under a limit of
// 100,000 leave one value of a few hundred bytes. (The first design kept
// every admitted id in one value, which passed NATS's 1 MB payload limit at
// about 12,500 entries and stopped all automation.)
func TestBlastRadiusValueStaysSmall(t *testing.T) {
	t.Parallel()
	b := setupBlast(t, 100_000, time.Hour)
	ctx := context.Background()
	for i := range 3000 {
		if i%50 == 0 {
			b.clock.add(time.Second)
		}
		if v, err := b.guard.Check(ctx, policyAction(i)); err != nil || v.Park != "" {
			t.Fatalf("admission %d: %+v %v", i, v, err)
		}
	}
	e, err := safety.Limits(b.guard).Get(ctx, safety.WindowKey("bi", "quarantine"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(e.Value()); n > 2048 {
		t.Fatalf("window value is %d bytes after 3,000 admissions; it must not grow with traffic", n)
	}
	ws := b.windows(t)
	if len(ws) != 1 || ws[0].Admitted != 3000 || ws[0].Target != "bi" || ws[0].Action != "quarantine" {
		t.Fatalf("windows %+v, want one with 3000 admitted", ws)
	}
}

func (b *blastBundle) windows(t *testing.T) []safety.WindowState {
	t.Helper()
	ws, err := safety.WindowsAt(context.Background(), safety.Limits(b.guard), b.clock.now())
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

// A limit of 100,000 holds exactly: with 99,998 already counted, two more
// are admitted and the third is parked.
func TestBlastRadiusLimitOf100000(t *testing.T) {
	t.Parallel()
	b := setupBlast(t, 100_000, time.Hour)
	ctx := context.Background()
	seed := safety.EncodedWindow(time.Hour, 99_998, b.clock.now().Add(-30*time.Minute))
	if _, err := safety.Limits(b.guard).Create(ctx, safety.WindowKey("bi", "quarantine"), seed); err != nil {
		t.Fatal(err)
	}
	for i, wantPark := range []bool{false, false, true} {
		v, err := b.guard.Check(ctx, policyAction(i))
		if err != nil || (v.Park != "") != wantPark {
			t.Fatalf("admission %d: %+v %v, want parked=%v", i, v, err, wantPark)
		}
	}
	// Half an hour later the seeded admissions have left the window.
	b.clock.add(31 * time.Minute)
	if v, err := b.guard.Check(ctx, policyAction(3)); err != nil || v.Park != "" {
		t.Fatalf("after the window moved: %+v %v", v, err)
	}
}

// A redelivered action is counted once; an approved or responder-requested
// action is not counted at all.
func TestBlastRadiusCountsEachActionOnce(t *testing.T) {
	t.Parallel()
	b := setupBlast(t, 2, time.Hour)
	ctx := context.Background()
	first := policyAction(1)
	for range 5 {
		if v, err := b.guard.Check(ctx, first); err != nil || v.Park != "" {
			t.Fatalf("redelivery of an admitted action: %+v %v", v, err)
		}
	}
	manual := policyAction(2)
	manual.RequestedBy = "responder:alice"
	approved := policyAction(3)
	approved.ApprovedBy = "bob"
	for _, a := range []actions.Action{manual, approved} {
		if v, err := b.guard.Check(ctx, a); err != nil || v.Park != "" {
			t.Fatalf("%s: %+v %v", a.ID, v, err)
		}
	}
	if v, err := b.guard.Check(ctx, policyAction(4)); err != nil || v.Park != "" {
		t.Fatalf("second automated action: %+v %v", v, err)
	}
	if v, err := b.guard.Check(ctx, policyAction(5)); err != nil || v.Park == "" {
		t.Fatalf("third automated action not parked: %+v %v", v, err)
	}
	if ws := b.windows(t); len(ws) != 1 || ws[0].Admitted != 2 {
		t.Fatalf("windows %+v, want 2 admitted", ws)
	}
}

// Admissions leave the count one window (plus at most one slot) after they
// were made, not before.
func TestBlastRadiusWindowSlides(t *testing.T) {
	t.Parallel()
	b := setupBlast(t, 3, time.Hour)
	ctx := context.Background()
	for i := range 3 {
		if v, err := b.guard.Check(ctx, policyAction(i)); err != nil || v.Park != "" {
			t.Fatalf("admission %d: %+v %v", i, v, err)
		}
		b.clock.add(10 * time.Minute)
	}
	// 30 minutes after the first: the window is full.
	if v, _ := b.guard.Check(ctx, policyAction(10)); v.Park == "" {
		t.Fatal("a full window admitted another action")
	}
	// 60 minutes after the first: still counted (the slot has not ended).
	b.clock.add(30 * time.Minute)
	if v, _ := b.guard.Check(ctx, policyAction(11)); v.Park == "" {
		t.Fatal("an admission left the window before a whole window had passed")
	}
	b.clock.add(safety.SlotWidth(time.Hour))
	if v, err := b.guard.Check(ctx, policyAction(12)); err != nil || v.Park != "" {
		t.Fatalf("the oldest admission never left the window: %+v %v", v, err)
	}
}

// Two replicas admitting concurrently never let more than max through.
func TestBlastRadiusHoldsAcrossReplicas(t *testing.T) {
	t.Parallel()
	b := setupBlast(t, 150, time.Hour)
	guards := []*safety.Guard{b.guard, b.replica(t)}
	var admitted, parked atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := guards[w%2]
			for i := w; i < 400; i += 8 {
				v, err := g.Check(context.Background(), policyAction(i))
				if err != nil {
					errs <- err
					return
				}
				if v.Park != "" {
					parked.Add(1)
				} else {
					admitted.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if admitted.Load() != 150 || parked.Load() != 250 {
		t.Fatalf("admitted %d, parked %d; want 150 and 250", admitted.Load(), parked.Load())
	}
}

// The marker that counts an action once expires with its window, so the
// bucket does not grow with traffic either.
func TestBlastRadiusMarkersExpire(t *testing.T) {
	t.Parallel()
	b := setupBlast(t, 10, time.Second)
	safety.SetClock(b.guard, time.Now)
	ctx := context.Background()
	if v, err := b.guard.Check(ctx, policyAction(1)); err != nil || v.Park != "" {
		t.Fatalf("%+v %v", v, err)
	}
	key := safety.AdmittedKey(policyAction(1).ID)
	if _, err := safety.Limits(b.guard).Get(ctx, key); err != nil {
		t.Fatalf("marker: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := safety.Limits(b.guard).Get(ctx, key)
		if err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the admission marker never expired")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// A window value that cannot be read will not heal by retrying: the
// check fails as permanent, so the executor dead-letters the action with
// the reason instead of redelivering it forever.
func TestBlastRadiusUnreadableWindowIsPermanent(t *testing.T) {
	t.Parallel()
	b := setupBlast(t, 10, time.Hour)
	ctx := context.Background()
	if _, err := safety.Limits(b.guard).Put(ctx, safety.WindowKey("bi", "quarantine"), []byte("not json")); err != nil {
		t.Fatal(err)
	}
	_, err := b.guard.Check(ctx, policyAction(1))
	if err == nil || !actions.IsPermanent(err) {
		t.Fatalf("err %v, want a permanent error", err)
	}
}

// A quell_limits bucket made by an earlier version (no per-key TTL) is
// upgraded in place at start-up, so the markers can expire.
func TestBlastRadiusUpgradesAnOldLimitsBucket(t *testing.T) {
	t.Parallel()
	n := quelltest.StartNATS(t)
	ctx := context.Background()
	if err := n.JS.DeleteKeyValue(ctx, events.BucketLimits); err != nil {
		t.Fatal(err)
	}
	old, err := n.JS.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: events.BucketLimits, History: 1})
	if err != nil {
		t.Fatal(err)
	}
	// The old format: 5 ids admitted a minute ago fill a window of 5.
	at := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339Nano)
	legacy := `{"admitted":[` + strings.Repeat(`{"id":"x","at":"`+at+`"},`, 4) + `{"id":"y","at":"` + at + `"}]}`
	if _, err := old.Put(ctx, "blast.bi.quarantine", []byte(legacy)); err != nil {
		t.Fatal(err)
	}
	if err := events.EnsureStreams(ctx, n.JS, events.DefaultStreamOptions()); err != nil {
		t.Fatal(err)
	}
	g, err := safety.Open(ctx, n.JS, config.Safety{BlastRadius: []config.BlastRadius{{Action: "*", Target: "*", Max: 5, Window: time.Hour}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := g.Check(ctx, policyAction(1)); err != nil || v.Park == "" {
		t.Fatalf("the upgrade forgot a full window: %+v %v", v, err)
	}
	if v, err := g.Check(ctx, actions.Action{ID: "act_x", Kind: actions.Quarantine, Target: "tf", User: actions.UserRef{Username: "u"}, RequestedBy: "policy"}); err != nil || v.Park != "" {
		t.Fatalf("a new window after the upgrade: %+v %v", v, err)
	}
}

// BenchmarkBlastRadiusAdmit measures one admission into an empty window
// and into one that already counts 90,000: the cost must not grow with
// what the window holds (the first design rewrote every admitted id).
func BenchmarkBlastRadiusAdmit(b *testing.B) {
	for _, held := range []int{0, 90_000} {
		b.Run(fmt.Sprintf("held=%d", held), func(b *testing.B) {
			n := quelltest.StartNATS(b)
			ctx := context.Background()
			g, err := safety.Open(ctx, n.JS, config.Safety{BlastRadius: []config.BlastRadius{{Action: "*", Target: "*", Max: 1_000_000, Window: time.Hour}}}, nil)
			if err != nil {
				b.Fatal(err)
			}
			if held > 0 {
				if _, err := safety.Limits(g).Create(ctx, safety.WindowKey("bi", "quarantine"), safety.EncodedWindow(time.Hour, held, time.Now())); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := range b.N {
				if v, err := g.Check(ctx, policyAction(held+i)); err != nil || v.Park != "" {
					b.Fatalf("%+v %v", v, err)
				}
			}
			b.StopTimer()
			e, _ := safety.Limits(g).Get(ctx, safety.WindowKey("bi", "quarantine"))
			b.ReportMetric(float64(len(e.Value())), "window-bytes")
		})
	}
}
