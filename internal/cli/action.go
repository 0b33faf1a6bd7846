package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/capability"
	"github.com/quell-dev/quell/internal/events"
)

type actionFlags struct {
	target, user, reason, requestedBy, key string
	params                                 []string
	dryRun, wait                           bool
	waitFor                                time.Duration
}

func newActionCmd(e *env) *cobra.Command {
	var f actionFlags
	cmd := &cobra.Command{
		Use:   "action KIND --target NAME --user USER --reason TEXT",
		Short: "Request an action by hand (quarantine, update_attributes, ...)",
		Long: "Stores an action request on JetStream for the executor. USER is a username, DOMAIN\\user or an\n" +
			"email/UPN. The request is idempotent under --idempotency-key; without one a new key is made.",
		Example: `  quellctl action quarantine --target bi --user jdoe --reason "INC-4711 credential theft" --wait`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.requestAction(cmd.Context(), args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.target, "target", "", "configured target name (required)")
	fl.StringVar(&f.user, "user", "", "the user to act on (required)")
	fl.StringVar(&f.reason, "reason", "", "why, for the audit trail (required)")
	fl.StringVar(&f.requestedBy, "as", defaultRequester(), "who is asking")
	fl.StringVar(&f.key, "idempotency-key", "", "makes a retried request the same action")
	fl.StringSliceVar(&f.params, "param", nil, "action parameter key=value (repeatable)")
	fl.BoolVar(&f.dryRun, "dry-run", false, "run the pipeline without calling the target")
	fl.BoolVar(&f.wait, "wait", false, "wait for the outcome and print it")
	fl.DurationVar(&f.waitFor, "wait-timeout", 60*time.Second, "how long --wait waits")
	for _, name := range []string{"target", "user", "reason"} {
		_ = cmd.MarkFlagRequired(name)
	}
	cmd.AddCommand(newUndoCmd(e))
	return cmd
}

func (e *env) requestAction(ctx context.Context, kindName string, f actionFlags) error {
	if err := e.load(); err != nil {
		return err
	}
	a, err := e.buildAction(kindName, f)
	if err != nil {
		return err
	}
	ctx, done, err := e.connect(ctx)
	if err != nil {
		return err
	}
	defer done()
	return e.publishAction(ctx, a, map[string]string{"id": a.ID, "status": "requested"}, a.ID, f.wait, f.waitFor)
}

// publishAction stores a responder's request a and, with wait, waits for
// its outcome and prints it; otherwise it prints requested (what names
// the request in a human line; asJSON for --json).
func (e *env) publishAction(ctx context.Context, a actions.Action, asJSON map[string]string, what string, wait bool, waitFor time.Duration) error {
	ev, err := events.NewActionRequested(events.SourceResponder, a)
	if err != nil {
		return err
	}
	if _, err := events.NewPublisher(e.js).Publish(ctx, events.ActionSubject(a.Target, string(a.Kind)), ev); err != nil {
		return err
	}
	if !wait {
		return e.print(asJSON, fmt.Sprintf("requested %s\n", what))
	}
	fmt.Fprintf(e.errOut, "requested %s, waiting for the outcome...\n", what)
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), waitFor)
	defer cancel()
	r, err := e.waitResult(wctx, a.ID)
	if err != nil {
		return err
	}
	return e.printResult(r)
}

func (e *env) buildAction(kindName string, f actionFlags) (actions.Action, error) {
	kind, err := actions.ParseKind(kindName)
	if err != nil {
		return actions.Action{}, err
	}
	t, err := e.cfg.Target(f.target)
	if err != nil {
		return actions.Action{}, err
	}
	if !capability.Supports(t.Kind, kind) {
		return actions.Action{}, fmt.Errorf("target %s (%s) cannot %s", t.Name, t.Kind, kind)
	}
	if kind == actions.RotateClientSecret && len(t.SecretRecipients) == 0 {
		return actions.Action{}, fmt.Errorf("target %s has no secret_recipients: the rotated secret would have no one to be delivered to", t.Name)
	}
	user := actions.ParseUserRef(f.user)
	if user.IsZero() || strings.TrimSpace(f.reason) == "" {
		return actions.Action{}, fmt.Errorf("--user and --reason must not be empty")
	}
	params := map[string]any{}
	for _, p := range f.params {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return actions.Action{}, fmt.Errorf("--param %q: want key=value", p)
		}
		params[k] = v
	}
	key := f.key
	if key == "" {
		key = uuid.NewString()
	}
	a := actions.Action{Kind: kind, Target: t.Name, User: user, Params: params, Reason: f.reason,
		RequestedBy: "quellctl:" + f.requestedBy, DryRun: f.dryRun || e.cfg.Safety.DryRun || t.DryRun, RequestedAt: time.Now().UTC()}
	a.AssignID("manual quellctl " + key)
	return a, nil
}

func (e *env) print(v any, human string) error {
	if e.jsonOut {
		enc := json.NewEncoder(e.out)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	_, err := fmt.Fprint(e.out, human)
	return err
}
