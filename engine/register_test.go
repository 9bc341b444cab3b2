package engine_test

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"volmatch"
	"volmatch/engine"
	"volmatch/geo"
	"volmatch/index"
	"volmatch/internal/fixture"
	"volmatch/store/bolt"
	"volmatch/taxonomy"
)

// regEngine returns a started engine over a real bbolt file and a real
// Bleve index in memory, with a clock the test moves (*at).
func regEngine(t *testing.T, vs ...*volmatch.Volunteer) (*engine.Engine, *bolt.Store, *atomic.Pointer[time.Time]) {
	t.Helper()
	ctx := context.Background()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "volmatch.db"), bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if len(vs) > 0 {
		if err := st.PutVolunteers(ctx, vs); err != nil {
			t.Fatal(err)
		}
	}
	tax := taxonomy.Load()
	text, err := index.OpenMem(index.Options{Synonyms: tax.SynonymGroups(), Labels: tax.Labels()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { text.Close() })
	var at atomic.Pointer[time.Time]
	t0 := fixture0
	at.Store(&t0)
	e := engine.New(st, text, tax, engine.Options{Now: func() time.Time { return *at.Load() }, TokenTTL: time.Nanosecond})
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return e, st, &at
}

// newcomer is what a person registering themself sends: a claimed skill,
// certificate, training and insurance, a phone as people type it.
func newcomer() *volmatch.Volunteer {
	var week volmatch.Week
	for h := 18; h < 22; h++ {
		week.Set(2*24 + h) // Wednesday evening
	}
	return &volmatch.Volunteer{
		ID: "CHOSEN", Name: " 王小明 ", Phone: "+86 138-1234-5678", District: fixture.District, Street: fixture.Street,
		Skills:       []volmatch.SkillLevel{{Skill: "first_aid", Level: 3}},
		Certificates: []volmatch.Certificate{{Name: "first_aid_cert", Expires: fixture.Base.AddDate(2, 0, 0)}},
		Trainings:    []string{"general_orientation"}, InsuredUntil: fixture.Base.AddDate(1, 0, 0),
		Languages: []string{"zh"}, Availability: week,
		Teams: []string{"T-claimed"}, Pools: []string{"pool-health"}, VerifiedBy: "O1",
		Stats: volmatch.VolunteerStats{Hours: 1600, Completed: 99},
	}
}

