// Package index is volmatch's Bleve adapter: the text index (Text) for
// free-text and "near me" search over needs and volunteers, derived from the
// store. It is the only package that imports Bleve. The in-memory grids the
// matcher reads live in package matcher/grid, and the follower that keeps
// both in step with the store in package engine.
//
// # Text index
//
// Needs and volunteers are two Bleve document types. Free text is analysed
// into bigrams (Bleve's cjk analysis, plus the last character of each run
// of ideographs), so any word of two characters or more is found inside
// longer text, through a match query of its bigrams: a query for 手语 finds
// a bio that says 手语翻译; a word of one character is found by a prefix
// query, which reads only the terms that start with it (no wildcard, whose
// cost grows with the whole dictionary). The terms of the skill taxonomy
// are indexed a second time, whole, in a field that carries a Bleve synonym
// source fed with the taxonomy's synonym groups (passed in Options;
// package taxonomy provides them), so that a query for 心理咨询 finds a
// need that says 心理疏导. Tags (district, street, domain, target group,
// mode, urgency, status, organisation, skill keys, certificates, trainings,
// languages, a volunteer's consent to be found) are keyword fields; skills
// match by key.
//
// # Catalogue records
//
// Talent pools, stations and the other kinds volmatch.CatalogKinds lists
// are a third document type, written from a volmatch.CatalogDoc (UpsertDocs):
// the record's name and description with the labels of its domain and
// keys, analysed as above, its place, and its audience (everyone, or only
// its organisation's staff; an admin's query with Private reads all). A
// query without a kind searches needs, volunteers and the catalogue; with
// a point each apart (volunteers keep their points in another field) and
// merged by distance.
//
// # What a caller may read, it may search
//
// A volunteer's text is kept in two parts. The public text is what a
// masked view shows (the names of their skills, domains, trainings and
// languages from Options.Labels, and their certificates' names); the
// private text (the bio) sits in fields of its own that only a Query with
// Private reads. Volunteers' homes are indexed at the coarse point a masked
// view shows (volmatch.Point.Coarse), so no distance, filter or sort order
// says more. Volunteer names and phones are never indexed and no field is
// stored: a hit carries only the kind, the ID, the score and the distance.
// A caller's scope is part of the query (Query.Org for needs,
// Query.Volunteers for volunteers), so totals and pages count only what
// the caller may see.
//
// # Cost
//
// The text is bounded (volmatch.MaxSearchRunes characters,
// volmatch.MaxSearchWords words), the query built is counted (Clauses) and
// refused over MaxClauses, and a search stops with its context.
//
//	t, err := index.Open(filepath.Join(dir, "text.bleve"), index.Options{
//		Synonyms: taxonomy.Load().SynonymGroups()})
//	...
//	res, err := t.Search(ctx, index.Query{Text: "心理咨询 老人", Kind: volmatch.ChangeNeed,
//		Near: &volmatch.Point{Lat: 39.91, Lng: 116.40}, WithinKm: 5})
//
// Hits are ordered by score (or by distance with Query.Near), ties broken by
// ID, so the same index and query always give the same page.
//
// # Keeping in step
//
// The index records the store change Seq it has applied (Text.Seq): Apply
// writes a page of changes and the new Seq in one batch, so the Seq never
// runs ahead of the documents, and an engine.Follower catches up from it
// at start (or rebuilds a new or emptied index with Reset and Bulk). An
// index built with other synonym groups or an older mapping is dropped at
// Open and so rebuilt.
package index
