package executor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v4"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/clock"
	"github.com/quell-dev/quell/internal/secret"
)

// RetryPolicy bounds the retries of transient errors within one delivery.
type RetryPolicy struct {
	InitialInterval time.Duration
	MaxInterval     time.Duration
	// Multiplier grows the interval after each retry; at least 1.
	Multiplier float64
	// MaxElapsed ends the in-delivery retries; the message is then given back
	// to JetStream for a later delivery.
	MaxElapsed time.Duration
	// RetryAfterCeiling caps how long a target's Retry-After is honoured.
	RetryAfterCeiling time.Duration
	// RedeliveryDelay is how long a message waits after its in-delivery
	// retries are exhausted before the next delivery.
	RedeliveryDelay time.Duration
}

// Config configures an [Executor]. Everything is given here, at
// construction: nothing is set on an [Executor] afterwards.
type Config struct {
	Targets map[string]actions.Target
	// Ledger records each action's lease and result; required.
	Ledger actions.Ledger
	// Locker serializes actions per target user; nil disables it.
	Locker actions.Locker
	// Secrets receives secrets that actions produce; an action that
	// produces one without a sink fails rather than drop it.
	Secrets actions.SecretSink
	// Safety is consulted before anything else; nil allows everything.
	Safety actions.Safety
	// ProtectedGroups are group names (case-insensitive) whose members are
	// never acted on, on every target that can read a user's groups.
	ProtectedGroups []string
	// OnRetry, if set, is told of every retry of a transient error (metrics).
	OnRetry func(ctx context.Context, a actions.Action)
	// Owner identifies this worker in ledger leases and in results.
	Owner string
	// Lease is how long a claim on an action lasts; it must cover a whole
	// delivery (Retry.MaxElapsed plus one call's timeout), so it must be
	// longer than Retry.MaxElapsed.
	Lease time.Duration
	Retry RetryPolicy
	// MaxAttempts is how many deliveries may reach the target and fail
	// transiently before the action is dead-lettered; at least 1.
	// Deliveries that wait (open circuit, held lock) do not count.
	MaxAttempts int
	// DryRun forces every action into dry-run (safety.dry_run), and
	// DryRunTargets the actions on those targets (targets[].dry_run).
	DryRun        bool
	DryRunTargets map[string]bool
	Logger        *slog.Logger
	// Now is the clock; tests may replace it.
	Now func() time.Time
}

// ErrInvalidConfig is wrapped by every error [New] returns.
var ErrInvalidConfig = errors.New("invalid executor configuration")

// validate lists every problem at once, as configuration validation does.
func (c Config) validate() error {
	var problems []string
	if c.Ledger == nil {
		problems = append(problems, "no ledger: actions could run more than once")
	}
	if c.MaxAttempts < 1 {
		problems = append(problems, fmt.Sprintf("max attempts %d: must be at least 1", c.MaxAttempts))
	}
	if c.Retry.MaxElapsed <= 0 {
		problems = append(problems, fmt.Sprintf("retry budget %s: must be positive (backoff treats 0 as no limit)", c.Retry.MaxElapsed))
	}
	if c.Retry.Multiplier < 1 {
		problems = append(problems, fmt.Sprintf("retry multiplier %g: must be at least 1", c.Retry.Multiplier))
	}
	if c.Lease <= c.Retry.MaxElapsed {
		problems = append(problems, fmt.Sprintf("lease %s: must cover a whole delivery, longer than the retry budget %s", c.Lease, c.Retry.MaxElapsed))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidConfig, strings.Join(problems, "; "))
	}
	return nil
}

// Executor runs actions against targets at most once per action id.
type Executor struct {
	cfg Config
}

// New returns an [Executor], or an error wrapping [ErrInvalidConfig] that
// names every problem with cfg.
func New(cfg Config) (*Executor, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Executor{cfg: cfg}, nil
}

// Verdict tells the caller what to do with the message that carried the action.
type Verdict int

// Verdicts.
const (
	// Finish: publish Result, then acknowledge the message.
	Finish Verdict = iota
	// Redeliver: give the message back to be delivered again after Delay.
	Redeliver
	// DeadLetter: publish the failed Result, dead-letter the message, and
	// terminate it.
	DeadLetter
)

