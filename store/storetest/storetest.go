// Package storetest is the conformance suite that every volmatch.Store
// passes: store/bolt runs it against a real bbolt file and store/redis
// against a real redis-server. A store's test calls Run with a function that
// opens a fresh, empty store:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) volmatch.Store {
//			st, err := bolt.Open(filepath.Join(t.TempDir(), "volmatch.db"), bolt.Options{NoSync: true, Now: storetest.Now})
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { st.Close() })
//			return st
//		})
//	}
//
// The suite passes explicit times to every call that takes one and never
// depends on the store's clock, but a store that can take a clock should be
// given Now so that what it stamps is reproducible.
package storetest

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"volmatch"
	"volmatch/internal/fixture"
)

// Epoch is the fixed instant of the suite: Monday 2 June 2025, 08:00 in
// Beijing. Shifts are placed relative to it.
var Epoch = time.Date(2025, 6, 2, 8, 0, 0, 0, volmatch.Beijing)

// Now is the fixed clock to give a store under test: it always returns Epoch.
func Now() time.Time { return Epoch }

// Run runs the conformance suite; open returns a fresh, empty store for each
// subtest (and registers its cleanup with t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) volmatch.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, st volmatch.Store)
	}{
		{"Ping", testPing},
		{"Volunteers", testVolunteers},
		{"PutVolunteers", testPutVolunteers},
		{"Needs", testNeeds},
		{"NeedShiftRules", testNeedShiftRules},
		{"PutNeeds", testPutNeeds},
		{"Pools", testPools},
		{"Stations", testStations},
		{"Tokens", testTokens},
		{"TokenListDelete", testTokenListDelete},
		{"Organisations", testOrganisations},
		{"ListVolunteers", testListVolunteers},
		{"ListNeeds", testListNeeds},
		{"ListLimits", testListLimits},
		{"Each", testEach},
		{"Invitations", testInvitations},
		{"CreateInvitations", testCreateInvitations},
		{"CreateInvitationsAllOrNothing", testCreateInvitationsAllOrNothing},
		{"ConcurrentCreateInvitations", testConcurrentCreateInvitations},
		{"ListLiveInvitations", testListLiveInvitations},
		{"Accept", testAccept},
		{"AcceptFull", testAcceptFull},
		{"AcceptChecked", testAcceptChecked},
		{"AcceptCheckedAtomic", testAcceptCheckedAtomic},
		{"Decline", testDecline},
		{"Overlap", testOverlap},
		{"ConcurrentAccept", testConcurrentAccept},
		{"Reserve", testReserve},
		{"ReserveAllOrNothing", testReserveAllOrNothing},
		{"ListAssignments", testListAssignments},
		{"Advance", testAdvance},
		{"Reasons", testReasons},
		{"Invariants", testInvariants},
		{"AdvanceFreesSlot", testAdvanceFreesSlot},
		{"HeldSlots", testHeldSlots},
		{"StoreID", testStoreID},
		{"Events", testEvents},
		{"EventsOf", testEventsOf},
		{"Changes", testChanges},
		{"FailedWriteWritesNothing", testFailedWrites},
		{"Context", testContext},
		{"Idempotency", testIdempotency},
		{"IdempotencyFence", testIdempotencyFence},
		{"Jobs", testJobs},
		{"ReserveSize", testReserveSize},
		{"CreateInvitationsEvents", testCreateInvitationsEvents},
		{"Notifications", testNotifications},
		{"Outbox", testOutbox},
		{"ConcurrentClaims", testConcurrentClaims},
		{"ServiceCertificates", testServiceCertificates},
		{"Openings", testOpenings},
		{"CorrectHours", testCorrectHours},
		{"Ledger", testLedger},
		{"LedgerConcurrentSpends", testLedgerConcurrentSpends},
		{"Incentives", testIncentives},
		{"IncentivesConcurrentRedeem", testIncentivesConcurrentRedeem},
		{"Teams", testTeams}, {"AcceptAll", testAcceptAll}, {"ConcurrentTeamAccepts", testConcurrentTeamAccepts},
		{"Courses", testCourses},
		{"Enrol", testEnrol},
		{"ConcurrentEnrol", testConcurrentEnrol},
		{"Projects", testProjects},
		{"ImportServices", testImportServices},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

// at returns Epoch plus h hours.
func at(h float64) time.Time { return Epoch.Add(time.Duration(h * float64(time.Hour))) }

// shift returns a shift starting h hours after Epoch, lasting d hours.
func shift(id string, h, d float64, slots int) volmatch.Shift {
	return fixture.Shift(id, at(h), time.Duration(d*float64(time.Hour)), slots)
}

// need returns fixture's need of org with the shifts, posted a day before
// Epoch with a supply of 7 (as an import gives them).
func need(id, org string, shifts ...volmatch.Shift) *volmatch.Need {
	return fixture.Need(id, fixture.Org(org), fixture.Shifts(shifts...), fixture.Posted(at(-24), 7))
}

// wantCode fails unless err carries the code.
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := volmatch.ErrorCode(err); got != code {
		t.Fatalf("%s: error code %q (%v), want %q", what, got, err, code)
	}
}

