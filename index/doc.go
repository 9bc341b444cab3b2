// Package index holds the derived indexes of volmatch, kept in step with the
// store: the Bleve text index (Text) for free-text and "near me" search over
// needs and volunteers, and the in-memory feature index (Features) that the
// matcher reads. It is the only package that imports Bleve.
//
// # Text index
//
// Needs and volunteers are two Bleve document types. Free text (a need's
// title and description, a volunteer's bio) is analysed with Bleve's cjk
// analyzer (bigrams), so any word of two characters or more is found inside
// longer text: a query for 手语 finds a bio that says 手语翻译. The terms of
// the skill taxonomy are indexed a second time, whole, in a field that carries
// a Bleve synonym source fed with the taxonomy's synonym groups (passed in
// Options; package datasets provides them), so that a query for 心理咨询
// finds a need that says 心理疏导. Tags (district, street, domain, target
// group, mode, urgency, status, skill keys, certificates, trainings,
// languages) are keyword fields; skills match by key, never by name. Needs
// have a geopoint "point", volunteers "home", for searches sorted by
// distance. Volunteer names and phones are never indexed and no field is
// stored: a hit carries only the kind, the ID, the score and the distance.
//
//	t, err := index.Open(filepath.Join(dir, "text.bleve"), index.Options{
//		Synonyms: datasets.LoadTaxonomy().SynonymGroups()})
//	...
//	res, err := t.Search(ctx, index.Query{Text: "心理咨询 老人", Kind: volmatch.ChangeNeed,
//		Near: &volmatch.Point{Lat: 39.91, Lng: 116.40}, WithinKm: 5})
//
// Hits are ordered by score (or by distance with Query.Near), ties broken by
// ID, so the same index and query always give the same page.
//
// # Keeping in step
//
// The index records the store change Seq it has applied (Text.Seq). A
// Follower reads the store's change feed: at Start it rebuilds a new or
// emptied text index from the store, or catches up from its Seq, and loads
// the feature index in full; CatchUp applies new changes to both; Run polls
// CatchUp so that one replica sees the writes of the others. An index built
// with other synonym groups or an older mapping is dropped at Open and so
// rebuilt.
package index