func (v Verdict) String() string {
	switch v {
	case Finish:
		return "finish"
	case Redeliver:
		return "redeliver"
	case DeadLetter:
		return "dead-letter"
	}
	return fmt.Sprintf("Verdict(%d)", int(v))
}

// Decision is the executor's answer for one delivery of an action.
//
// Four limits end an action that does not succeed, and only these:
//
//   - Max attempts ([Config].MaxAttempts): deliveries that reached the
//     target and failed transiently. When they are used up, the action is
//     dead-lettered ([DeadLetter]). A permanent error dead-letters at once.
//   - Max deliveries (worker.max_deliveries, the consumer's MaxDeliver):
//     JetStream stops delivering the message at all, whatever the reason
//     (crash loops, waits). The worker dead-letters it from the
//     max-deliveries advisory; the executor never sees that delivery.
//   - The circuit: while a target's circuit is open, calls are refused
//     without reaching the target. Such deliveries are [Redeliver] and do not
//     count as attempts, so only max deliveries can end them.
//   - The in-delivery budget ([RetryPolicy].MaxElapsed): transient errors
//     are retried within one delivery until it is spent; then the message
//     is given back (Redeliver after [RetryPolicy].RedeliveryDelay, or the
//     target's Retry-After up to RetryAfterCeiling) and the delivery counts
//     as one attempt.
type Decision struct {
	Verdict Verdict
	// Result is set for [Finish] and [DeadLetter].
	Result actions.Result
	// Delay before the next delivery ([Redeliver] only).
	Delay time.Duration
	// Err is the last error ([Redeliver] and [DeadLetter]).
	Err error
}

// Delivery describes the JetStream delivery carrying the action; the
// executor copies it into the result and counts failed safety checks by it.
type Delivery struct {
	// Num is this delivery's number, starting at 1.
	Num int
	// Replays is how often the action was replayed from the DLQ.
	Replays int
}

// Execute runs one delivery of a: claim it in the ledger, call the target
// with retries, and record the outcome. It never returns an error: every
// failure becomes a [Decision].
func (e *Executor) Execute(ctx context.Context, a actions.Action, d Delivery) Decision {
	dec := e.execute(ctx, a, d)
	if dec.Verdict != Redeliver {
		dec.Result.Deliveries, dec.Result.Replays, dec.Result.Worker = d.Num, d.Replays, e.cfg.Owner
	}
	return dec
}

func (e *Executor) execute(ctx context.Context, a actions.Action, d Delivery) Decision {
	started := e.cfg.Now()
	if e.cfg.DryRun || e.cfg.DryRunTargets[a.Target] {
		a.DryRun = true
	}
	target, err := e.target(a)
	if err != nil {
		return e.deadLetter(a, started, 0, err)
	}
	if d, refused := e.safetyCheck(ctx, a, d, started); refused {
		return d
	}
	if a.DryRun {
		return e.dryRun(ctx, target, a, d, started)
	}
	lease, unlock, dec, ok := e.claim(ctx, a)
	if !ok {
		return dec
	}
	out, calls, err := e.callWithRetry(ctx, target, a, &lease)
	// The user's state is settled: the next action on the user may read it
	// while this one records its outcome.
	unlocked := e.unlockAsync(ctx, a, unlock)
	defer func() { <-unlocked }()
	if a.OnlyIfExists && errors.Is(err, actions.ErrUserNotFound) {
		out, err = actions.Outcome{Status: actions.StatusSkipped, Reason: "no account on " + a.Target}, nil
	}
	attempts := lease.Attempts + calls
	if err == nil {
		err = e.deliverSecret(ctx, a, &out)
	}
	if err == nil {
		return e.finish(ctx, target, a, lease, out, attempts, started)
	}
	return e.fail(ctx, a, lease, calls, started, err)
}