// must fails on a non-nil error.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// jsonOf renders v as JSON so that records compare by value (times with
// equal instants and offsets compare equal).
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %T: %v", v, err)
	}
	return string(b)
}

// sameJSON fails unless got and want render to the same JSON.
func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	if g, w := jsonOf(t, got), jsonOf(t, want); g != w {
		t.Fatalf("%s:\n got  %s\n want %s", what, g, w)
	}
}

// drain reads a sequence (the event log, the change feed) from its start,
// 1000 at a time, following the Seq of the last one read.
func drain[T any](t *testing.T, what string, read func(after uint64, n int) ([]T, error), seq func(T) uint64) []T {
	t.Helper()
	var out []T
	var after uint64
	for {
		xs, err := read(after, 1000)
		must(t, what, err)
		if len(xs) == 0 {
			return out
		}
		out = append(out, xs...)
		after = seq(xs[len(xs)-1])
	}
}

// allEvents reads the whole event log.
func allEvents(t *testing.T, st volmatch.Store) []volmatch.Event {
	t.Helper()
	return drain(t, "Events", func(after uint64, n int) ([]volmatch.Event, error) {
		return st.Events(context.Background(), after, n)
	}, func(e volmatch.Event) uint64 { return e.Seq })
}

// eventsOf returns the events of a type.
func eventsOf(evs []volmatch.Event, typ volmatch.EventType) []volmatch.Event {
	var out []volmatch.Event
	for _, e := range evs {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// allChanges reads the whole change feed.
func allChanges(t *testing.T, st volmatch.Store) []volmatch.Change {
	t.Helper()
	return drain(t, "Changes", func(after uint64, n int) ([]volmatch.Change, error) {
		return st.Changes(context.Background(), after, n)
	}, func(c volmatch.Change) uint64 { return c.Seq })
}

// pages follows a listing's cursor from its first page (page is called
// with each After, "" first) and returns all pages joined; it fails after
// 10000 pages, as a cursor that does not move would loop.
func pages[T any](t *testing.T, what string, page func(after string) ([]T, string, error)) []T {
	t.Helper()
	var out []T
	after := ""
	for range 10000 {
		xs, next, err := page(after)
		must(t, what, err)
		out = append(out, xs...)
		if next == "" {
			return out
		}
		after = next
	}
	t.Fatalf("%s: the cursor did not reach the end in 10000 pages", what)
	return nil
}

// allAssignments lists every assignment matching f, following the cursor.
func allAssignments(t *testing.T, st volmatch.Store, f volmatch.AssignmentFilter) []*volmatch.Assignment {
	t.Helper()
	return pages(t, "Assignments", func(after string) ([]*volmatch.Assignment, string, error) {
		f.After = after
		return st.Assignments(context.Background(), f)
	})
}

// allInvitations lists every invitation matching f, following the cursor.
func allInvitations(t *testing.T, st volmatch.Store, f volmatch.InvitationFilter) []*volmatch.Invitation {
	t.Helper()
	return pages(t, "Invitations", func(after string) ([]*volmatch.Invitation, string, error) {
		f.After = after
		return st.Invitations(context.Background(), f)
	})
}

// refused runs write, which must fail with code and leave the store as it
// was.
func refused(t *testing.T, st volmatch.Store, what string, code string, write func() error) {
	t.Helper()
	before := takeSnapshot(t, st)
	wantCode(t, what, write(), code)
	unchanged(t, what, st, before)
}

// race runs fn(0) … fn(n-1) in goroutines released at once and returns
// their errors.
func race(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// snapshot is what a failed write must leave unchanged.
type snapshot struct {
	Events      []volmatch.Event
	Changes     []volmatch.Change
	LastChange  uint64
	Assignments []*volmatch.Assignment
	Needs       []*volmatch.Need
	Volunteers  []*volmatch.Volunteer
	Invitations []*volmatch.Invitation
}

func takeSnapshot(t *testing.T, st volmatch.Store) snapshot {
	t.Helper()
	ctx := context.Background()
	s := snapshot{Events: allEvents(t, st), Changes: allChanges(t, st), Assignments: allAssignments(t, st, volmatch.AssignmentFilter{})}
	var err error
	s.LastChange, err = st.LastChange(ctx)
	must(t, "LastChange", err)
	must(t, "EachNeed", st.EachNeed(ctx, func(n *volmatch.Need) error { s.Needs = append(s.Needs, n); return nil }))
	must(t, "EachVolunteer", st.EachVolunteer(ctx, func(v *volmatch.Volunteer) error { s.Volunteers = append(s.Volunteers, v); return nil }))
	s.Invitations = allInvitations(t, st, volmatch.InvitationFilter{ListOptions: volmatch.ListOptions{Limit: 1000}})
	return s
}

// unchanged fails if the store's state moved since before.
func unchanged(t *testing.T, what string, st volmatch.Store, before snapshot) {
	t.Helper()
	after := takeSnapshot(t, st)
	if g, w := jsonOf(t, after), jsonOf(t, before); g != w {
		t.Fatalf("%s wrote something:\n after  %s\n before %s", what, g, w)
	}
}

// seed writes volunteers and needs through the import path.
func seed(t *testing.T, st volmatch.Store, vols []*volmatch.Volunteer, needs ...*volmatch.Need) {
	t.Helper()
	ctx := context.Background()
	if len(vols) > 0 {
		must(t, "PutVolunteers", st.PutVolunteers(ctx, vols))
	}
	for _, n := range needs {
		must(t, "CreateNeed "+n.ID, st.CreateNeed(ctx, n))
	}
}

// invite creates a sent invitation.
func invite(t *testing.T, st volmatch.Store, id, needID, shiftID, vol string) *volmatch.Invitation {
	t.Helper()
	inv := fixture.Invitation(id, needID, shiftID, vol, at(0))
	must(t, "CreateInvitation "+id, st.CreateInvitation(context.Background(), inv))
	return inv
}

// filled returns the Filled of a need's shift as the store reports it.
func filled(t *testing.T, st volmatch.Store, needID, shiftID string) int {
	t.Helper()
	n, err := st.Need(context.Background(), needID)
	must(t, "Need "+needID, err)
	sh, ok := n.Shift(shiftID)
	if !ok {
		t.Fatalf("need %s has no shift %s", needID, shiftID)
	}
	return sh.Filled
}

func testPing(t *testing.T, st volmatch.Store) {
	must(t, "Ping", st.Ping(context.Background()))
}

func testContext(t *testing.T, st volmatch.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := st.CreateVolunteer(ctx, fixture.Volunteer("V1")); err == nil {
		t.Fatalf("CreateVolunteer with a cancelled context = nil, want an error")
	}
	if _, err := st.Volunteer(context.Background(), "V1"); volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
		t.Fatalf("Volunteer after a cancelled create: %v, want not found", err)
	}
	if _, err := st.Need(ctx, "N1"); err == nil {
		t.Fatalf("Need with a cancelled context = nil error, want an error")
	}
}
