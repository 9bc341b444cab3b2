package index_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"volmatch"
	"volmatch/datasets"
	"volmatch/index"
	"volmatch/taxonomy"
)

// testSynonyms is a small hand-written stand-in for the taxonomy's groups.
var testSynonyms = [][]string{
	{"心理疏导", "心理咨询"},
	{"手语", "手语翻译"},
	{"急救", "应急救护"},
	{"助老", "为老服务", "养老服务"},
}

// Points in Beijing.
var (
	tiananmen    = volmatch.Point{Lat: 39.9087, Lng: 116.3975}
	wangfujing   = volmatch.Point{Lat: 39.9149, Lng: 116.4109} // ~1.4 km from Tiananmen
	sanlitun     = volmatch.Point{Lat: 39.9334, Lng: 116.4548} // ~5.6 km
	zhongguancun = volmatch.Point{Lat: 39.9835, Lng: 116.3160} // ~11 km
	tongzhou     = volmatch.Point{Lat: 39.9097, Lng: 116.6566} // ~22 km
)

func need(id, title, desc string, p volmatch.Point, mut ...func(*volmatch.Need)) *volmatch.Need {
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

func volunteer(id, bio string, p volmatch.Point, mut ...func(*volmatch.Volunteer)) *volmatch.Volunteer {
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

func fixture() ([]*volmatch.Volunteer, []*volmatch.Need) {
	ns := []*volmatch.Need{
		need("n1", "独居老人心理疏导", "为社区独居老人提供每周一次的心理疏导和陪伴聊天。", tiananmen),
		need("n2", "社区应急救护培训", "面向居民的应急救护知识普及。", wangfujing, func(n *volmatch.Need) {
			n.Domain = "emergency"
			n.Requires.Skills = []volmatch.SkillLevel{{Skill: "first_aid", Level: 2}}
			n.District = "110105"
		}),
		need("n3", "垃圾分类宣传", "在小区门口指导居民垃圾分类。", sanlitun, func(n *volmatch.Need) {
			n.Domain = "environment"
			n.Status = volmatch.NeedClosed
			n.District = "110105"
		}),
		need("n4", "助老陪诊", "陪同老人去医院看病。", zhongguancun, func(n *volmatch.Need) {
			n.Domain = "elderly_care"
			n.District = "110108"
		}),
		need("n5", "儿童课业辅导", "为困境儿童提供课业辅导。", tongzhou, func(n *volmatch.Need) {
			n.Domain = "education"
			n.District = "110112"
		}),
	}
	vs := []*volmatch.Volunteer{
		volunteer("v1", "持证手语翻译，曾服务听障人士五年。", wangfujing),
		volunteer("v2", "退休护士，熟悉急救和慢病护理。", sanlitun, func(v *volmatch.Volunteer) {
			v.PreferredDomains = []string{"health"}
			v.Certificates = []volmatch.Certificate{{Name: "急救证", Expires: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}}
		}),
		volunteer("v3", "国家二级心理咨询师，擅长老年人心理疏导。", zhongguancun, func(v *volmatch.Volunteer) {
			v.Skills = []volmatch.SkillLevel{{Skill: "counselling", Level: 3}}
			v.PreferredDomains = []string{"psychology"}
		}),
		volunteer("v4", "大学生，喜欢和小朋友在一起。", tiananmen, func(v *volmatch.Volunteer) {
			v.Skills = []volmatch.SkillLevel{{Skill: "tutoring", Level: 2}}
			v.District = "110101"
		}),
	}
	return vs, ns
}

func openFixture(t *testing.T, o index.Options) *index.Text {
	t.Helper()
	tx, err := index.OpenMem(o)
	if err != nil {
		t.Fatalf("OpenMem: %v", err)
	}
	t.Cleanup(func() { tx.Close() })
	vs, ns := fixture()
	if err := tx.Bulk(context.Background(), vs, ns); err != nil {
		t.Fatalf("Bulk: %v", err)
	}
	return tx
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

func ids(r index.Result) []string {
	out := []string{}
	for _, h := range r.Hits {
		out = append(out, h.ID)
	}
	return out
}

func TestSearch(t *testing.T) {
	tx := openFixture(t, index.Options{Synonyms: testSynonyms})
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		q       index.Query
		want    []string // in order when ordered is true, else as a set
		ordered bool
	}{
		{name: "plain word in need text", q: index.Query{Text: "垃圾分类"}, want: []string{"n3"}},
		{name: "synonym: 心理咨询 finds 心理疏导", q: index.Query{Text: "心理咨询", Kind: volmatch.ChangeNeed}, want: []string{"n1"}},
		{name: "synonym both ways, in a bio", q: index.Query{Text: "心理疏导", Kind: volmatch.ChangeVolunteer, Private: true}, want: []string{"v3"}},
		{name: "手语 finds 手语翻译 in bio", q: index.Query{Text: "手语", Kind: volmatch.ChangeVolunteer, Private: true}, want: []string{"v1"}},
		{name: "急救 finds 应急救护 and 急救", q: index.Query{Text: "急救"}, want: []string{"n2", "v2"}},
		{name: "应急救护 finds 急救", q: index.Query{Text: "应急救护", Kind: volmatch.ChangeVolunteer}, want: []string{"v2"}},
		{name: "three-term group", q: index.Query{Text: "养老服务"}, want: []string{"n4"}},
		{name: "every word must match", q: index.Query{Text: "老人 陪诊"}, want: []string{"n4"}},
		{name: "words with synonym and plain", q: index.Query{Text: "心理咨询，独居"}, want: []string{"n1"}},
		{name: "no match", q: index.Query{Text: "潜水"}, want: []string{}},
		{name: "one character", q: index.Query{Text: "老", Private: true}, want: []string{"n1", "n4", "v3"}},
		{name: "one character, public text only", q: index.Query{Text: "老"}, want: []string{"n1", "n4"}},
		{name: "one character, end of a word", q: index.Query{Text: "诊"}, want: []string{"n4"}},
		{name: "skill is a key, not text", q: index.Query{Skill: "first_aid"}, want: []string{"n2", "v1", "v2"}, ordered: true},
		{name: "skill name is not indexed as text", q: index.Query{Text: "first_aid"}, want: []string{}},
		{name: "district filter", q: index.Query{District: "110105", Kind: volmatch.ChangeNeed}, want: []string{"n2", "n3"}, ordered: true},
		{name: "domain covers preferred domains", q: index.Query{Domain: "psychology"}, want: []string{"n1", "v3"}, ordered: true},
		{name: "status keeps volunteers", q: index.Query{Status: volmatch.NeedClosed}, want: []string{"n3", "v1", "v2", "v3", "v4"}, ordered: true},
		{name: "status on needs", q: index.Query{Status: volmatch.NeedOpen, Kind: volmatch.ChangeNeed}, want: []string{"n1", "n2", "n4", "n5"}, ordered: true},
		{name: "names are not searchable", q: index.Query{Text: "王小明", Private: true}, want: []string{}},
		{name: "phones are not searchable", q: index.Query{Text: "13812340002", Private: true}, want: []string{}},
		{name: "all by id", q: index.Query{}, want: []string{"n1", "n2", "n3", "n4", "n5", "v1", "v2", "v3", "v4"}, ordered: true},
		{name: "paging", q: index.Query{Limit: 3, Offset: 2}, want: []string{"n3", "n4", "n5"}, ordered: true},
		{name: "near me, needs, by distance", q: index.Query{Kind: volmatch.ChangeNeed, Near: &tiananmen}, want: []string{"n1", "n2", "n3", "n4", "n5"}, ordered: true},
		{name: "near me within 6 km", q: index.Query{Kind: volmatch.ChangeNeed, Near: &tiananmen, WithinKm: 6}, want: []string{"n1", "n2", "n3"}, ordered: true},
		{name: "near me, volunteers", q: index.Query{Kind: volmatch.ChangeVolunteer, Near: &tiananmen, WithinKm: 12}, want: []string{"v4", "v1", "v2", "v3"}, ordered: true},
		// Volunteers' homes are indexed coarse: v1 at Wangfujing counts
		// from (39.91, 116.41), 1.1 km away, before n2 at Wangfujing itself.
		{name: "near me, both kinds merged", q: index.Query{Near: &tiananmen, WithinKm: 2}, want: []string{"n1", "v4", "v1", "n2"}, ordered: true},
		{name: "near me with text", q: index.Query{Text: "老人", Near: &zhongguancun}, want: []string{"n4", "n1"}, ordered: true},
		{name: "near me, both kinds, paged", q: index.Query{Near: &tiananmen, WithinKm: 2, Offset: 1, Limit: 2}, want: []string{"v4", "v1"}, ordered: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := tx.Search(ctx, tc.q)
			if err != nil {
				t.Fatalf("Search(%+v): %v", tc.q, err)
			}
			got := ids(r)
			if !tc.ordered {
				slices.Sort(got)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Search(%+v) = %v, want %v", tc.q, got, tc.want)
			}
		})
	}
}

func TestSearchWithoutSynonyms(t *testing.T) {
	tx := openFixture(t, index.Options{})
	r, err := tx.Search(context.Background(), index.Query{Text: "心理咨询", Kind: volmatch.ChangeNeed})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(r); len(got) != 0 {
		t.Errorf("Search(心理咨询) without synonyms = %v, want none (the synonym test would be vacuous)", got)
	}
	r, err = tx.Search(context.Background(), index.Query{Text: "手语", Kind: volmatch.ChangeVolunteer, Private: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(r); !slices.Equal(got, []string{"v1"}) {
		t.Errorf("Search(手语) without synonyms = %v, want [v1]", got)
	}
}

func TestSearchDistanceAndTotal(t *testing.T) {
	tx := openFixture(t, index.Options{Synonyms: testSynonyms})
	r, err := tx.Search(context.Background(), index.Query{Near: &tiananmen, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r.Total != 9 {
		t.Errorf("Total = %d, want 9", r.Total)
	}
	if len(r.Hits) != 2 {
		t.Fatalf("hits = %d, want 2", len(r.Hits))
	}
	for _, h := range r.Hits {
		var p volmatch.Point
		switch h.ID {
		case "n1":
			p = tiananmen
		case "v4":
			p = tiananmen.Coarse() // a volunteer's home is indexed coarse
		default:
			t.Fatalf("hit %s, want n1 or v4", h.ID)
		}
		if want := volmatch.DistanceKm(tiananmen, p); h.DistanceKm > want+0.01 {
			t.Errorf("hit %s DistanceKm = %v, want %v", h.ID, h.DistanceKm, want)
		}
	}
	r, err = tx.Search(context.Background(), index.Query{Kind: volmatch.ChangeNeed, Near: &tiananmen})
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range r.Hits {
		want := volmatch.DistanceKm(tiananmen, map[string]volmatch.Point{
			"n1": tiananmen, "n2": wangfujing, "n3": sanlitun, "n4": zhongguancun, "n5": tongzhou}[h.ID])
		if d := h.DistanceKm - want; d > 0.05 || d < -0.05 {
			t.Errorf("hit %d %s DistanceKm = %.3f, want %.3f", i, h.ID, h.DistanceKm, want)
		}
	}
}

func TestSearchTiesByID(t *testing.T) {
	tx, err := index.OpenMem(index.Options{Synonyms: testSynonyms})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	// Identical texts score the same: the order must be by ID.
	var ns []*volmatch.Need
	for _, id := range []string{"n9", "n3", "n7", "n1", "n5"} {
		ns = append(ns, need(id, "心理疏导", "", tiananmen))
	}
	if err := tx.Bulk(context.Background(), nil, ns); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		r, err := tx.Search(context.Background(), index.Query{Text: "心理咨询"})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := ids(r), []string{"n1", "n3", "n5", "n7", "n9"}; !slices.Equal(got, want) {
			t.Errorf("Search(心理咨询) = %v, want %v", got, want)
		}
	}
}

func TestUpsertDelete(t *testing.T) {
	tx := openFixture(t, index.Options{Synonyms: testSynonyms})
	ctx := context.Background()
	find := func(q index.Query) []string {
		t.Helper()
		r, err := tx.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return ids(r)
	}
	n := need("n6", "手语翻译服务", "", tongzhou)
	if err := tx.UpsertNeed(n); err != nil {
		t.Fatal(err)
	}
	if got := find(index.Query{Text: "手语", Kind: volmatch.ChangeNeed}); !slices.Equal(got, []string{"n6"}) {
		t.Errorf("after UpsertNeed: Search(手语) = %v, want [n6]", got)
	}
	n.Title = "植树活动"
	if err := tx.UpsertNeed(n); err != nil {
		t.Fatal(err)
	}
	if got := find(index.Query{Text: "手语", Kind: volmatch.ChangeNeed}); len(got) != 0 {
		t.Errorf("after re-upsert: Search(手语) = %v, want none", got)
	}
	if err := tx.Delete(volmatch.ChangeVolunteer, "v1"); err != nil {
		t.Fatal(err)
	}
	if got := find(index.Query{Text: "手语"}); len(got) != 0 {
		t.Errorf("after Delete(v1): Search(手语) = %v, want none", got)
	}
	// A need and a volunteer may share an ID: they are different documents.
	if err := tx.UpsertVolunteer(volunteer("n1", "植树", tiananmen)); err != nil {
		t.Fatal(err)
	}
	if err := tx.Delete(volmatch.ChangeVolunteer, "n1"); err != nil {
		t.Fatal(err)
	}
	if got := find(index.Query{Text: "心理疏导", Kind: volmatch.ChangeNeed}); !slices.Equal(got, []string{"n1"}) {
		t.Errorf("need n1 after deleting volunteer n1: Search = %v, want [n1]", got)
	}
	if err := tx.Delete(volmatch.ChangeNeed, "missing"); err != nil {
		t.Errorf("Delete(missing) = %v, want nil", err)
	}
}

func TestSearchInvalid(t *testing.T) {
	tx := openFixture(t, index.Options{})
	for _, tc := range []struct {
		q     index.Query
		field string
	}{
		{index.Query{Kind: "assignment"}, "kind"},
		{index.Query{Limit: 5000}, "limit"},
		{index.Query{Limit: -3}, "limit"},
		{index.Query{Offset: -1}, "offset"},
		{index.Query{WithinKm: 5}, "within_km"},
		{index.Query{Near: &volmatch.Point{Lat: 200, Lng: 1}}, "near.lat"},
	} {
		_, err := tx.Search(context.Background(), tc.q)
		if volmatch.ErrorCode(err) != volmatch.EINVALID || volmatch.ErrorField(err) != tc.field {
			t.Errorf("Search(%+v) = %v, want EINVALID on %s", tc.q, err, tc.field)
		}
	}
}

func TestSeqPersists(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "text.bleve")
	tx, err := index.Open(dir, index.Options{Synonyms: testSynonyms})
	if err != nil {
		t.Fatal(err)
	}
	if seq, err := tx.Seq(); err != nil || seq != 0 {
		t.Fatalf("new index Seq() = %d, %v, want 0", seq, err)
	}
	vs, ns := fixture()
	if err := tx.Bulk(context.Background(), vs, ns); err != nil {
		t.Fatal(err)
	}
	if err := tx.SetSeq(42); err != nil {
		t.Fatal(err)
	}
	if err := tx.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Search(context.Background(), index.Query{}); volmatch.ErrorCode(err) != volmatch.EUNAVAILABLE {
		t.Errorf("Search after Close = %v, want EUNAVAILABLE", err)
	}

	tx, err = index.Open(dir, index.Options{Synonyms: testSynonyms})
	if err != nil {
		t.Fatal(err)
	}
	if seq, err := tx.Seq(); err != nil || seq != 42 {
		t.Errorf("reopened Seq() = %d, %v, want 42", seq, err)
	}
	r, err := tx.Search(context.Background(), index.Query{Text: "心理咨询", Kind: volmatch.ChangeNeed})
	if err != nil || !slices.Equal(ids(r), []string{"n1"}) {
		t.Errorf("reopened Search(心理咨询) = %v, %v, want [n1]", ids(r), err)
	}
	if err := tx.Close(); err != nil {
		t.Fatal(err)
	}

	// Other synonym groups: the index is dropped, so Seq is 0 again.
	other := append(slices.Clone(testSynonyms), []string{"垃圾分类", "垃圾分拣"})
	tx, err = index.Open(dir, index.Options{Synonyms: other})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	if seq, err := tx.Seq(); err != nil || seq != 0 {
		t.Errorf("Seq() after a taxonomy change = %d, %v, want 0", seq, err)
	}
	if n, v, err := tx.Count(context.Background()); err != nil || n+v != 0 {
		t.Errorf("Count() after a taxonomy change = %d+%d, %v, want 0", n, v, err)
	}
}

func TestBulkCancelled(t *testing.T) {
	tx, err := index.OpenMem(index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	vs, ns := fixture()
	if err := tx.Bulk(ctx, vs, ns); !errors.Is(err, context.Canceled) {
		t.Errorf("Bulk(cancelled) = %v, want context.Canceled", err)
	}
}

// TestSearchTaxonomySynonyms uses the real taxonomy's groups.
func TestSearchTaxonomySynonyms(t *testing.T) {
	groups := taxonomy.Load().SynonymGroups()
	if len(groups) == 0 {
		t.Fatal("the taxonomy has no synonym groups")
	}
	tx, err := index.OpenMem(index.Options{Synonyms: groups})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	ns := []*volmatch.Need{
		need("n1", "陪同就医", "陪同社区老人去医院。", tiananmen),
		need("n2", "义务理发", "为行动不便老人上门理发。", wangfujing),
		need("n3", "心肺复苏培训", "", sanlitun),
	}
	if err := tx.Bulk(context.Background(), nil, ns); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"陪诊", []string{"n1"}},
		{"就医陪护", []string{"n1"}},
		{"义剪", []string{"n2"}},
		{"AED使用", []string{"n3"}},
		{"cpr", []string{"n3"}},
		{"ＣＰＲ", []string{"n3"}}, // full-width letters
		{"理发", []string{"n2"}},
	} {
		if got := searchIDs(t, tx, index.Query{Text: tc.text}); !slices.Equal(got, tc.want) {
			t.Errorf("Search(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

// BenchmarkSearch measures searches on 20,000 generated volunteers and 2,000
// needs in an index on disk, with the taxonomy's synonyms.
func BenchmarkSearch(b *testing.B) {
	ctx := context.Background()
	p := datasets.Generate(datasets.GenOptions{Volunteers: 20000, Needs: 2000, Seed: 1})
	tx, err := index.Open(filepath.Join(b.TempDir(), "text.bleve"),
		index.Options{Synonyms: taxonomy.Load().SynonymGroups()})
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Close()
	if err := tx.Bulk(ctx, p.Volunteers, p.Needs); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		q    index.Query
	}{
		{"text/needs", index.Query{Text: "心理咨询", Kind: volmatch.ChangeNeed}},
		{"text/both", index.Query{Text: "陪伴 老人"}},
		{"text/one-character", index.Query{Text: "老", Kind: volmatch.ChangeNeed}},
		{"text/volunteers-skill", index.Query{Text: "垃圾分类", Kind: volmatch.ChangeVolunteer, District: "110105"}},
		{"near/needs-5km", index.Query{Kind: volmatch.ChangeNeed, Near: &tiananmen, WithinKm: 5, Status: volmatch.NeedOpen}},
		{"near/volunteers-3km", index.Query{Kind: volmatch.ChangeVolunteer, Near: &tiananmen, WithinKm: 3}},
		{"near/both-5km", index.Query{Near: &tiananmen, WithinKm: 5}},
		{"near+text/needs", index.Query{Text: "老人", Kind: volmatch.ChangeNeed, Near: &tiananmen, WithinKm: 10}},
	} {
		r, err := tx.Search(ctx, bc.q)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("%s/total=%d", bc.name, r.Total), func(b *testing.B) {
			for b.Loop() {
				if _, err := tx.Search(ctx, bc.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func ExampleText_Search() {
	ctx := context.Background()
	t, err := index.OpenMem(index.Options{Synonyms: [][]string{{"心理疏导", "心理咨询"}}})
	if err != nil {
		panic(err)
	}
	defer t.Close()
	_ = t.UpsertNeed(&volmatch.Need{ID: "n1", Title: "独居老人心理疏导", Domain: "psychology",
		Point: volmatch.Point{Lat: 39.9087, Lng: 116.3975}, Status: volmatch.NeedOpen})
	_ = t.UpsertNeed(&volmatch.Need{ID: "n2", Title: "垃圾分类宣传", Domain: "environment",
		Point: volmatch.Point{Lat: 39.9334, Lng: 116.4548}, Status: volmatch.NeedOpen})

	res, _ := t.Search(ctx, index.Query{Text: "心理咨询"})
	for _, h := range res.Hits {
		fmt.Println(h.Kind, h.ID)
	}
	res, _ = t.Search(ctx, index.Query{Near: &volmatch.Point{Lat: 39.9149, Lng: 116.4109}, WithinKm: 10})
	for _, h := range res.Hits {
		fmt.Printf("%s %.1f km\n", h.ID, h.DistanceKm)
	}
	// Output:
	// need n1
	// n1 1.3 km
	// n2 4.3 km
}

// BenchmarkBulk measures indexing: 5,000 generated volunteers and 500 needs
// into a new index on disk per operation.
func BenchmarkBulk(b *testing.B) {
	ctx := context.Background()
	p := datasets.Generate(datasets.GenOptions{Volunteers: 5000, Needs: 500, Seed: 1})
	o := index.Options{Synonyms: taxonomy.Load().SynonymGroups()}
	i := 0
	for b.Loop() {
		i++
		tx, err := index.Open(filepath.Join(b.TempDir(), fmt.Sprint(i)), o)
		if err != nil {
			b.Fatal(err)
		}
		if err := tx.Bulk(ctx, p.Volunteers, p.Needs); err != nil {
			b.Fatal(err)
		}
		if err := tx.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*(len(p.Volunteers)+len(p.Needs)))/b.Elapsed().Seconds(), "docs/s")
}

// TestSeqAlone checks the Seq applied without documents (a follower that
// applies only stats and fill counts): held in memory, newer than the
// written one, written with the next documents and at Close, and never
// moved back by an older Apply.
func TestSeqAlone(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "text.bleve")
	tx, err := index.Open(dir, index.Options{Synonyms: testSynonyms})
	if err != nil {
		t.Fatal(err)
	}
	for seq := uint64(1); seq <= 50; seq++ {
		if err := tx.Apply(nil, nil, []volmatch.Change{{Seq: seq, Kind: volmatch.ChangePool, ID: "P1", Deleted: true}}, seq); err != nil {
			t.Fatal(err)
		}
	}
	if seq, err := tx.Seq(); err != nil || seq != 50 {
		t.Fatalf("Seq() after 50 changes without documents = %d, %v, want 50", seq, err)
	}
	vs, ns := fixture()
	if err := tx.Apply(vs, ns, nil, 40); err != nil { // an older Seq with documents
		t.Fatal(err)
	}
	if seq, err := tx.Seq(); err != nil || seq != 50 {
		t.Errorf("Seq() after an older Apply = %d, %v, want 50", seq, err)
	}
	if err := tx.Apply(nil, nil, nil, 60); err != nil {
		t.Fatal(err)
	}
	if err := tx.Close(); err != nil {
		t.Fatal(err)
	}
	tx, err = index.Open(dir, index.Options{Synonyms: testSynonyms})
	if err != nil {
		t.Fatal(err)
	}
	if seq, err := tx.Seq(); err != nil || seq != 60 {
		t.Errorf("reopened Seq() = %d, %v, want 60 (written at Close)", seq, err)
	}
	if err := tx.Reset(); err != nil {
		t.Fatal(err)
	}
	if seq, err := tx.Seq(); err != nil || seq != 0 {
		t.Errorf("Seq() after Reset = %d, %v, want 0", seq, err)
	}
	tx.Close()
}