// claim takes the action's lease in the ledger and the lock on its user.
// Both are needed before any target call; they are asked for together,
// saving a round trip, and the lock is given back if the lease is not won.
// ok false means dec says what to do with the message.
func (e *Executor) claim(ctx context.Context, a actions.Action) (actions.Lease, func(context.Context) error, Decision, bool) {
	lctx, cancelLock := context.WithCancel(ctx)
	defer cancelLock()
	locked := make(chan lockResult, 1)
	go func() {
		unlock, err := e.lockUser(lctx, a)
		locked <- lockResult{unlock, err}
	}()
	lease, err := e.cfg.Ledger.Acquire(ctx, a, e.cfg.Owner, e.cfg.Lease)
	if err != nil {
		cancelLock()
		if l := <-locked; l.err == nil {
			e.unlock(ctx, a, l.unlock)
		}
		return lease, nil, e.notAcquired(a, lease, err), false
	}
	l := <-locked
	if l.err != nil {
		e.release(ctx, a, lease, lease.Attempts, lease.Failures, l.err)
		if ctx.Err() != nil {
			// Shutting down: hand the message back at once.
			return lease, nil, Decision{Verdict: Redeliver, Err: l.err}, false
		}
		return lease, nil, Decision{Verdict: Redeliver, Delay: e.inFlightDelay(l.err), Err: l.err}, false
	}
	return lease, l.unlock, Decision{}, true
}

type lockResult struct {
	unlock func(context.Context) error
	err    error
}

// notAcquired is the decision when the ledger did not grant the lease.
func (e *Executor) notAcquired(a actions.Action, lease actions.Lease, err error) Decision {
	switch {
	case errors.Is(err, actions.ErrAlreadyDone) && lease.Done != nil:
		return e.replayed(a, *lease.Done)
	case errors.Is(err, actions.ErrInFlight):
		return Decision{Verdict: Redeliver, Delay: e.inFlightDelay(err), Err: err}
	default:
		return Decision{Verdict: Redeliver, Delay: e.cfg.Retry.InitialInterval, Err: fmt.Errorf("ledger: %w", err)}
	}
}

// unlockAsync releases the user lock in the background; the returned
// channel closes when it is done.
func (e *Executor) unlockAsync(ctx context.Context, a actions.Action, unlock func(context.Context) error) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.unlock(ctx, a, unlock)
	}()
	return done
}

// safetyCheck skips a refused action with the reason, before the ledger and
// the target: nothing about it happens, dry run or not. A check that cannot
// be made is retried within the delivery; one that fails for good, or on
// every delivery up to MaxAttempts, dead-letters the action with the reason
// rather than redeliver it forever.
func (e *Executor) safetyCheck(ctx context.Context, a actions.Action, d Delivery, started time.Time) (Decision, bool) {
	if e.cfg.Safety == nil {
		return Decision{}, false
	}
	v, err := e.checkWithRetry(ctx, a)
	if err != nil {
		err = fmt.Errorf("safety check: %w", err)
		if ctx.Err() != nil {
			return Decision{Verdict: Redeliver, Err: err}, true
		}
		if actions.IsPermanent(err) {
			return e.deadLetter(a, started, 0, err), true
		}
		if d.Num >= e.cfg.MaxAttempts {
			return e.deadLetter(a, started, 0, actions.Permanent(fmt.Errorf("failed on %d deliveries: %w", d.Num, err))), true
		}
		return Decision{Verdict: Redeliver, Delay: max(e.cfg.Retry.RedeliveryDelay, e.cfg.Retry.MaxInterval), Err: err}, true
	}
	reason, guard := v.Refuse, actions.GuardRefused
	if v.Park != "" {
		reason, guard = v.Park, actions.GuardParked
	}
	if reason == "" {
		return Decision{}, false
	}
	return Decision{Verdict: Finish, Result: actions.Result{Action: a, Status: actions.StatusSkipped, Reason: reason, Guard: guard,
		StartedAt: started, FinishedAt: e.cfg.Now()}}, true
}

// checkWithRetry asks Safety, retrying transient failures (a KV timeout, a
// leader election) with backoff within the in-delivery budget.
func (e *Executor) checkWithRetry(ctx context.Context, a actions.Action) (actions.SafetyVerdict, error) {
	b := e.newBackOff()
	for {
		v, err := e.cfg.Safety.Check(ctx, a)
		if err == nil || actions.IsPermanent(err) {
			return v, err
		}
		wait := b.NextBackOff()
		if wait == backoff.Stop || !clock.Sleep(ctx, wait) {
			return v, err
		}
		e.cfg.Logger.WarnContext(ctx, "safety check failed, retrying", "action_id", a.ID, "wait", wait.String(), "error", err)
	}
}

