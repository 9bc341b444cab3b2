// Package index is volmatch's Bleve adapter: the text index (Text) for
// free-text and "near me" search over needs and volunteers, derived from the
// store. It is the only package that imports Bleve. The in-memory grids the
// matcher reads live in package matcher/grid, and the follower that keeps
// both in step with the store in package engine.
//
// # Text index
//
// Needs and volunteers are two Bleve document types. Free text (a need's
// title and description, a volunteer's bio) is analysed with Bleve's cjk
// analyzer (bigrams), so any word of two characters or more is found inside
// longer text: a query for 手语 finds a bio that says 手语翻译. The terms of
// the skill taxonomy are indexed a second time, whole, in a field that carries
// a Bleve synonym source fed with the taxonomy's synonym groups (passed in
// Options; package taxonomy provides them), so that a query for 心理咨询
// finds a need that says 心理疏导. Tags (district, street, domain, target
// group, mode, urgency, status, skill keys, certificates, trainings,
// languages) are keyword fields; skills match by key, never by name. Needs
// have a geopoint "point", volunteers "home", for searches sorted by
// distance. Volunteer names and phones are never indexed and no field is
// stored: a hit carries only the kind, the ID, the score and the distance.
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
