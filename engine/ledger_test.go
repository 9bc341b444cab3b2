package engine_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"volmatch"
	"volmatch/engine"
	"volmatch/internal/fixture"
)

// TestEarning: points per hour plus the domain's and the emergency bonus,
// minutes of time savings per hour.
func TestEarning(t *testing.T) {
	r := engine.LedgerRules{PointsPerHour: 10, MinutesPerHour: 60, DomainBonus: map[string]int{"emergency_rescue": 20}, EmergencyBonus: 50}
	for _, c := range []struct {
		hours       float64
		domain      string
		urgency     volmatch.Urgency
		pts, minute int64
	}{
		{3, "elderly_care", volmatch.UrgencyNormal, 30, 180},
		{2.5, "elderly_care", volmatch.UrgencyUrgent, 25, 150},
		{3, "elderly_care", volmatch.UrgencyEmergency, 45, 180},
		{1, "emergency_rescue", volmatch.UrgencyEmergency, 17, 60},
		{0.25, "emergency_rescue", volmatch.UrgencyNormal, 3, 15},
	} {
		p, m := r.Earning(c.hours, c.domain, c.urgency)
		if c.urgency == volmatch.UrgencyEmergency {
			none := r
			none.EmergencyBonus = -1 // no emergency bonus
			if np, _ := none.Earning(c.hours, c.domain, c.urgency); np >= p {
				t.Errorf("Earning(%v h, %s) without the emergency bonus = %d, want less than %d", c.hours, c.domain, np, p)
			}
		}
		if p != c.pts || m != c.minute {
			t.Errorf("Earning(%v h, %s, %s) = %d points, %d min; want %d, %d", c.hours, c.domain, c.urgency, p, m, c.pts, c.minute)
		}
	}
}

