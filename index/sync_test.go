package index_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"volmatch"
	"volmatch/index"
	"volmatch/store/bolt"
)

// fakeSource is an in-memory store with a change feed.
type fakeSource struct {
	mu      sync.Mutex
	vs      map[string]*volmatch.Volunteer
	ns      map[string]*volmatch.Need
	changes []volmatch.Change
	reads   int   // Volunteer and Need calls
	fail    error // returned by Changes when set
}

func newFakeSource() *fakeSource {
	return &fakeSource{vs: map[string]*volmatch.Volunteer{}, ns: map[string]*volmatch.Need{}}
}

func (s *fakeSource) change(kind volmatch.ChangeKind, id string, deleted bool) {
	s.changes = append(s.changes, volmatch.Change{Seq: uint64(len(s.changes) + 1), Kind: kind, ID: id, Deleted: deleted})
}

func (s *fakeSource) putVolunteer(v *volmatch.Volunteer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := *v
	s.vs[v.ID] = &c
	s.change(volmatch.ChangeVolunteer, v.ID, false)
}

func (s *fakeSource) putNeed(n *volmatch.Need) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := *n
	s.ns[n.ID] = &c
	s.change(volmatch.ChangeNeed, n.ID, false)
}

func (s *fakeSource) del(kind volmatch.ChangeKind, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.vs, id)
	delete(s.ns, id)
	s.change(kind, id, true)
}

func (s *fakeSource) Changes(ctx context.Context, after uint64, limit int) ([]volmatch.Change, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return nil, s.fail
	}
	var out []volmatch.Change
	for _, c := range s.changes {
		if c.Seq > after && len(out) < limit {
			out = append(out, c)
		}
	}
	return out, nil
}

func (s *fakeSource) LastChange(ctx context.Context) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return uint64(len(s.changes)), nil
}

func (s *fakeSource) Volunteer(ctx context.Context, id string) (*volmatch.Volunteer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	if v, ok := s.vs[id]; ok {
		c := *v
		return &c, nil
	}
	return nil, volmatch.Errorf(volmatch.ENOTFOUND, "volunteer %s not found", id)
}

func (s *fakeSource) Need(ctx context.Context, id string) (*volmatch.Need, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	if n, ok := s.ns[id]; ok {
		c := *n
		return &c, nil
	}
	return nil, volmatch.Errorf(volmatch.ENOTFOUND, "need %s not found", id)
}

func (s *fakeSource) EachVolunteer(ctx context.Context, fn func(*volmatch.Volunteer) error) error {
	s.mu.Lock()
	var vs []*volmatch.Volunteer
	for _, v := range s.vs {
		c := *v
		vs = append(vs, &c)
	}
	s.mu.Unlock()
	sort.Slice(vs, func(i, j int) bool { return vs[i].ID < vs[j].ID })
	for _, v := range vs {
		if err := fn(v); err != nil {
			return err
		}
	}
	return nil
}

func (s *fakeSource) EachNeed(ctx context.Context, fn func(*volmatch.Need) error) error {
	s.mu.Lock()
	var ns []*volmatch.Need
	for _, n := range s.ns {
		c := *n
		ns = append(ns, &c)
	}
	s.mu.Unlock()
	sort.Slice(ns, func(i, j int) bool { return ns[i].ID < ns[j].ID })
	for _, n := range ns {
		if err := fn(n); err != nil {
			return err
		}
	}
	return nil
}

// fakeFeatures records what the follower put in the feature index.
type fakeFeatures struct {
	mu     sync.Mutex
	vs     map[string]string // id -> bio
	resets int
}

func newFakeFeatures() *fakeFeatures { return &fakeFeatures{vs: map[string]string{}} }

func (f *fakeFeatures) Upsert(v *volmatch.Volunteer) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.vs[v.ID] = v.Bio
}

func (f *fakeFeatures) Delete(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.vs, id)
}

func (f *fakeFeatures) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.vs = map[string]string{}
	f.resets++
}

func (f *fakeFeatures) ids() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for id := range f.vs {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// searchIDs returns the IDs of every hit of q, sorted.
func searchIDs(t *testing.T, tx *index.Text, q index.Query) []string {
	t.Helper()
	q.Limit = index.MaxLimit
	r, err := tx.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("Search(%+v): %v", q, err)
	}
	got := ids(r)
	slices.Sort(got)
	return got
}

