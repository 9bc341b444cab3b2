package engine_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"volmatch"
	"volmatch/engine"
	"volmatch/index"
	"volmatch/matcher/grid"
	"volmatch/store/bolt"
)

// The Bleve text index is what a follower updates.
var _ engine.TextIndex = (*index.Text)(nil)

// fakeFeed is an in-memory store with a change feed.
type fakeFeed struct {
	mu      sync.Mutex
	vs      map[string]*volmatch.Volunteer
	ns      map[string]*volmatch.Need
	changes []volmatch.Change
	reads   int   // Volunteer and Need calls
	fail    error // returned by Changes when set
}

func newFakeFeed() *fakeFeed {
	return &fakeFeed{vs: map[string]*volmatch.Volunteer{}, ns: map[string]*volmatch.Need{}}
}

func (s *fakeFeed) change(kind volmatch.ChangeKind, id string, deleted bool) {
	s.changes = append(s.changes, volmatch.Change{Seq: uint64(len(s.changes) + 1), Kind: kind, ID: id, Deleted: deleted})
}

func (s *fakeFeed) putVolunteer(v *volmatch.Volunteer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := *v
	s.vs[v.ID] = &c
	s.change(volmatch.ChangeVolunteer, v.ID, false)
}

func (s *fakeFeed) putNeed(n *volmatch.Need) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := *n
	s.ns[n.ID] = &c
	s.change(volmatch.ChangeNeed, n.ID, false)
}

func (s *fakeFeed) del(kind volmatch.ChangeKind, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.vs, id)
	delete(s.ns, id)
	s.change(kind, id, true)
}

func (s *fakeFeed) Changes(ctx context.Context, after uint64, limit int) ([]volmatch.Change, error) {
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

func (s *fakeFeed) LastChange(ctx context.Context) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return uint64(len(s.changes)), nil
}

func (s *fakeFeed) Volunteer(ctx context.Context, id string) (*volmatch.Volunteer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	if v, ok := s.vs[id]; ok {
		c := *v
		return &c, nil
	}
	return nil, volmatch.Errorf(volmatch.ENOTFOUND, "volunteer %s not found", id)
}

func (s *fakeFeed) Need(ctx context.Context, id string) (*volmatch.Need, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	if n, ok := s.ns[id]; ok {
		c := *n
		return &c, nil
	}
	return nil, volmatch.Errorf(volmatch.ENOTFOUND, "need %s not found", id)
}

