package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"volmatch"
)

func TestTokenCreate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	registerScopes(t, dir, "ORG1", "V0001") // token_scope_test.go
	cases := []struct {
		args  []string
		token volmatch.Token
	}{
		{[]string{"--role", "admin", "--name", "ops"}, volmatch.Token{Role: volmatch.RoleAdmin, Name: "ops"}},
		{[]string{"--role", "social_worker", "--org", "ORG1"}, volmatch.Token{Role: volmatch.RoleSocialWorker, Org: "ORG1"}},
		{[]string{"--role", "volunteer", "--volunteer", "V0001"}, volmatch.Token{Role: volmatch.RoleVolunteer, Volunteer: "V0001"}},
		{[]string{"--role", "planner"}, volmatch.Token{Role: volmatch.RolePlanner}},
	}
	secrets := map[string]bool{}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		args := append([]string{"token", "create", "--data", dir}, c.args...)
		if code := run(args, &stdout, &stderr); code != 0 {
			t.Fatalf("run(%q) = %d, stderr %q", args, code, stderr.String())
		}
		secret := strings.TrimSpace(stdout.String())
		if !strings.HasPrefix(secret, "vm_") || strings.Contains(secret, "\n") || secrets[secret] {
			t.Fatalf("run(%q) printed %q, want one fresh vm_ secret", args, stdout.String())
		}
		secrets[secret] = true
		if !strings.Contains(stderr.String(), "shown only this once") {
			t.Errorf("run(%q) stderr %q, want the shown-once note", args, stderr.String())
		}
		st, err := openStore(context.Background(), dir)
		if err != nil {
			t.Fatalf("openStore: %v", err)
		}
		got, err := st.TokenByHash(context.Background(), volmatch.HashToken(secret))
		st.Close()
		if err != nil {
			t.Fatalf("TokenByHash(printed secret): %v", err)
		}
		if got.Role != c.token.Role || got.Org != c.token.Org || got.Volunteer != c.token.Volunteer || got.Name != c.token.Name || got.CreatedAt.IsZero() {
			t.Errorf("run(%q) stored %+v, want %+v with a creation time", args, got, c.token)
		}
		if got.Hash == secret {
			t.Errorf("the store holds the secret itself, want its hash")
		}
	}
}

func TestTokenCreateRefuses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--role", "root"}, "must be admin, social_worker, volunteer or planner"},
		{[]string{"--role", "social_worker"}, "--org is required"},
		{[]string{"--role", "volunteer", "--org", "O1"}, "--volunteer is required"},
		{[]string{"--role", "admin", "--org", "O1"}, "take no organisation"},
		{[]string{}, `"role" not set`},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		args := append([]string{"token", "create", "--data", dir}, c.args...)
		if code := run(args, &stdout, &stderr); code == 0 {
			t.Errorf("run(%q) = 0, want a failure", args)
		}
		if stdout.Len() != 0 {
			t.Errorf("run(%q) printed %q on a failure, want nothing", args, stdout.String())
		}
		if !strings.Contains(stderr.String(), c.want) {
			t.Errorf("run(%q) stderr %q, want it to say %q", args, stderr.String(), c.want)
		}
	}
}

func TestOpenStore(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "nested", "data")
	st, err := openStore(ctx, dir)
	if err != nil {
		t.Fatalf("openStore(new folder): %v", err)
	}
	if err := st.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
	if _, err := openStoreConfig(ctx, storeConfig{DataDir: dir}); volmatch.ErrorCode(err) != volmatch.EUNAVAILABLE {
		t.Errorf("second open while in use = %v, want unavailable", err)
	}
	st.Close()
	if _, err := openStoreConfig(ctx, storeConfig{}); err == nil {
		t.Errorf("openStoreConfig without a data folder = nil error, want one")
	}
}
