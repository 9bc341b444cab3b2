package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"volmatch/webhook"
)

// WebhookSecretEnv names the environment variable holding the secret the
// notification webhooks are signed with (the --webhook-secret flag, which
// other users of the machine can read in the process list, is for tests).
const WebhookSecretEnv = "VOLMATCH_WEBHOOK_SECRET"

// webhookConfig is the outbound notification gateway (SMS or WeChat): the
// URL the outbox is posted to and the signing secret. Without a URL there
// is no gateway and nothing goes to the outbox.
type webhookConfig struct {
	URL    string
	Secret string
}

func addWebhookFlags(cmd *cobra.Command, c *webhookConfig) {
	f := cmd.Flags()
	f.StringVar(&c.URL, "webhook-url", "", "URL of the SMS or WeChat gateway that receives the notifications volunteers choose for it (signed POSTs; none when empty)")
	f.StringVar(&c.Secret, "webhook-secret", "", fmt.Sprintf("secret the webhooks are signed with, at least %d characters (default: $%s)", webhook.MinSecretLen, WebhookSecretEnv))
}

// resolve takes the secret from the environment when the flag is unset and
// checks the pair.
func (c *webhookConfig) resolve() error {
	if c.Secret == "" {
		c.Secret = os.Getenv(WebhookSecretEnv)
	}
	switch {
	case c.URL == "" && c.Secret != "" && os.Getenv(WebhookSecretEnv) == "":
		return fmt.Errorf("--webhook-secret without --webhook-url")
	case c.URL != "" && len(c.Secret) < webhook.MinSecretLen:
		return fmt.Errorf("--webhook-url needs a signing secret of at least %d characters in $%s (or --webhook-secret)", webhook.MinSecretLen, WebhookSecretEnv)
	}
	return nil
}

// runNotifications runs, until ctx ends, the notifier (inboxes and
// reminders from the event log and the clock) and, with a gateway, the
// outbox's deliverer; the pages' live streams end when hs shuts down.
func (s *service) runNotifications(ctx context.Context, hs *http.Server) {
	go s.engine.RunNotifier(ctx, time.Second)
	if s.hook != nil {
		go s.hook.Run(ctx, 5*time.Second)
	}
	if s.web != nil {
		hs.RegisterOnShutdown(s.web.CloseStreams)
	}
}
