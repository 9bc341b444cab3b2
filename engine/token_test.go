package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"volmatch"
	"volmatch/engine"
	"volmatch/internal/fixture"
	"volmatch/taxonomy"
)

// strong is an admin secret as `openssl rand -hex 32` makes one.
const (
	strong  = "9f2c4e7a1b3d5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8"
	strong2 = "0123456789abcdef0123456789abcdef-second-secret"
)

// TestEnsureAdminTokenRefusesWeakSecrets: VOLMATCH_ADMIN_TOKEN must be a
// strong secret; the one-letter secret "a" that was accepted is refused,
// and so are long values of one kind or of few characters.
func TestEnsureAdminTokenRefusesWeakSecrets(t *testing.T) {
	ctx := context.Background()
	e, st := newEngine(t)
	for _, tc := range []struct {
		secret string
		want   string // in the message
	}{
		{"a", "at least 32 characters"},
		{"change-me", "at least 32 characters"},
		{strings.Repeat("a", 40), "two kinds"},
		{"12345678901234567890123456789012345", "two kinds"},
		{"abcdefghijklmnopqrstuvwxyzabcdefgh", "two kinds"},
		{strings.Repeat("aB1", 12), "8 different"},
		{"correct horse battery staple 12345", "spaces"},
	} {
		revoked, err := e.EnsureAdminToken(ctx, tc.secret)
		if volmatch.ErrorCode(err) != volmatch.EINVALID || volmatch.ErrorField(err) != volmatch.EnvAdminTokenName ||
			!strings.Contains(volmatch.ErrorMessage(err), tc.want) {
			t.Errorf("EnsureAdminToken(%q) = %v, want EINVALID on %s saying %q", tc.secret, err, volmatch.EnvAdminTokenName, tc.want)
		}
		if len(revoked) != 0 {
			t.Errorf("EnsureAdminToken(%q) revoked %d tokens on a refusal", tc.secret, len(revoked))
		}
		if _, err := st.TokenByHash(ctx, volmatch.HashToken(tc.secret)); volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
			t.Errorf("a token for the weak secret %q was stored", tc.secret)
		}
	}
	for _, good := range []string{strong, volmatch.NewSecret(), "Tr0ub4dor&3-Tr0ub4dor&3-Tr0ub4dor&3"} {
		if _, err := e.EnsureAdminToken(ctx, good); err != nil {
			t.Errorf("EnsureAdminToken(%q) = %v, want it accepted", good, err)
		}
	}
}

// TestEnsureAdminTokenRevokesOldSecret: a changed VOLMATCH_ADMIN_TOKEN
// revokes the old one at once (even while it is cached), a removed one
// revokes the last; tokens with other names stay.
func TestEnsureAdminTokenRevokesOldSecret(t *testing.T) {
	ctx := context.Background()
	e, st := newEngine(t)
	other := volmatch.NewSecret()
	if err := e.CreateToken(ctx, other, &volmatch.Token{Role: volmatch.RoleAdmin, Name: "ops"}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := e.EnsureAdminToken(ctx, strong); err != nil {
		t.Fatalf("EnsureAdminToken(first): %v", err)
	}
	if _, err := e.Authenticate(ctx, strong); err != nil { // now cached
		t.Fatalf("Authenticate(first secret): %v", err)
	}
	revoked, err := e.EnsureAdminToken(ctx, strong2)
	if err != nil {
		t.Fatalf("EnsureAdminToken(changed): %v", err)
	}
	if len(revoked) != 1 || revoked[0].Hash != volmatch.HashToken(strong) {
		t.Errorf("EnsureAdminToken(changed) revoked %d tokens, want the first secret's", len(revoked))
	}
	if _, err := e.Authenticate(ctx, strong); volmatch.ErrorCode(err) != volmatch.EUNAUTHORIZED {
		t.Errorf("Authenticate(old secret) after a change = %v, want EUNAUTHORIZED", err)
	}
	if _, err := e.Authenticate(ctx, strong2); err != nil {
		t.Errorf("Authenticate(new secret) = %v", err)
	}
	// The same value again changes nothing.
	if revoked, err := e.EnsureAdminToken(ctx, strong2); err != nil || len(revoked) != 0 {
		t.Errorf("EnsureAdminToken(same) = %d revoked, %v; want none", len(revoked), err)
	}
	// The variable removed: the last one is revoked too.
	if revoked, err := e.EnsureAdminToken(ctx, ""); err != nil || len(revoked) != 1 {
		t.Errorf("EnsureAdminToken(removed) = %d revoked, %v; want 1", len(revoked), err)
	}
	if _, err := e.Authenticate(ctx, strong2); volmatch.ErrorCode(err) != volmatch.EUNAUTHORIZED {
		t.Errorf("Authenticate(secret of a removed variable) = %v, want EUNAUTHORIZED", err)
	}
	if _, err := e.Authenticate(ctx, other); err != nil {
		t.Errorf("Authenticate(a token of another name) = %v, want it kept", err)
	}
	toks, err := st.Tokens(ctx)
	if err != nil || len(toks) != 1 {
		t.Errorf("stored tokens = %d, %v; want the ops token alone", len(toks), err)
	}
}

// TestRevokeTokenDropsCache: a token revoked through the engine stops
// working at once, although the engine caches looked-up tokens for 30 s.
func TestRevokeTokenDropsCache(t *testing.T) {
	ctx := context.Background()
	e, st := newEngine(t)
	secret := volmatch.NewSecret()
	if err := e.CreateToken(ctx, secret, &volmatch.Token{Role: volmatch.RolePlanner, Name: "report"}, 0); err != nil {
		t.Fatal(err)
	}
	tok, err := e.Authenticate(ctx, secret) // cached from here
	if err != nil {
		t.Fatal(err)
	}
	if err := e.RevokeToken(ctx, tok.Hash); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	if _, err := e.Authenticate(ctx, secret); volmatch.ErrorCode(err) != volmatch.EUNAUTHORIZED {
		t.Errorf("Authenticate after RevokeToken = %v, want EUNAUTHORIZED at once", err)
	}
	if _, err := st.TokenByHash(ctx, tok.Hash); volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
		t.Errorf("the revoked token is still stored: %v", err)
	}
	if err := e.RevokeToken(ctx, tok.Hash); volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
		t.Errorf("RevokeToken again = %v, want ENOTFOUND", err)
	}
}

