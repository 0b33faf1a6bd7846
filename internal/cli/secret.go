package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/quell-dev/quell/internal/secretstore"
)

func newSecretCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "secret", Short: "Retrieve secrets that actions produced (rotated client secrets)"}
	var identity string
	get := &cobra.Command{
		Use:   "get ACTION_ID --identity FILE",
		Short: "Decrypt the secret a rotate_client_secret action produced",
		Long: "Fetches the age-encrypted secret stored under ACTION_ID and decrypts it with the age identity in\n" +
			"FILE (the private key of the recipient configured in targets[].secret_recipients). It is the only\n" +
			"command that prints a secret; it prints it to standard output and nothing else.",
		Example: "  quellctl secret get act_3f... --identity ~/.config/quell/age.key",
		Args:    cobra.ExactArgs(1),
		RunE:    func(cmd *cobra.Command, args []string) error { return e.getSecret(cmd.Context(), args[0], identity) },
	}
	get.Flags().StringVar(&identity, "identity", "", "age identity file (required)")
	_ = get.MarkFlagRequired("identity")
	cmd.AddCommand(get)
	return cmd
}

func (e *env) getSecret(ctx context.Context, id, identityFile string) error {
	f, err := os.Open(identityFile)
	if err != nil {
		return fmt.Errorf("identity: %w", err)
	}
	defer f.Close()
	ctx, done, err := e.connect(ctx)
	if err != nil {
		return err
	}
	defer done()
	ct, err := secretstore.Fetch(ctx, e.js, id)
	if err != nil {
		return err
	}
	sec, err := secretstore.Decrypt(ct, f)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.errOut, "secret of %s (fingerprint %s):\n", id, sec.Fingerprint())
	_, err = fmt.Fprintln(e.out, sec.Reveal())
	return err
}
