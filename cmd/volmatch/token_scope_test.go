package main

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"volmatch"
	"volmatch/internal/fixture"
)

// registerScopes registers organisation org (volmatch org create) and
// stores volunteer vol in the store under dir, so that tokens may be
// scoped to them.
func registerScopes(t *testing.T, dir, org, vol string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"org", "create", "--data", dir, "--id", org, "--name", "测试社区", "--district", "110105"}, &stdout, &stderr); code != 0 {
		t.Fatalf("org create = %d, stderr %q", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "registered organisation "+org) {
		t.Errorf("org create printed %q, want it to name %s", stdout.String(), org)
	}
	st, err := openStore(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.CreateVolunteer(context.Background(), fixture.Volunteer(vol)); err != nil {
		t.Fatal(err)
	}
}

// TestTokenCreateUnknownScope: tokens only for organisations and
// volunteers that exist.
func TestTokenCreateUnknownScope(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--role", "social_worker", "--org", "NOPE"}, "--org organisation NOPE is not registered"},
		{[]string{"--role", "volunteer", "--volunteer", "V404"}, "--volunteer volunteer V404 does not exist"},
		{[]string{"--role", "admin", "--name", volmatch.EnvAdminTokenName}, "reserved"},
	} {
		var stdout, stderr bytes.Buffer
		args := append([]string{"token", "create", "--data", dir}, tc.args...)
		if code := run(args, &stdout, &stderr); code == 0 || stdout.Len() != 0 {
			t.Errorf("run(%q) = %d printing %q, want a failure printing nothing", args, code, stdout.String())
		}
		if !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("run(%q) stderr %q, want it to say %q", args, stderr.String(), tc.want)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"org", "create", "--data", dir, "--id", "O 1", "--name", "x"}, &stdout, &stderr); code == 0 ||
		!strings.Contains(stderr.String(), "--id may hold only") {
		t.Errorf("org create --id 'O 1' = %d, stderr %q; want a refusal naming --id", code, stderr.String())
	}
	runOK(t, "org", "create", "--data", dir, "--id", "O1", "--name", "朝阳社区")
	if code := run([]string{"org", "create", "--data", dir, "--id", "O1", "--name", "again"}, &stdout, &stderr); code == 0 ||
		!strings.Contains(stderr.String(), "already exists") {
		t.Errorf("org create of a taken ID = %d, stderr %q; want already exists", code, stderr.String())
	}
	out, _ := runOK(t, "org", "list", "--data", dir)
	if !strings.Contains(out, "O1") || !strings.Contains(out, "朝阳社区") {
		t.Errorf("org list = %q, want O1 朝阳社区", out)
	}
	runOK(t, "token", "create", "--data", dir, "--role", "social_worker", "--org", "O1")
}

