package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"volmatch"
	"volmatch/engine"
	"volmatch/internal/fixture"
	"volmatch/webhook"
)

// TestServeWebhookFlags: a gateway URL needs a strong secret, from the
// flag or the environment; a secret flag needs the URL.
func TestServeWebhookFlags(t *testing.T) {
	cases := []struct {
		name string
		env  string
		args []string
		want string
	}{
		{"url without secret", "", []string{"--webhook-url", "http://127.0.0.1:9/hook"}, "needs a signing secret"},
		{"short secret", "short", []string{"--webhook-url", "http://127.0.0.1:9/hook"}, "needs a signing secret"},
		{"secret flag without url", "", []string{"--webhook-secret", "0123456789abcdef0123"}, "without --webhook-url"},
		{"bad url", "0123456789abcdef0123", []string{"--webhook-url", "ftp://x"}, "http or https"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(WebhookSecretEnv, tc.env)
			var out, errs bytes.Buffer
			args := append([]string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0"}, tc.args...)
			if code := run(args, &out, &errs); code == 0 || !strings.Contains(errs.String(), tc.want) {
				t.Errorf("serve %v = %d, stderr %q; want a failure saying %q", tc.args, code, errs.String(), tc.want)
			}
		})
	}
}

// TestWiredNotifications: a service wired with a gateway runs the
// notifier and the deliverer: an invitation to a volunteer who chose the
// gateway for invitations reaches a real receiver on loopback, signed with
// the configured secret.
func TestWiredNotifications(t *testing.T) {
	const secret = "wired-secret-0123456789abcdef"
	got := make(chan []byte, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify([]byte(secret), r.Header, body, time.Now(), time.Minute); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		got <- body
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	svc, err := wire(ctx, wireOptions{Store: storeConfig{DataDir: t.TempDir()}, Logger: slog.New(slog.DiscardHandler),
		Webhook: webhookConfig{URL: srv.URL, Secret: secret}})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	e := svc.engine
	admin := &volmatch.Token{Role: volmatch.RoleAdmin}
	if err := e.CreateOrganisation(ctx, admin, &volmatch.Organisation{ID: "O1", Name: "社工站", District: fixture.District}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.RegisterVolunteer(ctx, admin, fixture.Volunteer("V1", func(v *volmatch.Volunteer) { v.Phone = "13800138000" })); err != nil {
		t.Fatal(err)
	}
	vol := &volmatch.Token{Role: volmatch.RoleVolunteer, Volunteer: "V1"}
	if _, err := e.SetNotifyPrefs(ctx, vol, &volmatch.NotifyPrefs{Webhook: []volmatch.NoticeKind{volmatch.NoticeInvite}}); err != nil {
		t.Fatal(err)
	}
	// The need's shift must lie ahead of the wall clock the service runs on.
	start := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
	if _, err := e.PostNeed(ctx, admin, fixture.Need("N1", fixture.Shifts(fixture.Shift("s1", start, 2*time.Hour, 2)))); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Invite(ctx, admin, "N1", engine.InviteRequest{Shift: "s1", Volunteers: []string{"V1"}}); err != nil {
		t.Fatal(err)
	}
	svc.runNotifications(ctx, &http.Server{})
	select {
	case body := <-got:
		var p webhook.Payload
		if err := json.Unmarshal(body, &p); err != nil || p.Kind != volmatch.NoticeInvite || p.Volunteer != "V1" || p.Phone != "13800138000" {
			t.Errorf("payload = %s (%v)", body, err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the gateway got nothing within 10 s")
	}
}