// deliverSecret hands a produced secret to the sink and drops it from the
// outcome. If it cannot be delivered the secret is lost to everyone, so the
// action fails as transient: the next delivery rotates again and delivers
// that one.
func (e *Executor) deliverSecret(ctx context.Context, a actions.Action, out *actions.Outcome) error {
	if out.Secret.IsZero() {
		return nil
	}
	defer func() { out.Secret = secret.Secret{} }()
	if e.cfg.Secrets == nil {
		return actions.Transient(errors.New("a secret was produced but no secret store is configured"), 0)
	}
	if err := e.cfg.Secrets.Deliver(ctx, a, out.Secret); err != nil {
		return actions.Transient(fmt.Errorf("deliver produced secret (fingerprint %s): %w", out.Secret.Fingerprint(), err), 0)
	}
	if out.Details == nil {
		out.Details = map[string]string{}
	}
	out.Details[actions.DetailSecretFingerprint] = out.Secret.Fingerprint()
	return nil
}

// dryRun asks the target what it would send, without the ledger: a dry run
// has no effect to protect, and recording it as done would stop the real
// action with the same id from ever running.
//
// Its errors follow the same limits as a real action's, counted by
// delivery since there is no ledger: a permanent error dead-letters, an
// open circuit waits, and a transient error is redelivered until the
// delivery number reaches MaxAttempts.
func (e *Executor) dryRun(ctx context.Context, t actions.Target, a actions.Action, d Delivery, started time.Time) Decision {
	out, err := t.Execute(ctx, a)
	if err != nil {
		return e.dryRunFailed(ctx, a, d, started, err)
	}
	return Decision{Verdict: Finish, Result: actions.Result{Action: a, Status: out.Status, Reason: out.Reason,
		Outcome: out, StartedAt: started, FinishedAt: e.cfg.Now()}}
}

func (e *Executor) dryRunFailed(ctx context.Context, a actions.Action, d Delivery, started time.Time, err error) Decision {
	class, retryAfter := actions.Classify(err)
	switch {
	case ctx.Err() != nil:
		return Decision{Verdict: Redeliver, Err: err}
	case class == actions.ClassPermanent:
		return e.deadLetter(a, started, 0, err)
	case errors.Is(err, actions.ErrTargetUnavailable):
		return Decision{Verdict: Redeliver, Delay: e.redeliveryDelay(retryAfter), Err: err}
	case d.Num >= e.cfg.MaxAttempts:
		return e.deadLetter(a, started, d.Num, err)
	default:
		return Decision{Verdict: Redeliver, Delay: e.redeliveryDelay(retryAfter), Err: err}
	}
}

// redeliveryDelay is how long a message waits before its next delivery
// after a transient failure: the redelivery delay, or the target's
// Retry-After up to the ceiling.
func (e *Executor) redeliveryDelay(retryAfter time.Duration) time.Duration {
	delay := max(e.cfg.Retry.RedeliveryDelay, e.cfg.Retry.MaxInterval)
	if retryAfter > delay {
		delay = min(retryAfter, e.cfg.Retry.RetryAfterCeiling)
	}
	return delay
}

func (e *Executor) target(a actions.Action) (actions.Target, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	t, ok := e.cfg.Targets[a.Target]
	if !ok {
		return nil, actions.Permanent(fmt.Errorf("%w %q", actions.ErrUnknownTarget, a.Target))
	}
	if !t.Supports(a.Kind) {
		return nil, actions.Unsupported(t.Kind(), a.Kind)
	}
	if a.Kind == actions.RotateClientSecret {
		if e.cfg.Secrets == nil {
			return nil, actions.Permanent(errors.New("rotate_client_secret refused: no secret store to deliver the new secret to"))
		}
		if err := e.cfg.Secrets.CanDeliver(a); err != nil {
			return nil, actions.Permanent(fmt.Errorf("rotate_client_secret refused before rotating: %w", err))
		}
	}
	return t, nil
}

