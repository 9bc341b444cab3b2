package main

import (
	"bytes"
	"context"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"volmatch"
	"volmatch/engine"
)

// TestTokenCreateRegister: --register prints a one-time registration link
// whose code the store holds as a registration code (it passes
// CheckRegistration and is no bearer token); a scope, another role or
// --signin with it is refused with nothing printed.
func TestTokenCreateRegister(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	var stdout, stderr bytes.Buffer
	args := []string{"token", "create", "--data", dir, "--register", "--name", "建外街道", "--base-url", "https://vm.example/"}
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("run(%q) = %d: %s", args, code, stderr.String())
	}
	link := strings.TrimSpace(stdout.String())
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(link, "https://vm.example/web/register?code=vm_") {
		t.Fatalf("printed %q, want a registration link on the base URL", link)
	}
	if !strings.Contains(stderr.String(), "registration link") {
		t.Errorf("stderr = %q, want it to say what was issued", stderr.String())
	}
	code := u.Query().Get("code")
	err = withEngine(context.Background(), storeConfig{DataDir: dir}, func(eng *engine.Engine) error {
		if err := eng.CheckRegistration(context.Background(), code); err != nil {
			return err
		}
		if _, err := eng.Authenticate(context.Background(), code); volmatch.ErrorCode(err) != volmatch.EUNAUTHORIZED {
			t.Errorf("the registration code as a bearer token = %v, want EUNAUTHORIZED", err)
		}
		return nil
	})
	if err != nil {
		t.Errorf("the printed code: %v", err)
	}
	// token list tells the code from a volunteer's token.
	var list bytes.Buffer
	if code := run([]string{"token", "list", "--data", dir}, &list, &stderr); code != 0 || !strings.Contains(list.String(), "registration") || !strings.Contains(list.String(), "建外街道") {
		t.Errorf("token list = %d:\n%s\nwant the registration code listed as such", code, list.String())
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--register", "--role", "social_worker"}, "leave out --role"},
		{[]string{"--register", "--volunteer", "V1"}, "leave out --org and --volunteer"},
		{[]string{"--register", "--signin", "--role", "volunteer"}, "not both"},
		{[]string{"--register", "--ttl", "200h"}, "ttl"},
	} {
		var stdout, stderr bytes.Buffer
		args := append([]string{"token", "create", "--data", dir}, c.args...)
		if code := run(args, &stdout, &stderr); code == 0 || stdout.Len() != 0 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("run(%q) = %d, stdout %q, stderr %q; want a failure saying %q", args, code, stdout.String(), stderr.String(), c.want)
		}
	}
}
