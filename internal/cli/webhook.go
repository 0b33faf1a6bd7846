package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/quell-dev/quell/internal/config"
	"github.com/quell-dev/quell/internal/sourceauth"
)

func newWebhookCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "webhook", Short: "Test a configured source end to end"}
	var url, id string
	send := &cobra.Command{
		Use:   "send SOURCE FILE",
		Short: "Sign FILE as SOURCE's sender would and post it to the ingest",
		Long: "Reads the source's secret from the configuration, signs the body with the source's scheme\n" +
			"(standard-webhooks or bearer) and posts it to /v1/webhooks/SOURCE. FILE may be - for stdin.",
		Example: "  quellctl webhook send demo deploy/local/demo-alert.json",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.sendWebhook(cmd.Context(), args[0], args[1], url, id)
		},
	}
	send.Flags().StringVar(&url, "url", "", "ingest base URL (default: http:// + ingest.listen)")
	send.Flags().StringVar(&id, "id", "", "delivery id (default: a new one; reuse one to test dedupe)")
	cmd.AddCommand(send)
	return cmd
}

func (e *env) sendWebhook(ctx context.Context, sourceName, file, url, id string) error {
	if err := e.load(); err != nil {
		return err
	}
	src, err := e.source(sourceName)
	if err != nil {
		return err
	}
	body, err := readFile(file)
	if err != nil {
		return err
	}
	if url == "" {
		url = "http://" + e.cfg.Ingest.Listen
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/v1/webhooks/"+sourceName, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if err := sign(req, src, body, id); err != nil {
		return err
	}
	resp, err := (&http.Client{Timeout: e.timeout}).Do(req)
	if err != nil {
		return fmt.Errorf("post to ingest: %w (is `make run` going?)", err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	fmt.Fprintf(e.out, "%s %s", resp.Status, out)
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("ingest answered %s", resp.Status)
	}
	return nil
}

func (e *env) source(name string) (config.Source, error) {
	for _, s := range e.cfg.Sources {
		if s.Name == name {
			return s, nil
		}
	}
	return config.Source{}, fmt.Errorf("no source %q in %s", name, e.configPath)
}

func sign(req *http.Request, src config.Source, body []byte, id string) error {
	if len(src.Auth.Secrets) == 0 {
		return nil
	}
	sec, err := config.Resolve("auth.secrets[0]", src.Auth.Secrets[0])
	if err != nil {
		return err
	}
	switch src.Auth.Scheme {
	case "standard-webhooks":
		if id == "" {
			id = "msg_" + uuid.NewString()
		}
		now := time.Now()
		sig, err := sourceauth.Sign(sec, id, now, body)
		if err != nil {
			return err
		}
		req.Header.Set(sourceauth.HeaderWebhookID, id)
		req.Header.Set(sourceauth.HeaderWebhookTimestamp, strconv.FormatInt(now.Unix(), 10))
		req.Header.Set(sourceauth.HeaderWebhookSignature, sig)
	case "bearer":
		req.Header.Set("Authorization", "Bearer "+sec.Reveal())
	default:
		return fmt.Errorf("webhook send does not sign %s yet", src.Auth.Scheme)
	}
	return nil
}

func readFile(name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(os.Stdin)
	}
	return os.ReadFile(name)
}
