package index_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"volmatch"
	"volmatch/index"
)

// testLabels name a few keys the fixture's volunteers hold.
var testLabels = map[string][]string{
	"first_aid":   {"急救"},
	"counselling": {"心理咨询"},
	"tutoring":    {"课业辅导"},
	"psychology":  {"心理"},
}

// TestPrivateText attacks search as a way to read what a masked view
// drops: before, the bio was indexed in the one text field every query
// read, so a social worker found a volunteer by a word of their bio. Now
// the bio is searched only by a query with Private (a caller who reads the
// whole record), and the public text holds what the masked view shows.
func TestPrivateText(t *testing.T) {
	tx := openFixture(t, index.Options{Synonyms: testSynonyms, Labels: testLabels})
	// A word only v1's bio holds.
	if err := tx.UpsertVolunteer(volunteer("v1", "持证手语翻译，业余养蜂二十年。", wangfujing)); err != nil {
		t.Fatal(err)
	}
	if err := tx.UpsertVolunteer(volunteer("v4", "", tiananmen, func(v *volmatch.Volunteer) {
		v.Skills = []volmatch.SkillLevel{{Skill: "tutoring", Level: 2}}
		v.Certificates = []volmatch.Certificate{{Name: "教师资格证", Expires: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}}
	})); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		q    index.Query
		want []string
	}{
		{"bio word, private", index.Query{Text: "养蜂", Kind: volmatch.ChangeVolunteer, Private: true}, []string{"v1"}},
		{"bio word, public", index.Query{Text: "养蜂", Kind: volmatch.ChangeVolunteer}, []string{}},
		{"bio word, both kinds, public", index.Query{Text: "养蜂"}, []string{}},
		{"bio character, public", index.Query{Text: "蜂"}, []string{}},
		{"bio synonym, public", index.Query{Text: "心理疏导", Kind: volmatch.ChangeVolunteer}, []string{"v3"}}, // v3's skill counselling is 心理咨询
		{"skill name, public", index.Query{Text: "课业辅导", Kind: volmatch.ChangeVolunteer}, []string{"v4"}},
		{"certificate name, public", index.Query{Text: "教师资格", Kind: volmatch.ChangeVolunteer}, []string{"v4"}},
		{"domain name, public", index.Query{Text: "心理", Kind: volmatch.ChangeVolunteer}, []string{"v3"}},
		{"skill key is no text", index.Query{Text: "tutoring", Kind: volmatch.ChangeVolunteer, Private: true}, []string{}},
	} {
		if got := searchIDs(t, tx, tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("%s: Search(%+v) = %v, want %v", tc.name, tc.q, got, tc.want)
		}
	}
}

// TestOrgScopeCounts attacks the counts: before, a social worker's search
// counted other organisations' needs in its total, and its first page,
// filled with them and emptied afterwards, came back empty. Org narrows the
// query itself.
func TestOrgScopeCounts(t *testing.T) {
	tx, err := index.OpenMem(index.Options{Synonyms: testSynonyms})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	var ns []*volmatch.Need
	for i := range 30 { // O2's come first by ID and by score
		ns = append(ns, need(fmt.Sprintf("a%02d", i), "心理疏导", "", tiananmen, func(n *volmatch.Need) { n.Org = "O2" }))
	}
	for i := range 3 {
		ns = append(ns, need(fmt.Sprintf("z%02d", i), "心理疏导", "", tiananmen, func(n *volmatch.Need) { n.Org = "O1" }))
	}
	if err := tx.Bulk(context.Background(), nil, ns); err != nil {
		t.Fatal(err)
	}
	for _, q := range []index.Query{
		{Text: "心理咨询", Org: "O1", Limit: 3},
		{Text: "心理咨询", Org: "O1", Kind: volmatch.ChangeNeed, Limit: 3},
		{Org: "O1", Near: &wangfujing, Limit: 3},
		{Org: "O1", Kind: volmatch.ChangeNeed, Near: &wangfujing, WithinKm: 5, Limit: 3},
	} {
		r, err := tx.Search(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(r); r.Total != 3 || !slices.Equal(got, []string{"z00", "z01", "z02"}) {
			t.Errorf("Search(%+v) = total %d, %v; want 3, [z00 z01 z02]", q, r.Total, got)
		}
	}
}

// TestVolunteerScope checks that Volunteers keeps the listed and the
// findable volunteers, in the total too, and that needs are not narrowed.
func TestVolunteerScope(t *testing.T) {
	tx := openFixture(t, index.Options{Synonyms: testSynonyms, Labels: testLabels})
	if err := tx.UpsertVolunteer(volunteer("v5", "", sanlitun, func(v *volmatch.Volunteer) {
		v.Consent.Findable = true
	})); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		q         index.Query
		want      []string
		wantTotal uint64
	}{
		{"ids and findable", index.Query{Kind: volmatch.ChangeVolunteer, Volunteers: &volmatch.VolunteerScope{IDs: []string{"v2", "v9"}, Findable: true}}, []string{"v2", "v5"}, 2},
		{"ids only", index.Query{Kind: volmatch.ChangeVolunteer, Volunteers: &volmatch.VolunteerScope{IDs: []string{"v3"}}}, []string{"v3"}, 1},
		{"nobody", index.Query{Kind: volmatch.ChangeVolunteer, Volunteers: &volmatch.VolunteerScope{}}, []string{}, 0},
		{"text, both kinds", index.Query{Text: "急救", Volunteers: &volmatch.VolunteerScope{Findable: true}}, []string{"n2", "v5"}, 2},
		{"near", index.Query{Kind: volmatch.ChangeVolunteer, Near: &tiananmen, Volunteers: &volmatch.VolunteerScope{IDs: []string{"v1", "v4"}}}, []string{"v1", "v4"}, 2},
	} {
		r, err := tx.Search(context.Background(), tc.q)
		if err != nil {
			t.Fatal(err)
		}
		got := ids(r)
		slices.Sort(got)
		if !slices.Equal(got, tc.want) || r.Total != tc.wantTotal {
			t.Errorf("%s: Search = total %d, %v; want %d, %v", tc.name, r.Total, got, tc.wantTotal, tc.want)
		}
	}
}

