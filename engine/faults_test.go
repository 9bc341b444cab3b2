package engine_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/mock/gomock"

	"volmatch"
	"volmatch/engine"
	"volmatch/index"
	"volmatch/internal/fixture"
	"volmatch/internal/storemock"
	"volmatch/store/bolt"
	"volmatch/taxonomy"
)

// newFaultyEngine returns a started engine over a gomock store that sends
// every call to a real bbolt file holding vs, and fails the calls a test
// chooses.
func newFaultyEngine(t testing.TB, o engine.Options, vs ...*volmatch.Volunteer) (*engine.Engine, *storemock.Faulty) {
	t.Helper()
	ctx := context.Background()
	real, err := bolt.Open(filepath.Join(t.TempDir(), "volmatch.db"), bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { real.Close() })
	if len(vs) > 0 {
		if err := real.PutVolunteers(ctx, vs); err != nil {
			t.Fatal(err)
		}
	}
	st := storemock.New(gomock.NewController(t), real)
	tax := taxonomy.Load()
	text, err := index.OpenMem(index.Options{Synonyms: tax.SynonymGroups()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { text.Close() })
	if o.Now == nil {
		o.Now = func() time.Time { return now }
	}
	e := engine.New(st, text, tax, o)
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.WaitJobs)
	return e, st
}