// TestFindTokens: a token is named by its name or by 8 or more leading hex
// digits of its hash.
func TestFindTokens(t *testing.T) {
	ctx := context.Background()
	e, _ := newEngine(t)
	hashes := map[string]string{}
	for _, name := range []string{"ops", "ops", "report"} {
		secret := volmatch.NewSecret()
		tok := &volmatch.Token{Role: volmatch.RolePlanner, Name: name}
		if err := e.CreateToken(ctx, secret, tok, 0); err != nil {
			t.Fatal(err)
		}
		hashes[name] = tok.Hash
	}
	for _, tc := range []struct {
		ref  string
		n    int
		code string
	}{
		{"ops", 2, ""},
		{"report", 1, ""},
		{hashes["report"][:8], 1, ""},
		{strings.ToUpper(hashes["report"][:12]), 1, ""},
		{hashes["report"], 1, ""},
		{hashes["report"][:7], 0, volmatch.ENOTFOUND}, // too short to be a prefix
		{"nobody", 0, volmatch.ENOTFOUND},
		{" ", 0, volmatch.EINVALID},
	} {
		got, err := e.FindTokens(ctx, tc.ref)
		if volmatch.ErrorCode(err) != tc.code || len(got) != tc.n {
			t.Errorf("FindTokens(%q) = %d tokens, %v; want %d, code %q", tc.ref, len(got), err, tc.n, tc.code)
		}
	}
}

// TestCreateTokenScopeExists: tokens are issued only for organisations and
// volunteers that exist, and the environment's token name is reserved.
func TestCreateTokenScopeExists(t *testing.T) {
	ctx := context.Background()
	e, _ := newEngine(t, fixture.Volunteers(1)...)
	create := func(tok volmatch.Token) error { return e.CreateToken(ctx, volmatch.NewSecret(), &tok, 0) }
	for _, tc := range []struct {
		tok   volmatch.Token
		field string
	}{
		{volmatch.Token{Role: volmatch.RoleSocialWorker, Org: "O1"}, "org"},
		{volmatch.Token{Role: volmatch.RoleVolunteer, Volunteer: "V999"}, "volunteer"},
		{volmatch.Token{Role: volmatch.RoleAdmin, Name: volmatch.EnvAdminTokenName}, "name"},
	} {
		if err := create(tc.tok); volmatch.ErrorCode(err) != volmatch.EINVALID || volmatch.ErrorField(err) != tc.field {
			t.Errorf("CreateToken(%+v) = %v, want EINVALID on %s", tc.tok, err, tc.field)
		}
	}
	if err := e.CreateOrganisation(ctx, admin, &volmatch.Organisation{ID: "O1", Name: "朝阳社区"}); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []volmatch.Token{
		{Role: volmatch.RoleSocialWorker, Org: "O1"},
		{Role: volmatch.RoleVolunteer, Volunteer: "V000"},
		{Role: volmatch.RolePlanner},
	} {
		if err := create(tok); err != nil {
			t.Errorf("CreateToken(%+v) = %v, want it created", tok, err)
		}
	}
}

