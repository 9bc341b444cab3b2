package peers

import (
	"context"
	"fmt"
	"strconv"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/search/query"

	"volmatch"
	"volmatch/matcher"
	"volmatch/matcher/grid"
	"volmatch/scoring"
)

// Bleve is the ranking as a Bleve user builds it: volunteers indexed with
// their home as a geopoint and their skills as keywords; a geo-distance
// query with a term per required skill finds the candidates, and the hits
// are gated and scored in Go by the same scorer (every hit, since Bleve
// cannot order by volmatch's score). The volunteers themselves are looked up
// by ID in memory, the fastest store a Bleve user could have beside it.
type Bleve struct {
	idx  bleve.Index
	byID map[string]*volmatch.Volunteer
	sc   *scoring.Scorer
}

// OpenBleve creates a Bleve index in dir (a new folder) to rank with sc.
func OpenBleve(dir string, sc *scoring.Scorer) (*Bleve, error) {
	m := bleve.NewIndexMapping()
	doc := bleve.NewDocumentMapping()
	doc.AddFieldMappingsAt("home", bleve.NewGeoPointFieldMapping())
	sk := bleve.NewTextFieldMapping()
	sk.Analyzer = keyword.Name
	sk.Store, sk.IncludeInAll, sk.IncludeTermVectors = false, false, false
	doc.AddFieldMappingsAt("skills", sk)
	m.DefaultMapping = doc
	m.StoreDynamic, m.IndexDynamic, m.DocValuesDynamic = false, false, false
	idx, err := bleve.New(dir, m)
	if err != nil {
		return nil, fmt.Errorf("peers: bleve: %w", err)
	}
	return &Bleve{idx: idx, byID: map[string]*volmatch.Volunteer{}, sc: sc}, nil
}

// Close closes the index.
func (b *Bleve) Close() error { return b.idx.Close() }

// Load indexes vs in batches of 5,000.
func (b *Bleve) Load(vs []*volmatch.Volunteer) error {
	batch := b.idx.NewBatch()
	for i, v := range vs {
		var skills []string
		for _, s := range v.Skills {
			// one term per skill and level held, so that "at least level m"
			// is one term: skill@m
			for l := 1; l <= scoring.ClampLevel(s.Level); l++ {
				skills = append(skills, s.Skill+"@"+strconv.Itoa(l))
			}
		}
		b.byID[v.ID] = v
		if err := batch.Index(v.ID, map[string]any{"home": map[string]any{"lat": v.Home.Lat, "lon": v.Home.Lng}, "skills": skills}); err != nil {
			return fmt.Errorf("peers: bleve: index %s: %w", v.ID, err)
		}
		if batch.Size() == 5000 || i == len(vs)-1 {
			if err := b.idx.Batch(batch); err != nil {
				return fmt.Errorf("peers: bleve: batch: %w", err)
			}
			batch.Reset()
		}
	}
	return nil
}

// Rank returns the top k volunteers for n's open shifts, in
// matcher.Rank's order, without breakdowns.
func (b *Bleve) Rank(ctx context.Context, n *volmatch.Need, k int) ([]volmatch.Match, error) {
	if len(matcher.OpenShifts(n, "")) == 0 {
		return []volmatch.Match{}, nil
	}
	// Bleve's own haversine and earth radius, with a margin; the exact
	// distance gate is the scorer's.
	geo := bleve.NewGeoDistanceQuery(n.Point.Lng, n.Point.Lat, strconv.FormatFloat(n.RadiusKm*1.001+0.05, 'f', 4, 64)+"km")
	geo.SetField("home")
	qs := []query.Query{geo}
	for _, s := range n.Requires.Skills {
		t := bleve.NewTermQuery(s.Skill + "@" + strconv.Itoa(scoring.ClampMin(s.Level)))
		t.SetField("skills")
		qs = append(qs, t)
	}
	total, err := b.idx.DocCount()
	if err != nil {
		return nil, fmt.Errorf("peers: bleve: %w", err)
	}
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(qs...), int(total), 0, false)
	req.Score = "none"
	req.SortBy([]string{"_id"})
	res, err := b.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("peers: bleve: rank %s: %w", n.ID, err)
	}
	hits := make([]*volmatch.Volunteer, 0, len(res.Hits))
	for _, h := range res.Hits {
		hits = append(hits, b.byID[h.ID])
	}
	r := matcher.Rank(n, grid.All(hits), b.sc, matcher.RankOptions{K: k})
	for i := range r.Matches {
		r.Matches[i].Breakdown = nil
	}
	return r.Matches, nil
}