// snapshot renders the store's records and log.
func snapshot(t testing.TB, st volmatch.Store) string {
	t.Helper()
	s, err := storemock.Snapshot(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// batchNeeds posts three needs of two slots each (six placements for six
// volunteers) and returns the commit request over them.
func batchNeeds(t testing.TB, e *engine.Engine) engine.BatchRequest {
	t.Helper()
	for i := range 3 {
		start := fixture.Base.Add(33*time.Hour + time.Duration(i)*4*time.Hour)
		n := fixture.Need(fmt.Sprintf("N%d", i), fixture.Shifts(fixture.Shift("s1", start, 3*time.Hour, 2)))
		if _, err := e.PostNeed(context.Background(), sw1, n); err != nil {
			t.Fatal(err)
		}
	}
	commit := false
	return engine.BatchRequest{Needs: []string{"N0", "N1", "N2"}, MaxPerVolunteer: 1, DryRun: &commit}
}

// allOrNothing runs flow once to learn its writes, then, on a fresh
// engine for each, fails each write in turn and checks that the flow
// failed and left the records and the log as they were.
func allOrNothing(t *testing.T, o engine.Options, vs func() []*volmatch.Volunteer,
	setup func(t testing.TB, e *engine.Engine), flow func(e *engine.Engine) error) {
	e, st := newFaultyEngine(t, o, vs()...)
	setup(t, e)
	before := len(st.Writes())
	if err := flow(e); err != nil {
		t.Fatalf("the flow without a fault: %v", err)
	}
	e.WaitJobs()
	writes := st.Writes()[before:]
	if len(writes) == 0 {
		t.Fatal("the flow wrote nothing")
	}
	t.Logf("the flow's writes: %v", writes)
	for k := range writes {
		t.Run(fmt.Sprintf("write %d %s fails", k+1, writes[k]), func(t *testing.T) {
			e, st := newFaultyEngine(t, o, vs()...)
			setup(t, e)
			want := snapshot(t, st.Real)
			st.FailAt(k + 1)
			err := flow(e)
			e.WaitJobs()
			if volmatch.ErrorCode(err) != volmatch.EUNAVAILABLE {
				t.Errorf("the flow with write %d failing = %v, want the store's unavailable", k+1, err)
			}
			if got := snapshot(t, st.Real); got != want {
				t.Errorf("write %d (%s) failed and the flow left records behind:\n got  %s\n want %s", k+1, writes[k], got, want)
			}
		})
	}
}

// TestFaultsBatchCommit: a batch commit of one chunk is one write; a
// failure of it leaves nothing.
func TestFaultsBatchCommit(t *testing.T) {
	var req engine.BatchRequest
	allOrNothing(t, engine.Options{}, func() []*volmatch.Volunteer { return fixture.Volunteers(6) },
		func(t testing.TB, e *engine.Engine) { req = batchNeeds(t, e) },
		func(e *engine.Engine) error { _, err := e.Batch(context.Background(), sw1, req); return err })
}

// TestFaultsInvite: an invitation batch is one write with its invite.sent
// events; a failure of it leaves nothing.
func TestFaultsInvite(t *testing.T) {
	allOrNothing(t, engine.Options{}, func() []*volmatch.Volunteer { return fixture.Volunteers(4) },
		func(t testing.TB, e *engine.Engine) {
			if _, err := e.PostNeed(context.Background(), sw1, fixture.Need("N1")); err != nil {
				t.Fatal(err)
			}
		},
		func(e *engine.Engine) error {
			_, err := e.Invite(context.Background(), sw1, "N1", engine.InviteRequest{Volunteers: []string{"V000", "V001", "V002"}})
			return err
		})
}

// TestFaultsDispatchWave: a dispatch wave is one write, its invitations
// and its dispatch.wave event together; a failure of it leaves neither
// (before, the event was a second write: a wave could be sent unlogged).
func TestFaultsDispatchWave(t *testing.T) {
	allOrNothing(t, engine.Options{}, func() []*volmatch.Volunteer {
		return fixture.Volunteers(5, func(v *volmatch.Volunteer) { v.Consent.Emergency = true })
	},
		func(t testing.TB, e *engine.Engine) {
			n := fixture.Need("E1", func(n *volmatch.Need) { n.Urgency = volmatch.UrgencyEmergency })
			if _, err := e.PostNeed(context.Background(), sw1, n); err != nil {
				t.Fatal(err)
			}
		},
		func(e *engine.Engine) error {
			_, err := e.Dispatch(context.Background(), sw1, "E1", engine.DispatchRequest{WaveSize: 3})
			return err
		})
}

// TestDispatchWaveOneWrite: a wave's invitations and its dispatch.wave
// event are one store write.
func TestDispatchWaveOneWrite(t *testing.T) {
	ctx := context.Background()
	e, st := newFaultyEngine(t, engine.Options{}, fixture.Volunteers(5, func(v *volmatch.Volunteer) { v.Consent.Emergency = true })...)
	if _, err := e.PostNeed(ctx, sw1, fixture.Need("E1", func(n *volmatch.Need) { n.Urgency = volmatch.UrgencyEmergency })); err != nil {
		t.Fatal(err)
	}
	before := len(st.Writes())
	w, err := e.Dispatch(ctx, sw1, "E1", engine.DispatchRequest{WaveSize: 3})
	if err != nil || len(w.Invitations) != 3 {
		t.Fatalf("Dispatch = %d invitations, %v; want 3", len(w.Invitations), err)
	}
	if got := st.Writes()[before:]; len(got) != 1 || got[0] != "CreateInvitations" {
		t.Fatalf("a dispatch wave made the writes %v, want one CreateInvitations", got)
	}
	evs := events(t, st.Real)
	if last := evs[len(evs)-1]; last != volmatch.EventDispatchWave {
		t.Fatalf("the last event = %s, want dispatch.wave", last)
	}
}

// TestFaultsBatchJob: a commit larger than a chunk is a job; a chunk that
// fails stops it with the chunks before it committed and nothing of it or
// after it, and the job's status says so.
func TestFaultsBatchJob(t *testing.T) {
	ctx := context.Background()
	for failing := 1; failing <= 3; failing++ {
		t.Run(fmt.Sprintf("chunk %d fails", failing), func(t *testing.T) {
			e, st := newFaultyEngine(t, engine.Options{CommitChunk: 2}, fixture.Volunteers(6)...)
			req := batchNeeds(t, e)
			st.FailCall("Reserve", failing)
			b, err := e.Batch(ctx, sw1, req)
			if err != nil || b.Job == nil {
				t.Fatalf("Batch = job %v, %v; want a job", b.Job, err)
			}
			e.WaitJobs()
			j, err := e.Job(ctx, sw1, b.Job.ID)
			if err != nil {
				t.Fatal(err)
			}
			committed := 2 * (failing - 1)
			if j.Status != volmatch.JobFailed || j.Committed != committed || j.FailedChunk != failing-1 ||
				j.Error == nil || j.Error.Code != volmatch.EUNAVAILABLE || len(j.Assignments) != committed {
				t.Fatalf("job = %+v, want failed at chunk %d with %d committed", j, failing-1, committed)
			}
			as, _, err := st.Real.Assignments(ctx, volmatch.AssignmentFilter{})
			if err != nil || len(as) != committed {
				t.Fatalf("the store holds %d assignments (%v), want the %d of the committed chunks", len(as), err, committed)
			}
			for i, a := range as {
				p := b.Plan.Placements[i]
				if a.Need != p.Need || a.Shift != p.Shift || a.Volunteer != p.Volunteer || a.ID != j.Assignments[i] {
					t.Errorf("assignment %d = %s %s/%s/%s, want placement %d %+v", i, a.ID, a.Need, a.Shift, a.Volunteer, i, p)
				}
			}
		})
	}
}