// TestLedgerFlows: the organisation's check-out of an emergency service
// earns points and minutes once (EarnFor again pays nothing); the
// volunteer spends and transfers within their balance; others may not
// read or move it; a planner sees totals only; concurrent spends of one
// balance pass exactly once.
func TestLedgerFlows(t *testing.T) {
	clock := recordClock
	e, st := recordEngine(t, &clock)
	ctx := context.Background()
	start := recordClock.Add(24 * time.Hour)
	n := fixture.Need("N9", fixture.Shifts(fixture.Shift("s", start, 3*time.Hour, 2)))
	n.Urgency = volmatch.UrgencyEmergency
	must(t, st.CreateNeed(ctx, n))
	as, err := st.Reserve(ctx, []volmatch.Reservation{{Need: "N9", Shift: "s", Volunteer: "V3"}}, recordClock)
	must(t, err)
	clock = start
	_, err = e.Advance(ctx, sw1, as[0].ID, engine.StepRequest{Kind: volmatch.StepCheckIn})
	must(t, err)
	clock = start.Add(3 * time.Hour)
	_, err = e.Advance(ctx, sw1, as[0].ID, engine.StepRequest{Kind: volmatch.StepCheckOut})
	must(t, err)
	v3 := volunteerToken("V3")
	b, err := e.Balances(ctx, v3, "V3")
	must(t, err)
	if b.Points != 45 || b.Minutes != 180 || len(b.Txns) != 2 {
		t.Fatalf("after 3 h of emergency service: %d points, %d min, %d movements; want 45, 180, 2", b.Points, b.Minutes, len(b.Txns))
	}
	if _, err := e.EarnFor(ctx, sw1, as[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.EarnFor(ctx, sw2, as[0].ID); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("another organisation's EarnFor = %v, want EFORBIDDEN", err)
	}
	if b, _ := e.Balances(ctx, v3, "V3"); b.Points != 45 {
		t.Errorf("EarnFor again made %d points, want 45 (paid once)", b.Points)
	}

	spend := func(tok *volmatch.Token, vol string, m engine.Movement) error {
		_, err := e.Move(ctx, tok, vol, m)
		return err
	}
	for _, c := range []struct {
		name      string
		tok       *volmatch.Token
		vol       string
		m         engine.Movement
		code, fld string
	}{
		{"spend 40", v3, "V3", engine.Movement{Currency: "points", Amount: 40, Reason: "兑换博物馆门票"}, "", ""},
		{"spend beyond the balance", v3, "V3", engine.Movement{Currency: "points", Amount: 6, Reason: "x"}, volmatch.ECONFLICT, ""},
		{"a negative amount", v3, "V3", engine.Movement{Currency: "points", Amount: -100, Reason: "x"}, volmatch.EINVALID, "amount"},
		{"a made-up currency", v3, "V3", engine.Movement{Currency: "gold", Amount: 1, Reason: "x"}, volmatch.EINVALID, "currency"},
		{"no reason", v3, "V3", engine.Movement{Currency: "points", Amount: 1}, volmatch.EINVALID, "reason"},
		{"to themself", v3, "V3", engine.Movement{Currency: "points", Amount: 1, To: "V3", Reason: "x"}, volmatch.EINVALID, "to"},
		{"to nobody registered", v3, "V3", engine.Movement{Currency: "points", Amount: 1, To: "V404", Reason: "x"}, volmatch.EINVALID, "to"},
		{"another volunteer moving it", volunteerToken("V2"), "V3", engine.Movement{Currency: "points", Amount: 1, To: "V2", Reason: "x"}, volmatch.EFORBIDDEN, ""},
		{"an organisation moving it", sw1, "V3", engine.Movement{Currency: "points", Amount: 1, Reason: "x"}, volmatch.EFORBIDDEN, ""},
		{"transfer 5 to family", v3, "V3", engine.Movement{Currency: "points", Amount: 5, To: "V2", Reason: "转给家人"}, "", ""},
		{"time savings for a service", v3, "V3", engine.Movement{Currency: "time", Amount: 120, Reason: "兑换助老服务 2 小时"}, "", ""},
	} {
		err := spend(c.tok, c.vol, c.m)
		if volmatch.ErrorCode(err) != c.code || volmatch.ErrorField(err) != c.fld {
			t.Errorf("%s = %v, want %q on %q", c.name, err, c.code, c.fld)
		}
	}
	b, err = e.Balances(ctx, v3, "V3")
	must(t, err)
	if b.Points != 0 || b.Minutes != 60 {
		t.Errorf("V3 now holds %d points, %d min; want 0, 60", b.Points, b.Minutes)
	}
	if b2, _ := e.Balances(ctx, admin, "V2"); b2.Points != 5 {
		t.Errorf("V2 received %d points, want 5", b2.Points)
	}
	for _, tok := range []*volmatch.Token{sw1, planner, volunteerToken("V2")} {
		if _, err := e.Balances(ctx, tok, "V3"); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
			t.Errorf("Balances(V3) as %s = %v, want EFORBIDDEN", tok.Role, err)
		}
	}
	tot, err := e.Totals(ctx, planner)
	must(t, err)
	if tot.IssuedPoints != 45 || tot.RedeemedPoints != 40 || tot.IssuedMinutes != 180 || tot.RedeemedMinute != 120 {
		t.Errorf("Totals = %+v, want 45/40 points, 180/120 minutes", tot)
	}
	if _, err := e.Totals(ctx, v3); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("Totals as a volunteer = %v, want EFORBIDDEN", err)
	}

	// Concurrent spends of one balance: exactly one passes.
	_, err = e.Adjust(ctx, admin, "V1", engine.Movement{Currency: "points", Amount: 30, Reason: "迁移旧系统积分"})
	must(t, err)
	var wg sync.WaitGroup
	var mu sync.Mutex
	passed := 0
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if spend(volunteerToken("V1"), "V1", engine.Movement{Currency: "points", Amount: 30, Reason: "兑换"}) == nil {
				mu.Lock()
				passed++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if b1, _ := e.Balances(ctx, admin, "V1"); passed != 1 || b1.Points != 0 {
		t.Errorf("10 concurrent spends of a 30-point balance: %d passed, %d left; want 1 and 0", passed, b1.Points)
	}
}