func (e *Executor) finish(ctx context.Context, t actions.Target, a actions.Action, l actions.Lease, out actions.Outcome, attempts int, started time.Time) Decision {
	if out.Status == actions.StatusSkipped && !out.Refused && (l.Interrupted || len(l.Unanswered) > 0) {
		out = e.attribute(ctx, t, a, l, out)
	}
	rec := actions.Record{Status: out.Status, Reason: out.Reason, Outcome: out, Attempts: attempts, FinishedAt: e.cfg.Now()}
	// Detached from the delivery's cancellation, as release is: a change
	// made at shutdown must still be recorded, or other workers wait the
	// lease out and cannot tell it was this action's.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ledgerWriteTimeout)
	defer cancel()
	if err := e.cfg.Ledger.Finish(fctx, l, rec); err != nil {
		// The effect happened but is not recorded: the redelivery will find
		// the state already as wanted and report it, so nothing runs twice.
		return Decision{Verdict: Redeliver, Delay: e.cfg.Retry.InitialInterval, Err: fmt.Errorf("ledger finish: %w", err)}
	}
	return Decision{Verdict: Finish, Result: actions.Result{Action: a, Status: out.Status, Reason: out.Reason, Guard: guardOf(out),
		Outcome: out, Attempts: attempts, StartedAt: started, FinishedAt: rec.FinishedAt}}
}

// fail records a failed delivery. calls is how many target calls it made:
// a delivery that never reached the target (open circuit) is not a failed
// attempt and never dead-letters on its own.
func (e *Executor) fail(ctx context.Context, a actions.Action, l actions.Lease, calls int, started time.Time, err error) Decision {
	attempts, failures := l.Attempts+calls, l.Failures
	if calls > 0 && ctx.Err() == nil {
		// A call cut short by shutdown is not the target's failure.
		failures++
	}
	e.release(ctx, a, l, attempts, failures, err)
	if ctx.Err() != nil {
		// Shutting down: hand the message back at once.
		return Decision{Verdict: Redeliver, Err: err}
	}
	class, retryAfter := actions.Classify(err)
	if class == actions.ClassPermanent || (calls > 0 && failures >= e.cfg.MaxAttempts) {
		return e.deadLetter(a, started, attempts, err)
	}
	return Decision{Verdict: Redeliver, Delay: e.redeliveryDelay(retryAfter), Err: err}
}

// inFlightDelay waits until a held lease expires (its holder may have died)
// rather than spending deliveries on polling it.
func (e *Executor) inFlightDelay(err error) time.Duration {
	var ife *actions.InFlightError
	if errors.As(err, &ife) && !ife.Until.IsZero() {
		return max(ife.Until.Sub(e.cfg.Now())+100*time.Millisecond, e.cfg.Retry.InitialInterval)
	}
	return e.cfg.Retry.MaxInterval
}

func (e *Executor) release(ctx context.Context, a actions.Action, l actions.Lease, attempts, failures int, err error) {
	relCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ledgerWriteTimeout)
	defer cancel()
	if rerr := e.cfg.Ledger.Release(relCtx, l, attempts, failures, err.Error()); rerr != nil {
		e.cfg.Logger.WarnContext(ctx, "ledger release failed; lease will expire", "action_id", a.ID, "error", rerr)
	}
}

// lockUser waits, within the in-delivery retry budget, for the lock on a's
// user. Waiting here rather than redelivering keeps a storm of alerts about
// one user from using up JetStream deliveries.
func (e *Executor) lockUser(ctx context.Context, a actions.Action) (func(context.Context) error, error) {
	if e.cfg.Locker == nil {
		return func(context.Context) error { return nil }, nil
	}
	deadline := e.cfg.Now().Add(e.cfg.Retry.MaxElapsed)
	for {
		unlock, err := e.cfg.Locker.TryLock(ctx, a.LockKey(), e.cfg.Owner, e.cfg.Lease)
		if err == nil || !errors.Is(err, actions.ErrInFlight) || e.cfg.Now().After(deadline) {
			return unlock, err
		}
		if !clock.Sleep(ctx, lockPoll) {
			return nil, ctx.Err()
		}
	}
}

// ledgerWriteTimeout bounds a ledger write that must happen even at
// shutdown (recording an outcome, giving a lease back).
const ledgerWriteTimeout = 5 * time.Second

// lockPoll is how often a waiting action retries a user lock.
const lockPoll = 25 * time.Millisecond

func (e *Executor) unlock(ctx context.Context, a actions.Action, unlock func(context.Context) error) {
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := unlock(uctx); err != nil {
		e.cfg.Logger.WarnContext(ctx, "user lock release failed; it will expire", "action_id", a.ID, "error", err)
	}
}