// TestOrganisations: admins register and list organisations; a social
// worker reads only their own.
func TestOrganisations(t *testing.T) {
	ctx := context.Background()
	e, _ := newEngine(t)
	o := &volmatch.Organisation{ID: "O1", Name: "朝阳社区", District: fixture.District}
	if err := e.CreateOrganisation(ctx, sw1, o); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("CreateOrganisation as a social worker = %v, want EFORBIDDEN", err)
	}
	if err := e.CreateOrganisation(ctx, admin, o); err != nil {
		t.Fatalf("CreateOrganisation: %v", err)
	}
	if !o.CreatedAt.Equal(now) {
		t.Errorf("CreatedAt = %v, want the engine's now %v", o.CreatedAt, now)
	}
	if err := e.CreateOrganisation(ctx, admin, &volmatch.Organisation{ID: "O1", Name: "again"}); volmatch.ErrorCode(err) != volmatch.ECONFLICT {
		t.Errorf("CreateOrganisation(taken ID) = %v, want ECONFLICT", err)
	}
	if err := e.CreateOrganisation(ctx, admin, &volmatch.Organisation{ID: "O2", Name: strings.Repeat("社", volmatch.MaxNameLen+1)}); volmatch.ErrorField(err) != "name" {
		t.Errorf("CreateOrganisation(long name) = %v, want EINVALID on name", err)
	}
	if got, err := e.Organisation(ctx, sw1, "O1"); err != nil || got.Name != "朝阳社区" {
		t.Errorf("Organisation(own) as a social worker = %+v, %v", got, err)
	}
	if _, err := e.Organisation(ctx, sw2, "O1"); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("Organisation(another) as a social worker = %v, want EFORBIDDEN", err)
	}
	if _, _, err := e.Organisations(ctx, sw1, volmatch.ListOptions{}); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("Organisations as a social worker = %v, want EFORBIDDEN", err)
	}
	if list, _, err := e.Organisations(ctx, admin, volmatch.ListOptions{}); err != nil || len(list) != 1 {
		t.Errorf("Organisations as an admin = %d, %v; want 1", len(list), err)
	}
}

// TestTextLimitsOnEveryFlow: the record's limits hold through the engine:
// the 340,000-character bio is refused and nothing is stored; a need's
// long title and a cancel's long reason are refused.
func TestTextLimitsOnEveryFlow(t *testing.T) {
	ctx := context.Background()
	e, st := newEngine(t, fixture.Volunteers(1)...)
	v := fixture.Volunteer("V1")
	v.Bio = strings.Repeat("志愿服务", 85000)
	if _, err := e.RegisterVolunteer(ctx, admin, v); volmatch.ErrorCode(err) != volmatch.EINVALID || volmatch.ErrorField(err) != "bio" {
		t.Errorf("RegisterVolunteer(bio of 340000 characters) = %v, want EINVALID on bio", err)
	}
	if _, err := st.Volunteer(ctx, "V1"); volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
		t.Errorf("the refused volunteer was stored: %v", err)
	}
	self := volunteerToken("V000")
	u := fixture.Volunteer("V000")
	u.Bio = strings.Repeat("长", volmatch.MaxBioLen+1)
	if _, err := e.UpdateVolunteer(ctx, self, "V000", u); volmatch.ErrorField(err) != "bio" {
		t.Errorf("UpdateVolunteer(long bio) by the volunteer = %v, want EINVALID on bio", err)
	}
	if _, err := e.PostNeed(ctx, sw1, fixture.Need("N1", fixture.Org(""), fixture.Title(strings.Repeat("长", volmatch.MaxTitleLen+1)))); volmatch.ErrorField(err) != "title" {
		t.Errorf("PostNeed(long title) = %v, want EINVALID on title", err)
	}
	if _, err := e.PostNeed(ctx, sw1, fixture.Need("N1", fixture.Org(""))); err != nil {
		t.Fatal(err)
	}
	invs, err := e.Invite(ctx, sw1, "N1", engine.InviteRequest{Volunteers: []string{"V000"}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.Accept(ctx, self, invs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	long := engine.StepRequest{Kind: volmatch.StepCancel, Reason: strings.Repeat("因", volmatch.MaxReasonLen+1)}
	if _, err := e.Advance(ctx, self, a.ID, long); volmatch.ErrorField(err) != "reason" {
		t.Errorf("Advance(cancel with a long reason) = %v, want EINVALID on reason", err)
	}
	if got, _ := st.Assignment(ctx, a.ID); got.Status != volmatch.AssignReserved {
		t.Errorf("after the refused cancel the assignment is %s, want reserved", got.Status)
	}
}

// TestRevokeElsewhereWithinTTL: a token revoked by another process (the
// CLI's volmatch token revoke, another replica) stops working here once
// the cached copy's TTL has passed.
func TestRevokeElsewhereWithinTTL(t *testing.T) {
	ctx := context.Background()
	_, st := newEngine(t)
	clock := now
	e := engine.New(st, nil, taxonomy.Load(), engine.Options{Now: func() time.Time { return clock }, TokenTTL: 30 * time.Second})
	secret := volmatch.NewSecret()
	if err := e.CreateToken(ctx, secret, &volmatch.Token{Role: volmatch.RolePlanner}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Authenticate(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteToken(ctx, volmatch.HashToken(secret)); err != nil { // as another process would
		t.Fatal(err)
	}
	clock = clock.Add(31 * time.Second)
	if _, err := e.Authenticate(ctx, secret); volmatch.ErrorCode(err) != volmatch.EUNAUTHORIZED {
		t.Errorf("Authenticate a TTL after a revocation elsewhere = %v, want EUNAUTHORIZED", err)
	}
}