func (s *fakeFeed) EachVolunteer(ctx context.Context, fn func(*volmatch.Volunteer) error) error {
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

func (s *fakeFeed) EachNeed(ctx context.Context, fn func(*volmatch.Need) error) error {
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

// HeldSlots: the fake feed's volunteers hold no slot.
func (s *fakeFeed) HeldSlots(ctx context.Context, volunteers ...string) (map[string][]volmatch.HeldSlot, error) {
	return map[string][]volmatch.HeldSlot{}, nil
}

// gridIDs returns the IDs of the volunteers in the feature grid, sorted
// (a query with no shift yields every one).
func gridIDs(f *grid.Features) []string {
	out := []string{}
	f.Prune(&volmatch.Need{}, nil, func(v *volmatch.Volunteer) { out = append(out, v.ID) })
	slices.Sort(out)
	return out
}

// followSearch returns the IDs of every hit of q, sorted. It reads the
// bios too (Private): the follower must index every text.
func followSearch(t *testing.T, tx *index.Text, q index.Query) []string {
	t.Helper()
	q.Limit, q.Private = index.MaxLimit, true
	r, err := tx.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("Search(%+v): %v", q, err)
	}
	got := hitIDs(r)
	slices.Sort(got)
	return got
}

func TestFollowerFake(t *testing.T) {
	ctx := context.Background()
	src := newFakeFeed()
	vs, ns := followFixture()
	for _, v := range vs {
		src.putVolunteer(v)
	}
	for _, n := range ns {
		src.putNeed(n)
	}
	tx, err := index.OpenMem(index.Options{Synonyms: followSynonyms})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	feats := grid.NewFeatures(nil)
	var progress []int
	f := engine.NewFollower(src, tx, feats, engine.FollowerOptions{Batch: 3,
		Progress: func(done, total int) { progress = append(progress, done) }})

	if err := f.Start(ctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	if got, want := followSearch(t, tx, index.Query{}), []string{"n1", "n2", "n3", "n4", "n5", "v1", "v2", "v3", "v4"}; !slices.Equal(got, want) {
		t.Errorf("after Start: indexed %v, want %v", got, want)
	}
	if got, want := gridIDs(feats), []string{"v1", "v2", "v3", "v4"}; !slices.Equal(got, want) {
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
	v5 := followVolunteer("v5", "会手语，也会急救", place.tongzhou)
	src.putVolunteer(v5)
	v5.Bio = "只会做饭"
	src.putVolunteer(v5)
	src.putNeed(followNeed("n6", "心理咨询热线值守", "", place.tiananmen))
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
		if got := followSearch(t, tx, tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("after CatchUp: Search(%+v) = %v, want %v", tc.q, got, tc.want)
		}
	}
	if got, want := gridIDs(feats), []string{"v3", "v4", "v5"}; !slices.Equal(got, want) {
		t.Errorf("after CatchUp: features %v, want %v", got, want)
	}
	if n, err := f.CatchUp(ctx); n != 0 || err != nil {
		t.Errorf("second CatchUp = %d, %v, want 0, nil", n, err)
	}

	// A failing feed leaves the position where it was.
	src.putNeed(followNeed("n7", "助老", "", place.tiananmen))
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
	if got := followSearch(t, tx, index.Query{Text: "为老服务"}); !slices.Equal(got, []string{"n4", "n7"}) {
		t.Errorf("Search(为老服务) = %v, want [n4 n7]", got)
	}

	// Rebuild drops and refills both: a volunteer the store does not hold
	// leaves the feature grid.
	feats.Upsert(followVolunteer("stray", "", place.tiananmen))
	if err := f.Rebuild(ctx); err != nil {
		t.Fatalf("Rebuild: %v", err)
	}
	if got, want := followSearch(t, tx, index.Query{}), []string{"n1", "n2", "n4", "n5", "n6", "n7", "v3", "v4", "v5"}; !slices.Equal(got, want) {
		t.Errorf("after Rebuild: indexed %v, want %v", got, want)
	}
	if got, want := gridIDs(feats), []string{"v3", "v4", "v5"}; !slices.Equal(got, want) {
		t.Errorf("after Rebuild: features %v, want %v (the grid reset)", got, want)
	}
}

func TestFollowerConcurrentCatchUp(t *testing.T) {
	ctx := context.Background()
	src := newFakeFeed()
	tx, err := index.OpenMem(index.Options{Synonyms: followSynonyms})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	feats := grid.NewFeatures(nil)
	f := engine.NewFollower(src, tx, feats, engine.FollowerOptions{Batch: 7})
	if err := f.Start(ctx); err != nil {
		t.Fatal(err)
	}
	const writers, each = 4, 25
	var wg sync.WaitGroup
	var want []string
	for w := 0; w < writers; w++ {
		for i := 0; i < each; i++ {
			want = append(want, followVolunteerID(w, i))
		}
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				src.putVolunteer(followVolunteer(followVolunteerID(w, i), "巡逻", place.tiananmen))
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
	if got := followSearch(t, tx, index.Query{Text: "巡逻"}); !slices.Equal(got, want) {
		t.Errorf("after concurrent CatchUp: %d indexed, want %d", len(got), len(want))
	}
	if got := gridIDs(feats); !slices.Equal(got, want) {
		t.Errorf("after concurrent CatchUp: %d features, want %d", len(got), len(want))
	}
	if seq, _ := tx.Seq(); seq != writers*each {
		t.Errorf("text Seq = %d, want %d", seq, writers*each)
	}
}

func followVolunteerID(w, i int) string { return "w" + string(rune('a'+w)) + "-" + string(rune('a'+i)) }

func TestFollowerRun(t *testing.T) {
	src := newFakeFeed()
	tx, err := index.OpenMem(index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	f := engine.NewFollower(src, tx, nil, engine.FollowerOptions{}) // no feature grid
	ctx, cancel := context.WithCancel(context.Background())
	if err := f.Start(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { f.Run(ctx, time.Millisecond); close(done) }()
	src.putNeed(followNeed("n1", "植树", "", place.tiananmen))
	// Poll: the assertion is that Run applies the write, not how fast.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if got := followSearch(t, tx, index.Query{Text: "植树"}); slices.Equal(got, []string{"n1"}) {
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
	vs, ns := followFixture()
	if err := st.PutVolunteers(ctx, vs); err != nil {
		t.Fatal(err)
	}
	if err := st.PutNeeds(ctx, ns); err != nil {
		t.Fatal(err)
	}
	textDir := filepath.Join(dir, "text.bleve")
	opts := index.Options{Synonyms: followSynonyms}
	open := func() (*index.Text, *grid.Features, *engine.Follower) {
		t.Helper()
		tx, err := index.Open(textDir, opts)
		if err != nil {
			t.Fatal(err)
		}
		feats := grid.NewFeatures(nil)
		f := engine.NewFollower(st, tx, feats, engine.FollowerOptions{})
		if err := f.Start(ctx); err != nil {
			t.Fatalf("Start: %v", err)
		}
		return tx, feats, f
	}
	tx, feats, f := open()
	if got := followSearch(t, tx, index.Query{Text: "心理咨询", Kind: volmatch.ChangeNeed}); !slices.Equal(got, []string{"n1"}) {
		t.Errorf("after Start: Search(心理咨询) = %v, want [n1]", got)
	}
	if got := feats.Len(); got != len(vs) {
		t.Errorf("after Start: %d features, want %d", got, len(vs))
	}

	// More writes, then catch up.
	if err := st.CreateVolunteer(ctx, followVolunteer("v9", "擅长手语翻译", place.tongzhou)); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateNeed(ctx, followNeed("n9", "听障老人手语陪伴", "", place.tongzhou)); err != nil {
		t.Fatal(err)
	}
	if n, err := f.CatchUp(ctx); err != nil || n < 2 {
		t.Fatalf("CatchUp = %d, %v, want at least 2 changes", n, err)
	}
	if got := feats.Len(); got != len(vs)+1 {
		t.Errorf("after CatchUp: %d features, want %d", got, len(vs)+1)
	}
	if got := followSearch(t, tx, index.Query{Text: "手语"}); !slices.Equal(got, []string{"n9", "v1", "v9"}) {
		t.Errorf("after CatchUp: Search(手语) = %v, want [n9 v1 v9]", got)
	}
	if got := followSearch(t, tx, index.Query{Near: &place.tongzhou, WithinKm: 1}); !slices.Equal(got, []string{"n5", "n9", "v9"}) {
		t.Errorf("after CatchUp: near Tongzhou = %v, want [n5 n9 v9]", got)
	}

	// Delete: gone from both indexes.
	if err := st.DeleteVolunteer(ctx, "v9"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if got := followSearch(t, tx, index.Query{Text: "手语", Kind: volmatch.ChangeVolunteer}); !slices.Equal(got, []string{"v1"}) {
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
	if err := st.CreateNeed(ctx, followNeed("n10", "急救站值守", "", place.wangfujing)); err != nil {
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
	src := &countingFeed{ChangeSource: st}
	feats2 := grid.NewFeatures(nil)
	f2 := engine.NewFollower(src, tx2, feats2, engine.FollowerOptions{})
	if err := f2.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if got := feats2.Len(); got != len(vs) {
		t.Errorf("after reopen: features loaded in full hold %d, want %d", got, len(vs))
	}
	if src.reads != int(last-applied) {
		t.Errorf("Start after reopen read %d records, want %d (only the new changes)", src.reads, last-applied)
	}
	if got := followSearch(t, tx2, index.Query{Text: "应急救护", Kind: volmatch.ChangeNeed}); !slices.Equal(got, []string{"n10", "n2"}) {
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
	if got, want := followSearch(t, tx3, index.Query{}), []string{"n1", "n10", "n2", "n3", "n4", "n5", "n9", "v1", "v2", "v3", "v4"}; !slices.Equal(got, want) {
		t.Errorf("rebuilt index holds %v, want %v", got, want)
	}
}

// countingFeed counts the records read one by one.
type countingFeed struct {
	engine.ChangeSource
	reads int
}

func (c *countingFeed) Volunteer(ctx context.Context, id string) (*volmatch.Volunteer, error) {
	c.reads++
	return c.ChangeSource.Volunteer(ctx, id)
}

func (c *countingFeed) Need(ctx context.Context, id string) (*volmatch.Need, error) {
	c.reads++
	return c.ChangeSource.Need(ctx, id)
}

func TestFollowerStartFailure(t *testing.T) {
	src := newFakeFeed()
	src.putNeed(followNeed("n1", "植树", "", place.tiananmen))
	src.fail = errors.New("boom")
	tx, err := index.OpenMem(index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	f := engine.NewFollower(src, tx, nil, engine.FollowerOptions{})
	if err := f.Start(context.Background()); err == nil {
		t.Errorf("Start with a failing feed = nil, want an error")
	}
}

// followSynonyms is a small hand-written stand-in for the taxonomy's groups.
var followSynonyms = [][]string{
	{"心理疏导", "心理咨询"},
	{"手语", "手语翻译"},
	{"急救", "应急救护"},
	{"助老", "为老服务", "养老服务"},
}

// place holds points in Beijing.
var place = struct{ tiananmen, wangfujing, sanlitun, zhongguancun, tongzhou volmatch.Point }{
	tiananmen:    volmatch.Point{Lat: 39.9087, Lng: 116.3975},
	wangfujing:   volmatch.Point{Lat: 39.9149, Lng: 116.4109}, // ~1.4 km from Tiananmen
	sanlitun:     volmatch.Point{Lat: 39.9334, Lng: 116.4548}, // ~5.6 km
	zhongguancun: volmatch.Point{Lat: 39.9835, Lng: 116.3160}, // ~11 km
	tongzhou:     volmatch.Point{Lat: 39.9097, Lng: 116.6566}, // ~22 km
}

func followNeed(id, title, desc string, p volmatch.Point, mut ...func(*volmatch.Need)) *volmatch.Need {
	start := time.Date(2025, 5, 10, 9, 0, 0, 0, volmatch.Beijing)
	n := &volmatch.Need{
		ID: id, Org: "org1", Title: title, Description: desc, Domain: "psychology",
		TargetGroup: volmatch.TargetElderly, Mode: volmatch.ModeMenu, Urgency: volmatch.UrgencyNormal,
		Point: p, District: "110101", Street: "110101001000", RadiusKm: 5,
		Shifts: []volmatch.Shift{{ID: "s1", Start: start, End: start.Add(2 * time.Hour), Slots: 2}},
		Status: volmatch.NeedOpen,
	}
	for _, m := range mut {
		m(n)
	}
	return n
}

func followVolunteer(id, bio string, p volmatch.Point, mut ...func(*volmatch.Volunteer)) *volmatch.Volunteer {
	v := &volmatch.Volunteer{
		ID: id, Name: "王小明" + id, Phone: "1381234" + fmt.Sprintf("%04d", len(id)), Home: p,
		District: "110105", Street: "110105001000", MaxTravelKm: 10, Bio: bio,
		Skills:    []volmatch.SkillLevel{{Skill: "first_aid", Level: 2}},
		Languages: []string{"zh"},
	}
	for _, m := range mut {
		m(v)
	}
	return v
}

func followFixture() ([]*volmatch.Volunteer, []*volmatch.Need) {
	ns := []*volmatch.Need{
		followNeed("n1", "独居老人心理疏导", "为社区独居老人提供每周一次的心理疏导和陪伴聊天。", place.tiananmen),
		followNeed("n2", "社区应急救护培训", "面向居民的应急救护知识普及。", place.wangfujing, func(n *volmatch.Need) {
			n.Domain = "emergency"
			n.Requires.Skills = []volmatch.SkillLevel{{Skill: "first_aid", Level: 2}}
			n.District = "110105"
		}),
		followNeed("n3", "垃圾分类宣传", "在小区门口指导居民垃圾分类。", place.sanlitun, func(n *volmatch.Need) {
			n.Domain = "environment"
			n.Status = volmatch.NeedClosed
			n.District = "110105"
		}),
		followNeed("n4", "助老陪诊", "陪同老人去医院看病。", place.zhongguancun, func(n *volmatch.Need) {
			n.Domain = "elderly_care"
			n.District = "110108"
		}),
		followNeed("n5", "儿童课业辅导", "为困境儿童提供课业辅导。", place.tongzhou, func(n *volmatch.Need) {
			n.Domain = "education"
			n.District = "110112"
		}),
	}
	vs := []*volmatch.Volunteer{
		followVolunteer("v1", "持证手语翻译，曾服务听障人士五年。", place.wangfujing),
		followVolunteer("v2", "退休护士，熟悉急救和慢病护理。", place.sanlitun, func(v *volmatch.Volunteer) {
			v.PreferredDomains = []string{"health"}
			v.Certificates = []volmatch.Certificate{{Name: "急救证", Expires: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}}
		}),
		followVolunteer("v3", "国家二级心理咨询师，擅长老年人心理疏导。", place.zhongguancun, func(v *volmatch.Volunteer) {
			v.Skills = []volmatch.SkillLevel{{Skill: "counselling", Level: 3}}
			v.PreferredDomains = []string{"psychology"}
		}),
		followVolunteer("v4", "大学生，喜欢和小朋友在一起。", place.tiananmen, func(v *volmatch.Volunteer) {
			v.Skills = []volmatch.SkillLevel{{Skill: "tutoring", Level: 2}}
			v.District = "110101"
		}),
	}
	return vs, ns
}

func hitIDs(r index.Result) []string {
	out := []string{}
	for _, h := range r.Hits {
		out = append(out, h.ID)
	}
	return out
}