func (e *Executor) deadLetter(a actions.Action, started time.Time, attempts int, err error) Decision {
	class, _ := actions.Classify(err)
	return Decision{Verdict: DeadLetter, Err: err, Result: actions.Result{
		Action: a, Status: actions.StatusFailed, Reason: err.Error(), ErrorClass: class.String(),
		Attempts: attempts, StartedAt: started, FinishedAt: e.cfg.Now(),
	}}
}

func (e *Executor) replayed(a actions.Action, rec actions.Record) Decision {
	return Decision{Verdict: Finish, Result: actions.Result{Action: a, Status: rec.Status, Reason: rec.Reason,
		Guard: guardOf(rec.Outcome), Outcome: rec.Outcome, Attempts: rec.Attempts, FinishedAt: rec.FinishedAt,
		StartedAt: rec.FinishedAt, Replayed: true}}
}

// guardOf is the guard a recorded outcome was stopped by: a protected
// account's refusal is recorded in the ledger, parking never is.
func guardOf(out actions.Outcome) string {
	if out.Refused {
		return actions.GuardRefused
	}
	return ""
}

// callWithRetry calls the target until it succeeds, fails permanently, or
// the in-delivery budget runs out. It returns how many calls reached the
// target (a circuit's probe counts; a call the open circuit refused does
// not), and adds every write that got no answer to l.Unanswered.
func (e *Executor) callWithRetry(ctx context.Context, t actions.Target, a actions.Action, l *actions.Lease) (actions.Outcome, int, error) {
	b := e.newBackOff()
	deadline := e.cfg.Now().Add(e.cfg.Retry.MaxElapsed)
	calls := 0
	for {
		out, err := e.call(ctx, t, a)
		if !errors.Is(err, actions.ErrTargetUnavailable) {
			calls++
		}
		if c, ok := actions.UnansweredCall(err); ok {
			l.Unanswered = append(l.Unanswered, c)
		}
		if err == nil {
			return out, calls, nil
		}
		class, retryAfter := actions.Classify(err)
		if class == actions.ClassPermanent || ctx.Err() != nil {
			return actions.Outcome{}, calls, err
		}
		wait := b.NextBackOff()
		if retryAfter > 0 {
			wait = max(wait, min(retryAfter, e.cfg.Retry.RetryAfterCeiling))
		}
		if wait == backoff.Stop || e.cfg.Now().Add(wait).After(deadline) {
			return actions.Outcome{}, calls, actions.Transient(fmt.Errorf("retries exhausted after %d calls: %w", calls, err), retryAfter)
		}
		if e.cfg.OnRetry != nil {
			e.cfg.OnRetry(ctx, a)
		}
		e.cfg.Logger.InfoContext(ctx, "transient target error, retrying", "action_id", a.ID,
			"target", a.Target, "attempt", calls, "wait", wait.String(), "error", err)
		if !clock.Sleep(ctx, wait) {
			return actions.Outcome{}, calls, err
		}
	}
}

// call checks protected groups, then carries a out. The membership is read
// inside the lease and the user lock, so no write can slip in between.
func (e *Executor) call(ctx context.Context, t actions.Target, a actions.Action) (actions.Outcome, error) {
	if len(e.cfg.ProtectedGroups) > 0 {
		if gr, ok := t.(actions.GroupReader); ok {
			groups, err := gr.UserGroups(ctx, a.User)
			if err != nil && !errors.Is(err, actions.ErrUnsupported) {
				return actions.Outcome{}, err
			}
			for _, g := range groups {
				for _, p := range e.cfg.ProtectedGroups {
					if strings.EqualFold(g, p) {
						return actions.Outcome{Status: actions.StatusSkipped, Refused: true,
							Reason: fmt.Sprintf("protected: %s is a member of %s on %s", a.User, g, a.Target)}, nil
					}
				}
			}
		}
	}
	return t.Execute(ctx, a)
}

func (e *Executor) newBackOff() *backoff.ExponentialBackOff {
	r := e.cfg.Retry
	b := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(r.InitialInterval),
		backoff.WithMaxInterval(r.MaxInterval),
		backoff.WithMultiplier(r.Multiplier),
		backoff.WithMaxElapsedTime(r.MaxElapsed),
	)
	return b
}