func volunteersIn(t *testing.T, st *bolt.Store) []*volmatch.Volunteer {
	t.Helper()
	vs, _, err := st.Volunteers(context.Background(), volmatch.VolunteerFilter{ListOptions: volmatch.ListOptions{Limit: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

// TestRegister: a code redeemed once makes a new volunteer whose every
// qualification is pending, with the fields only staff or the log write
// cleared, the phone normalised, the home at the street's centre, and a
// session for them; the code then no longer works.
func TestRegister(t *testing.T) {
	ctx := context.Background()
	e, st, _ := regEngine(t)
	if _, _, err := e.IssueRegistration(ctx, sw1, "", 0); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("IssueRegistration by a social worker = %v, want EFORBIDDEN", err)
	}
	code, reg, err := e.IssueRegistration(ctx, admin, "street office", 0)
	if err != nil {
		t.Fatal(err)
	}
	if reg.Kind != volmatch.KindRegister || !reg.ExpiresAt.Equal(fixture0.Add(engine.DefaultSignInTTL)) {
		t.Errorf("registration token = %+v, want kind register expiring after %s", reg, engine.DefaultSignInTTL)
	}
	if _, err := e.Authenticate(ctx, code); volmatch.ErrorCode(err) != volmatch.EUNAUTHORIZED {
		t.Errorf("a registration code as a bearer token = %v, want EUNAUTHORIZED", err)
	}
	secret, sess, got, err := e.Register(ctx, code, newcomer())
	if err != nil {
		t.Fatalf("Register = %v", err)
	}
	st0, _ := geo.Beijing().Street(fixture.Street)
	switch {
	case got.ID == "CHOSEN" || got.ID == "":
		t.Errorf("ID = %q, want one the engine gives", got.ID)
	case got.Name != "王小明" || got.Phone != "13812345678":
		t.Errorf("name, phone = %q, %q, want 王小明, 13812345678", got.Name, got.Phone)
	case got.Home != st0.Point:
		t.Errorf("home = %v, want the street's centre %v", got.Home, st0.Point)
	case len(got.Skills) != 0 || len(got.Certificates) != 0 || len(got.Trainings) != 0 || !got.InsuredUntil.IsZero():
		t.Errorf("verified qualifications = %v %v %v %v, want none (all claimed)", got.Skills, got.Certificates, got.Trainings, got.InsuredUntil)
	case got.Claims == nil || len(got.Claims.Skills) != 1 || len(got.Claims.Certificates) != 1 || len(got.Claims.Trainings) != 1 || got.Claims.InsuredUntil.IsZero():
		t.Errorf("claims = %+v, want the skill, certificate, training and insurance pending", got.Claims)
	case got.Teams != nil || got.Pools != nil || got.VerifiedBy != "" || got.Stats.Hours != 0 || got.Stats.Completed != 0:
		t.Errorf("staff-written fields kept: teams %v pools %v verified by %q stats %+v", got.Teams, got.Pools, got.VerifiedBy, got.Stats)
	case got.MaxTravelKm != engine.DefaultTravelKm:
		t.Errorf("max travel = %v, want the default %v", got.MaxTravelKm, engine.DefaultTravelKm)
	case got.Consent != (volmatch.Consent{}):
		t.Errorf("consent = %+v, want all off as sent", got.Consent)
	}
	tok, err := e.Session(ctx, secret)
	if err != nil || tok.Role != volmatch.RoleVolunteer || tok.Volunteer != got.ID || tok.Hash != sess.Hash {
		t.Fatalf("Session = %+v, %v, want the new volunteer's", tok, err)
	}
	// The session reads and writes only its own record.
	if _, err := e.Volunteer(ctx, tok, got.ID); err != nil {
		t.Errorf("the new volunteer reads themself: %v", err)
	}
	// Used: refused, nothing more stored.
	if _, _, _, err := e.Register(ctx, code, newcomer()); volmatch.ErrorCode(err) != volmatch.EUNAUTHORIZED {
		t.Errorf("second Register with the code = %v, want EUNAUTHORIZED", err)
	}
	if n := len(volunteersIn(t, st)); n != 1 {
		t.Errorf("%d volunteers stored, want 1", n)
	}
}

// TestRegisterRefusals: a field at fault is an EINVALID naming it, nothing
// is stored and the code is not spent (the same code then works).
func TestRegisterRefusals(t *testing.T) {
	ctx := context.Background()
	far, _ := geo.Beijing().Street("110108001000") // a street of Haidian
	st0, _ := geo.Beijing().Street(fixture.Street)
	for _, tc := range []struct {
		name, field string
		edit        func(v *volmatch.Volunteer)
	}{
		{"no name", "name", func(v *volmatch.Volunteer) { v.Name = "   " }},
		{"bidi override in name", "name", func(v *volmatch.Volunteer) { v.Name = "王\u202e明" }},
		{"zero-width space in name", "name", func(v *volmatch.Volunteer) { v.Name = "王\u200b明" }},
		{"control character in name", "name", func(v *volmatch.Volunteer) { v.Name = "王\x07明" }},
		{"name too long", "name", func(v *volmatch.Volunteer) { v.Name = string(make([]rune, 101)) + "王" }},
		{"no phone", "phone", func(v *volmatch.Volunteer) { v.Phone = "" }},
		{"short phone", "phone", func(v *volmatch.Volunteer) { v.Phone = "1381234" }},
		{"landline", "phone", func(v *volmatch.Volunteer) { v.Phone = "010-12345678" }},
		{"letters in phone", "phone", func(v *volmatch.Volunteer) { v.Phone = "1381234567x" }},
		{"no street", "street", func(v *volmatch.Volunteer) { v.Street = "" }},
		{"street of another district", "street", func(v *volmatch.Volunteer) { v.Street = far.Code }},
		{"unknown district", "district", func(v *volmatch.Volunteer) { v.District = "999999" }},
		{"precise home outside the street", "home", func(v *volmatch.Volunteer) { v.Home = far.Point }},
		{"no free time", "availability", func(v *volmatch.Volunteer) { v.Availability = volmatch.Week{} }},
		{"unknown skill", "claims.skills[0].skill", func(v *volmatch.Volunteer) { v.Skills = []volmatch.SkillLevel{{Skill: "juggling", Level: 1}} }},
		{"too far", "max_travel_km", func(v *volmatch.Volunteer) { v.MaxTravelKm = 500 }},
		{"unknown certificate", "claims.certificates[0].name", func(v *volmatch.Volunteer) { v.Certificates[0].Name = "<b>万能证</b>" }},
		{"unknown training", "claims.trainings[0]", func(v *volmatch.Volunteer) { v.Trainings = []string{"anything"} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, st, _ := regEngine(t)
			code, _, err := e.IssueRegistration(ctx, admin, "", 0)
			if err != nil {
				t.Fatal(err)
			}
			v := newcomer()
			tc.edit(v)
			_, _, _, err = e.Register(ctx, code, v)
			if volmatch.ErrorCode(err) != volmatch.EINVALID || volmatch.ErrorField(err) != tc.field {
				t.Fatalf("Register = %v (field %q), want EINVALID naming %s", err, volmatch.ErrorField(err), tc.field)
			}
			if n := len(volunteersIn(t, st)); n != 0 {
				t.Fatalf("a refused registration stored %d volunteers", n)
			}
			if _, _, _, err := e.Register(ctx, code, newcomer()); err != nil {
				t.Errorf("the code after a refused form = %v, want it still to work", err)
			}
		})
	}
	t.Run("precise home inside the street", func(t *testing.T) {
		e, _, _ := regEngine(t)
		code, _, _ := e.IssueRegistration(ctx, admin, "", 0)
		v := newcomer()
		v.Home = volmatch.Point{Lat: st0.Point.Lat + 0.002, Lng: st0.Point.Lng}
		_, _, got, err := e.Register(ctx, code, v)
		if err != nil || got.Home != v.Home {
			t.Errorf("Register with a home in the street = %v, home %v, want it kept", err, got)
		}
	})
}

// TestRegisterCodes: a code works only as a registration code, only until
// it expires, only once under concurrency; and the phone is no identity:
// two registrations with one phone make two volunteers, answered alike.
func TestRegisterCodes(t *testing.T) {
	ctx := context.Background()
	t.Run("expired", func(t *testing.T) {
		e, st, at := regEngine(t)
		code, _, _ := e.IssueRegistration(ctx, admin, "", time.Hour)
		later := fixture0.Add(time.Hour)
		at.Store(&later)
		if _, _, _, err := e.Register(ctx, code, newcomer()); volmatch.ErrorCode(err) != volmatch.EUNAUTHORIZED {
			t.Errorf("Register with an expired code = %v, want EUNAUTHORIZED", err)
		}
		if err := e.CheckRegistration(ctx, code); volmatch.ErrorCode(err) != volmatch.EUNAUTHORIZED {
			t.Errorf("CheckRegistration of an expired code = %v, want EUNAUTHORIZED", err)
		}
		if n := len(volunteersIn(t, st)); n != 0 {
			t.Errorf("%d volunteers stored, want 0", n)
		}
	})
	t.Run("ttl", func(t *testing.T) {
		e, _, _ := regEngine(t)
		for _, ttl := range []time.Duration{-time.Second, engine.MaxSignInTTL + time.Second} {
			if _, _, err := e.IssueRegistration(ctx, admin, "", ttl); volmatch.ErrorField(err) != "ttl" {
				t.Errorf("IssueRegistration(ttl %s) = %v, want EINVALID naming ttl", ttl, err)
			}
		}
	})
	t.Run("kinds do not mix", func(t *testing.T) {
		e, _, _ := regEngine(t, fixture.Volunteer("V1"))
		signin, _, err := e.IssueSignIn(ctx, admin, volmatch.Token{Role: volmatch.RoleVolunteer, Volunteer: "V1"}, 0)
		if err != nil {
			t.Fatal(err)
		}
		reg, _, _ := e.IssueRegistration(ctx, admin, "", 0)
		if _, _, _, err := e.Register(ctx, signin, newcomer()); volmatch.ErrorCode(err) != volmatch.EUNAUTHORIZED {
			t.Errorf("Register with a sign-in code = %v, want EUNAUTHORIZED", err)
		}
		if _, _, err := e.RedeemSignIn(ctx, reg); volmatch.ErrorCode(err) != volmatch.EUNAUTHORIZED {
			t.Errorf("RedeemSignIn with a registration code = %v, want EUNAUTHORIZED", err)
		}
		if _, err := e.Session(ctx, reg); volmatch.ErrorCode(err) != volmatch.EUNAUTHORIZED {
			t.Errorf("a registration code as a session = %v, want EUNAUTHORIZED", err)
		}
		// Neither was spent by the other's flow.
		if _, _, err := e.RedeemSignIn(ctx, signin); err != nil {
			t.Errorf("the sign-in code after a Register with it = %v", err)
		}
		if _, _, _, err := e.Register(ctx, reg, newcomer()); err != nil {
			t.Errorf("the registration code after a sign-in with it = %v", err)
		}
	})
	t.Run("once under concurrency", func(t *testing.T) {
		e, st, _ := regEngine(t)
		code, _, _ := e.IssueRegistration(ctx, admin, "", 0)
		var wg sync.WaitGroup
		var won, refused atomic.Int32
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, _, err := e.Register(ctx, code, newcomer())
				switch volmatch.ErrorCode(err) {
				case "":
					won.Add(1)
				case volmatch.EUNAUTHORIZED:
					refused.Add(1)
				default:
					t.Errorf("Register = %v", err)
				}
			}()
		}
		wg.Wait()
		if won.Load() != 1 || refused.Load() != 7 {
			t.Errorf("of 8 concurrent Registers %d won and %d were refused, want 1 and 7", won.Load(), refused.Load())
		}
		if n := len(volunteersIn(t, st)); n != 1 {
			t.Errorf("%d volunteers stored, want 1", n)
		}
	})
	t.Run("one phone twice", func(t *testing.T) {
		e, st, _ := regEngine(t, fixture.Volunteer("V1", func(v *volmatch.Volunteer) { v.Phone = "13812345678" }))
		var ids []string
		for range 2 {
			code, _, _ := e.IssueRegistration(ctx, admin, "", 0)
			_, _, got, err := e.Register(ctx, code, newcomer()) // the phone of V1
			if err != nil {
				t.Fatalf("Register with a phone already held = %v, want it answered as any other", err)
			}
			ids = append(ids, got.ID)
		}
		if ids[0] == ids[1] || ids[0] == "V1" || ids[1] == "V1" {
			t.Errorf("registrations with one phone gave IDs %v, want new, distinct ones (never V1's)", ids)
		}
		if n := len(volunteersIn(t, st)); n != 3 {
			t.Errorf("%d volunteers stored, want 3", n)
		}
	})
}

// TestVolunteerOwnWrites: a volunteer's own update follows the sign-up's
// rules of phone, name and place; a volunteer deletes themself and no one
// else, and the deletion ends their sessions and tokens.
func TestVolunteerOwnWrites(t *testing.T) {
	ctx := context.Background()
	e, _, _ := regEngine(t, fixture.Volunteer("V1"), fixture.Volunteer("V2"))
	v1 := volunteerToken("V1")
	t.Run("update", func(t *testing.T) {
		for _, tc := range []struct {
			name, field string
			edit        func(v *volmatch.Volunteer)
		}{
			{"bad phone", "phone", func(v *volmatch.Volunteer) { v.Phone = "12" }},
			{"bidi in name", "name", func(v *volmatch.Volunteer) { v.Name = "\u202e王" }},
			{"street of another district", "street", func(v *volmatch.Volunteer) { v.Street = "110108001000" }},
			{"unknown claimed skill", "claims.skills[0].skill", func(v *volmatch.Volunteer) {
				v.Skills = append(v.Skills, volmatch.SkillLevel{Skill: "juggling", Level: 1})
			}},
		} {
			v, _ := e.Volunteer(ctx, v1, "V1")
			tc.edit(v)
			if _, err := e.UpdateVolunteer(ctx, v1, "V1", v); volmatch.ErrorField(err) != tc.field {
				t.Errorf("%s: UpdateVolunteer = %v, want EINVALID naming %s", tc.name, err, tc.field)
			}
		}
		// Moved to another street with no point: home at its centre.
		haidian, _ := geo.Beijing().Street("110108001000")
		v, _ := e.Volunteer(ctx, v1, "V1")
		v.District, v.Street, v.Home = "110108", haidian.Code, volmatch.Point{}
		got, err := e.UpdateVolunteer(ctx, v1, "V1", v)
		if err != nil || got.Home != haidian.Point {
			t.Errorf("UpdateVolunteer moving street = %v, home %v, want the street's centre %v", err, got, haidian.Point)
		}
		// An admin's write is not held to the form's rules (imports hold
		// landlines and the like).
		v.Phone = "010-12345678"
		if _, err := e.UpdateVolunteer(ctx, admin, "V1", v); err != nil {
			t.Errorf("admin UpdateVolunteer with a landline = %v", err)
		}
	})
	t.Run("delete", func(t *testing.T) {
		code, _, _ := e.IssueSignIn(ctx, admin, volmatch.Token{Role: volmatch.RoleVolunteer, Volunteer: "V2"}, 0)
		secret, _, err := e.RedeemSignIn(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		pending, _, _ := e.IssueSignIn(ctx, admin, volmatch.Token{Role: volmatch.RoleVolunteer, Volunteer: "V2"}, 0)
		v2, err := e.Session(ctx, secret)
		if err != nil {
			t.Fatal(err)
		}
		// A slot V2 holds in a shift ahead.
		if _, err := e.PostNeed(ctx, sw1, menuNeed("N1")); err != nil {
			t.Fatal(err)
		}
		held, err := self(ctx, e, "V2", "N1")
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range []*volmatch.Token{v1, sw1, planner} {
			if err := e.DeleteVolunteer(ctx, tok, "V2"); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
				t.Errorf("DeleteVolunteer(V2) by %s %s = %v, want EFORBIDDEN", tok.Role, tok.Volunteer, err)
			}
		}
		if err := e.DeleteVolunteer(ctx, v2, "V2"); err != nil {
			t.Fatalf("V2 deletes themself: %v", err)
		}
		if _, err := e.Volunteer(ctx, admin, "V2"); volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
			t.Errorf("V2 after deletion = %v, want ENOTFOUND", err)
		}
		if _, err := e.Session(ctx, secret); volmatch.ErrorCode(err) != volmatch.EUNAUTHORIZED {
			t.Errorf("V2's session after deletion = %v, want ended", err)
		}
		if _, _, err := e.RedeemSignIn(ctx, pending); volmatch.ErrorCode(err) != volmatch.EUNAUTHORIZED {
			t.Errorf("V2's unused sign-in code after deletion = %v, want EUNAUTHORIZED", err)
		}
		if _, err := e.Volunteer(ctx, v1, "V1"); err != nil {
			t.Errorf("V1 after V2's deletion: %v", err)
		}
		// The slot is released for others, the cancellation on record.
		a, err := e.Assignment(ctx, admin, held.Assignment.ID)
		if err != nil || a.Status != volmatch.AssignCancelled {
			t.Errorf("V2's assignment after deletion = %+v, %v, want cancelled", a, err)
		}
		if n, err := e.Need(ctx, admin, "N1"); err != nil || n.Shifts[0].Filled != 0 {
			t.Errorf("N1's shift after V2's deletion: %+v, %v, want no slot filled", n, err)
		}
		if err := e.DeleteVolunteer(ctx, admin, "V2"); volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
			t.Errorf("deleting V2 again = %v, want ENOTFOUND", err)
		}
	})
}