// TestAfter pages a listing by ID.
func TestAfter(t *testing.T) {
	tx := openFixture(t, index.Options{})
	var got []string
	after := ""
	for range 10 {
		r, err := tx.Search(context.Background(), index.Query{Kind: volmatch.ChangeVolunteer, After: after, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ids(r)...)
		if len(r.Hits) < 3 {
			break
		}
		after = r.Hits[len(r.Hits)-1].ID
	}
	if want := []string{"v1", "v2", "v3", "v4"}; !slices.Equal(got, want) {
		t.Errorf("pages = %v, want %v", got, want)
	}
	if _, err := tx.Search(context.Background(), index.Query{After: "v1", Text: "老"}); volmatch.ErrorField(err) != "after" {
		t.Errorf("After with text = %v, want EINVALID on after", err)
	}
}

// TestQueryBounded attacks the cost of a search: before, each character of
// a query became a wildcard clause over the whole term dictionary, and a
// 249-character query of single characters made 249 of them (and ran for
// minutes). Now the text is bounded (64 characters, 8 words), a word is
// matched by its bigrams and a one-character word by a term prefix, and
// the query built holds a bounded number of clauses.
func TestQueryBounded(t *testing.T) {
	tx := openFixture(t, index.Options{Synonyms: testSynonyms, Labels: testLabels})
	han := []rune("老人心理疏导手语急救陪诊垃圾分类宣传儿童课业辅导社区服务")
	long := func(n int, sep string) string {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteString(sep)
			}
			b.WriteRune(han[i%len(han)])
		}
		return b.String()
	}
	for _, tc := range []struct {
		name string
		text string
	}{
		{"249 characters, one word", long(249, "")},
		{"249 characters, spaced", long(125, " ")},
		{"9 words", "老 人 心 理 疏 导 手 语 急"},
	} {
		for _, q := range []index.Query{{Text: tc.text}, {Text: tc.text, Private: true, Kind: volmatch.ChangeVolunteer}} {
			_, err := tx.Search(context.Background(), q)
			if volmatch.ErrorCode(err) != volmatch.EINVALID || volmatch.ErrorField(err) != "q" {
				t.Errorf("%s: Search = %v, want EINVALID on q", tc.name, err)
			}
			if _, err := tx.Clauses(q); volmatch.ErrorField(err) != "q" {
				t.Errorf("%s: Clauses = %v, want EINVALID on q", tc.name, err)
			}
		}
	}
	// The largest queries allowed: their clauses stay far below what the
	// old 249 wildcards made, whatever the index holds.
	for _, text := range []string{
		long(64, ""), // one word: 63 bigrams
		long(8, " "), // 8 words of one character: 8 prefixes
		"心理疏导 心理咨询 手语翻译 应急救护 垃圾分类 课业辅导 社区服务 老人陪诊", // 8 words of synonyms
		strings.Repeat("心理疏导", 16), // 64 characters, taxonomy terms over and over
	} {
		for _, q := range []index.Query{
			{Text: text},
			{Text: text, Private: true, Kind: volmatch.ChangeVolunteer, Volunteers: &volmatch.VolunteerScope{IDs: []string{"v1"}, Findable: true}},
			{Text: text, Near: &tiananmen, WithinKm: 5, District: "110105", Org: "O1"},
		} {
			n, err := tx.Clauses(q)
			if err != nil {
				t.Fatalf("Clauses(%q): %v", text, err)
			}
			if n > index.MaxClauses {
				t.Errorf("Clauses(%q, private %v) = %d, want at most %d", text, q.Private, n, index.MaxClauses)
			}
			if _, err := tx.Search(context.Background(), q); err != nil {
				t.Errorf("Search(%q): %v", text, err)
			}
		}
	}
	// A one-character word is one prefix clause per text field, not a
	// wildcard: 1 (kind) + 2 (text, text_syn) for a need.
	if n, err := tx.Clauses(index.Query{Text: "老", Kind: volmatch.ChangeNeed}); err != nil || n != 3 {
		t.Errorf("Clauses(老) = %d, %v; want 3", n, err)
	}
}

// TestSearchCancelled checks that a search whose context is done stops
// with the context's error at once.
func TestSearchCancelled(t *testing.T) {
	tx := openFixture(t, index.Options{Synonyms: testSynonyms})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, q := range []index.Query{{Text: "老人"}, {Near: &tiananmen}, {}} {
		start := time.Now()
		_, err := tx.Search(ctx, q)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Search(%+v) with a cancelled context = %v, want context.Canceled", q, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("Search(%+v) with a cancelled context took %v", q, d)
		}
	}
}