// TestTokenListRevoke: token list shows every token without a secret;
// token revoke by name or hash prefix removes it and prints what it
// revoked; a name shared by several tokens needs --all.
func TestTokenListRevoke(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	ctx := context.Background()
	secrets := map[string]string{}
	for _, name := range []string{"ops", "report", "shared", "shared"} {
		out, _ := runOK(t, "token", "create", "--data", dir, "--role", "planner", "--name", name)
		secrets[strings.TrimSpace(out)] = name
	}
	list, _ := runOK(t, "token", "list", "--data", dir)
	if n := strings.Count(list, "planner"); n != 4 {
		t.Errorf("token list shows %d tokens, want 4:\n%s", n, list)
	}
	for secret := range secrets {
		if strings.Contains(list, secret) || strings.Contains(list, volmatch.HashToken(secret)) {
			t.Errorf("token list shows a secret or a whole hash:\n%s", list)
		}
	}
	hashOfName := func(name string) string {
		for s, n := range secrets {
			if n == name {
				return volmatch.HashToken(s)
			}
		}
		return ""
	}
	out, _ := runOK(t, "token", "revoke", "--data", dir, "ops")
	if want := "revoked planner token " + hashOfName("ops")[:12] + " named ops"; !strings.Contains(out, want) {
		t.Errorf("token revoke ops printed %q, want %q", out, want)
	}
	out, _ = runOK(t, "token", "revoke", "--data", dir, hashOfName("report")[:10])
	if !strings.Contains(out, "named report") {
		t.Errorf("token revoke by hash prefix printed %q, want the report token", out)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"token", "revoke", "--data", dir, "shared"}, &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), "--all") {
		t.Errorf("token revoke of a shared name = %d, stderr %q; want a refusal pointing to --all", code, stderr.String())
	}
	stderr.Reset()
	if code := run([]string{"token", "revoke", "--data", dir, "nobody"}, &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), "no token is named") {
		t.Errorf("token revoke nobody = %d, stderr %q; want not found", code, stderr.String())
	}
	out, _ = runOK(t, "token", "revoke", "--data", dir, "--all", "shared")
	if strings.Count(out, "revoked") != 2 {
		t.Errorf("token revoke --all shared printed %q, want two tokens", out)
	}
	st, err := openStore(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	toks, err := st.Tokens(ctx)
	if err != nil || len(toks) != 0 {
		t.Errorf("tokens left after revoking all = %d, %v; want none", len(toks), err)
	}
}

// TestWireAdminSecret: a weak VOLMATCH_ADMIN_TOKEN stops the start with a
// clear error; a changed one revokes the token of the old one; a removed
// one revokes it too.
func TestWireAdminSecret(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	open := func(secret string) (*service, error) {
		return wire(ctx, wireOptions{Store: storeConfig{DataDir: data}, AdminToken: secret, Logger: slog.New(slog.DiscardHandler)})
	}
	for _, weak := range []string{"a", "secret", strings.Repeat("x", 64)} {
		svc, err := open(weak)
		if err == nil {
			svc.Close()
			t.Fatalf("wire with %s=%q started, want a refusal", AdminTokenEnv, weak)
		}
		if !strings.HasPrefix(err.Error(), AdminTokenEnv+" must") {
			t.Errorf("wire with %s=%q = %q, want an error starting %q", AdminTokenEnv, weak, err, AdminTokenEnv+" must")
		}
	}
	second := strings.ToUpper(wireAdmin[:40]) + "-rotated"
	for _, step := range []struct {
		secret      string
		valid, gone []string
	}{
		{wireAdmin, []string{wireAdmin}, nil},
		{second, []string{second}, []string{wireAdmin}},
		{"", nil, []string{wireAdmin, second}},
	} {
		svc, err := open(step.secret)
		if err != nil {
			t.Fatalf("wire with %s=%q: %v", AdminTokenEnv, step.secret, err)
		}
		for _, s := range step.valid {
			if _, err := svc.engine.Authenticate(ctx, s); err != nil {
				t.Errorf("after starting with %q, Authenticate(%q) = %v, want it valid", step.secret, s, err)
			}
		}
		for _, s := range step.gone {
			if _, err := svc.engine.Authenticate(ctx, s); volmatch.ErrorCode(err) != volmatch.EUNAUTHORIZED {
				t.Errorf("after starting with %q, Authenticate(%q) = %v, want it revoked", step.secret, s, err)
			}
		}
		if err := svc.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestParseProxies reads --trusted-proxy: addresses and CIDR prefixes.
func TestParseProxies(t *testing.T) {
	got, err := parseProxies([]string{"10.0.0.0/8", "192.0.2.7", "2001:db8::/32", "::ffff:198.51.100.1"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32", "198.51.100.1/32"}
	for i, p := range got {
		if p.String() != want[i] {
			t.Errorf("parseProxies[%d] = %s, want %s", i, p, want[i])
		}
	}
	if _, err := parseProxies([]string{"proxy.example"}); err == nil || !strings.Contains(err.Error(), "--trusted-proxy") {
		t.Errorf("parseProxies(a name) = %v, want an error naming --trusted-proxy", err)
	}
}