func TestNormalPhone(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"13812345678", "13812345678"},
		{" 138 1234 5678 ", "13812345678"},
		{"138-1234-5678", "13812345678"},
		{"+8613812345678", "13812345678"},
		{"0086 138 1234 5678", "13812345678"},
		{"１３８１２３４５６７８", "13812345678"},
		{"12812345678", ""},
		{"1381234567", ""},
		{"138123456789", ""},
		{"+8612345678", ""},
		{"1381234567٨", ""}, // an Arabic-Indic digit
		{"", ""},
	} {
		got, err := engine.NormalPhone(tc.in)
		if got != tc.want || (err == nil) != (tc.want != "") {
			t.Errorf("NormalPhone(%q) = %q, %v, want %q", tc.in, got, err, tc.want)
		}
		if err != nil && volmatch.ErrorField(err) != "phone" {
			t.Errorf("NormalPhone(%q) error names %q, want phone", tc.in, volmatch.ErrorField(err))
		}
	}
}

// TestRegisterStoreFails: when the store fails to write the new volunteer
// (an injected failure), nothing is registered and the code is given back,
// so the person's next try works.
func TestRegisterStoreFails(t *testing.T) {
	ctx := context.Background()
	e, st := newFaultyEngine(t, engine.Options{})
	code, _, err := e.IssueRegistration(ctx, admin, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	st.FailCall("CreateVolunteer", 1)
	if _, _, _, err := e.Register(ctx, code, newcomer()); err == nil {
		t.Fatal("Register with the store failing = nil, want the store's error")
	}
	if err := e.CheckRegistration(ctx, code); err != nil {
		t.Fatalf("the code after a failed write = %v, want it given back", err)
	}
	if _, _, got, err := e.Register(ctx, code, newcomer()); err != nil || got == nil {
		t.Errorf("Register after the failure = %v, want the volunteer", err)
	}
}