func TestFollowerFake(t *testing.T) {
	ctx := context.Background()
	src := newFakeSource()
	vs, ns := fixture()
	for _, v := range vs {
		src.putVolunteer(v)
	}
	for _, n := range ns {
		src.putNeed(n)
	}
	tx, err := index.OpenMem(index.Options{Synonyms: testSynonyms})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	feats := newFakeFeatures()
	var progress []int
	f := index.NewFollower(src, tx, feats, index.FollowerOptions{Batch: 3,
		Progress: func(done, total int) { progress = append(progress, done) }})

	if err := f.Start(ctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	if got, want := searchIDs(t, tx, index.Query{}), []string{"n1", "n2", "n3", "n4", "n5", "v1", "v2", "v3", "v4"}; !slices.Equal(got, want) {
		t.Errorf("after Start: indexed %v, want %v", got, want)
	}
	if got, want := feats.ids(), []string{"v1", "v2", "v3", "v4"}; !slices.Equal(got, want) {
		t.Errorf("after Start: features %v, want %v", got, want)
	}
	// Volunteers, then needs, a batch at a time.
	if want := []int{3, 4, 7, 9}; !slices.Equal(progress, want) {
		t.Errorf("rebuild progress = %v, want %v", progress, want)
	}
	if seq, _ := tx.Seq(); seq != 9 || f.Seq() != 9 {
		t.Errorf("after Start: text Seq %d, follower Seq %d, want 9", seq, f.Seq())
	}

	// Writes, an update, deletes, and a change whose record is gone
	// although the change does not say deleted.
	v5 := volunteer("v5", "会手语，也会急救", tongzhou)
	src.putVolunteer(v5)
	v5.Bio = "只会做饭"
	src.putVolunteer(v5)
	src.putNeed(need("n6", "心理咨询热线值守", "", tiananmen))
	src.del(volmatch.ChangeVolunteer, "v1")
	src.del(volmatch.ChangeNeed, "n3")
	src.mu.Lock()
	delete(src.vs, "v2")
	src.change(volmatch.ChangeVolunteer, "v2", false)
	src.change(volmatch.ChangePool, "p1", false) // not indexed here
	src.mu.Unlock()

	n, err := f.CatchUp(ctx)
	if err != nil {
		t.Fatalf("CatchUp: %v", err)
	}
	if n != 7 {
		t.Errorf("CatchUp applied %d, want 7", n)
	}
	for _, tc := range []struct {
		q    index.Query
		want []string
	}{
		{index.Query{Text: "手语"}, []string{}},
		{index.Query{Text: "做饭"}, []string{"v5"}},
		{index.Query{Text: "心理疏导", Kind: volmatch.ChangeNeed}, []string{"n1", "n6"}},
		{index.Query{}, []string{"n1", "n2", "n4", "n5", "n6", "v3", "v4", "v5"}},
	} {
		if got := searchIDs(t, tx, tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("after CatchUp: Search(%+v) = %v, want %v", tc.q, got, tc.want)
		}
	}
	if got, want := feats.ids(), []string{"v3", "v4", "v5"}; !slices.Equal(got, want) {
		t.Errorf("after CatchUp: features %v, want %v", got, want)
	}
	if n, err := f.CatchUp(ctx); n != 0 || err != nil {
		t.Errorf("second CatchUp = %d, %v, want 0, nil", n, err)
	}

	// A failing feed leaves the position where it was.
	src.putNeed(need("n7", "助老", "", tiananmen))
	src.mu.Lock()
	src.fail = volmatch.Errorf(volmatch.EUNAVAILABLE, "down")
	src.mu.Unlock()
	if _, err := f.CatchUp(ctx); volmatch.ErrorCode(err) != volmatch.EUNAVAILABLE {
		t.Errorf("CatchUp with the feed down = %v, want EUNAVAILABLE", err)
	}
	src.mu.Lock()
	src.fail = nil
	src.mu.Unlock()
	if n, err := f.CatchUp(ctx); n != 1 || err != nil {
		t.Errorf("CatchUp after the feed is back = %d, %v, want 1, nil", n, err)
	}
	if got := searchIDs(t, tx, index.Query{Text: "为老服务"}); !slices.Equal(got, []string{"n4", "n7"}) {
		t.Errorf("Search(为老服务) = %v, want [n4 n7]", got)
	}

	// Rebuild drops and refills both.
	if err := f.Rebuild(ctx); err != nil {
		t.Fatalf("Rebuild: %v", err)
	}
	if got, want := searchIDs(t, tx, index.Query{}), []string{"n1", "n2", "n4", "n5", "n6", "n7", "v3", "v4", "v5"}; !slices.Equal(got, want) {
		t.Errorf("after Rebuild: indexed %v, want %v", got, want)
	}
	if feats.resets == 0 {
		t.Errorf("Rebuild did not reset the features")
	}
}

func TestFollowerConcurrentCatchUp(t *testing.T) {
	ctx := context.Background()
	src := newFakeSource()
	tx, err := index.OpenMem(index.Options{Synonyms: testSynonyms})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	feats := newFakeFeatures()
	f := index.NewFollower(src, tx, feats, index.FollowerOptions{Batch: 7})
	if err := f.Start(ctx); err != nil {
		t.Fatal(err)
	}
	const writers, each = 4, 25
	var wg sync.WaitGroup
	var want []string
	for w := 0; w < writers; w++ {
		for i := 0; i < each; i++ {
			want = append(want, volunteerID(w, i))
		}
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				src.putVolunteer(volunteer(volunteerID(w, i), "巡逻", tiananmen))
			}
		}()
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if _, err := f.CatchUp(ctx); err != nil {
					t.Errorf("CatchUp: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if _, err := f.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	slices.Sort(want)
	if got := searchIDs(t, tx, index.Query{Text: "巡逻"}); !slices.Equal(got, want) {
		t.Errorf("after concurrent CatchUp: %d indexed, want %d", len(got), len(want))
	}
	if got := feats.ids(); !slices.Equal(got, want) {
		t.Errorf("after concurrent CatchUp: %d features, want %d", len(got), len(want))
	}
	if seq, _ := tx.Seq(); seq != writers*each {
		t.Errorf("text Seq = %d, want %d", seq, writers*each)
	}
}

func volunteerID(w, i int) string { return "w" + string(rune('a'+w)) + "-" + string(rune('a'+i)) }

func TestFollowerRun(t *testing.T) {
	src := newFakeSource()
	tx, err := index.OpenMem(index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	var nilFeatures *index.Features // typed nil: no feature index
	f := index.NewFollower(src, tx, nilFeatures, index.FollowerOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	if err := f.Start(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { f.Run(ctx, time.Millisecond); close(done) }()
	src.putNeed(need("n1", "植树", "", tiananmen))
	// Poll: the assertion is that Run applies the write, not how fast.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if got := searchIDs(t, tx, index.Query{Text: "植树"}); slices.Equal(got, []string{"n1"}) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Run did not apply the write")
		}
	}
	cancel()
	<-done
}

// TestFollowerBolt runs the follower against a real bbolt store and a Bleve
// index on disk.
func TestFollowerBolt(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := bolt.Open(filepath.Join(dir, bolt.FileName), bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	vs, ns := fixture()
	if err := st.PutVolunteers(ctx, vs); err != nil {
		t.Fatal(err)
	}
	if err := st.PutNeeds(ctx, ns); err != nil {
		t.Fatal(err)
	}
	textDir := filepath.Join(dir, "text.bleve")
	opts := index.Options{Synonyms: testSynonyms}
	open := func() (*index.Text, *index.Features, *index.Follower) {
		t.Helper()
		tx, err := index.Open(textDir, opts)
		if err != nil {
			t.Fatal(err)
		}
		feats := index.NewFeatures(nil)
		f := index.NewFollower(st, tx, feats, index.FollowerOptions{})
		if err := f.Start(ctx); err != nil {
			t.Fatalf("Start: %v", err)
		}
		return tx, feats, f
	}
	tx, feats, f := open()
	if got := searchIDs(t, tx, index.Query{Text: "心理咨询", Kind: volmatch.ChangeNeed}); !slices.Equal(got, []string{"n1"}) {
		t.Errorf("after Start: Search(心理咨询) = %v, want [n1]", got)
	}
	if got := feats.Len(); got != len(vs) {
		t.Errorf("after Start: %d features, want %d", got, len(vs))
	}

	// More writes, then catch up.
	if err := st.CreateVolunteer(ctx, volunteer("v9", "擅长手语翻译", tongzhou)); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateNeed(ctx, need("n9", "听障老人手语陪伴", "", tongzhou)); err != nil {
		t.Fatal(err)
	}
	if n, err := f.CatchUp(ctx); err != nil || n < 2 {
		t.Fatalf("CatchUp = %d, %v, want at least 2 changes", n, err)
	}
	if got := feats.Len(); got != len(vs)+1 {
		t.Errorf("after CatchUp: %d features, want %d", got, len(vs)+1)
	}
	if got := searchIDs(t, tx, index.Query{Text: "手语"}); !slices.Equal(got, []string{"n9", "v1", "v9"}) {
		t.Errorf("after CatchUp: Search(手语) = %v, want [n9 v1 v9]", got)
	}
	if got := searchIDs(t, tx, index.Query{Near: &tongzhou, WithinKm: 1}); !slices.Equal(got, []string{"n5", "n9", "v9"}) {
		t.Errorf("after CatchUp: near Tongzhou = %v, want [n5 n9 v9]", got)
	}

	// Delete: gone from both indexes.
	if err := st.DeleteVolunteer(ctx, "v9"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if got := searchIDs(t, tx, index.Query{Text: "手语", Kind: volmatch.ChangeVolunteer}); !slices.Equal(got, []string{"v1"}) {
		t.Errorf("after delete: Search(手语) = %v, want [v1]", got)
	}
	if got := feats.Len(); got != len(vs) {
		t.Errorf("after delete: %d features, want %d", got, len(vs))
	}
	if err := tx.Close(); err != nil {
		t.Fatal(err)
	}
	applied, _ := st.LastChange(ctx)

	// Reopen: Seq persisted, and only what is new is applied.
	if err := st.CreateNeed(ctx, need("n10", "急救站值守", "", wangfujing)); err != nil {
		t.Fatal(err)
	}
	last, _ := st.LastChange(ctx)
	tx2, err := index.Open(textDir, opts)
	if err != nil {
		t.Fatal(err)
	}
	if seq, err := tx2.Seq(); err != nil || seq != applied {
		t.Errorf("reopened Seq() = %d, %v, want %d", seq, err, applied)
	}
	src := &countingSource{Source: st}
	feats2 := index.NewFeatures(nil)
	f2 := index.NewFollower(src, tx2, feats2, index.FollowerOptions{})
	if err := f2.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if got := feats2.Len(); got != len(vs) {
		t.Errorf("after reopen: features loaded in full hold %d, want %d", got, len(vs))
	}
	if src.reads != int(last-applied) {
		t.Errorf("Start after reopen read %d records, want %d (only the new changes)", src.reads, last-applied)
	}
	if got := searchIDs(t, tx2, index.Query{Text: "应急救护", Kind: volmatch.ChangeNeed}); !slices.Equal(got, []string{"n10", "n2"}) {
		t.Errorf("after reopen: Search(应急救护) = %v, want [n10 n2]", got)
	}
	if err := tx2.Close(); err != nil {
		t.Fatal(err)
	}

	// The index folder is deleted: Start rebuilds it.
	if err := os.RemoveAll(textDir); err != nil {
		t.Fatal(err)
	}
	tx3, _, _ := open()
	defer tx3.Close()
	if seq, _ := tx3.Seq(); seq != last {
		t.Errorf("rebuilt Seq() = %d, want %d", seq, last)
	}
	if got, want := searchIDs(t, tx3, index.Query{}), []string{"n1", "n10", "n2", "n3", "n4", "n5", "n9", "v1", "v2", "v3", "v4"}; !slices.Equal(got, want) {
		t.Errorf("rebuilt index holds %v, want %v", got, want)
	}
}

// countingSource counts the records read one by one.
type countingSource struct {
	index.Source
	reads int
}

func (c *countingSource) Volunteer(ctx context.Context, id string) (*volmatch.Volunteer, error) {
	c.reads++
	return c.Source.Volunteer(ctx, id)
}

func (c *countingSource) Need(ctx context.Context, id string) (*volmatch.Need, error) {
	c.reads++
	return c.Source.Need(ctx, id)
}

func TestFollowerStartFailure(t *testing.T) {
	src := newFakeSource()
	src.putNeed(need("n1", "植树", "", tiananmen))
	src.fail = errors.New("boom")
	tx, err := index.OpenMem(index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	f := index.NewFollower(src, tx, nil, index.FollowerOptions{})
	if err := f.Start(context.Background()); err == nil {
		t.Errorf("Start with a failing feed = nil, want an error")
	}
}
