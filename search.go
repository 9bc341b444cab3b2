package volmatch

// SearchQuery is a text and place search over needs and volunteers. Every
// set field narrows the result.
type SearchQuery struct {
	// Text is free Chinese or other text. Each word (split at spaces and
	// punctuation) must occur in the need's title or description or the
	// volunteer's bio, as written or as a taxonomy synonym. A word of one
	// Chinese character matches any text holding it.
	Text string
	// Kind is "" for both, ChangeNeed or ChangeVolunteer.
	Kind ChangeKind
	// Near sorts the hits by distance from the point (nearest first, ties by
	// ID) instead of by score; WithinKm > 0 drops hits farther away.
	Near     *Point
	WithinKm float64
	// District and Domain keep records with the district code and domain
	// key (a volunteer's preferred domains); Skill keeps needs requiring the
	// skill key and volunteers holding it.
	District, Domain, Skill string
	// Status keeps needs with the status; it does not restrict volunteers.
	Status NeedStatus
	// Limit is the page size (0: the index's default), Offset the hits
	// skipped.
	Limit  int
	Offset int
}

// SearchHit is one found record.
type SearchHit struct {
	Kind  ChangeKind `json:"kind"`
	ID    string     `json:"id"`
	Score float64    `json:"score"`
	// DistanceKm is the distance from SearchQuery.Near (when set).
	DistanceKm float64 `json:"distance_km,omitempty"`
}

// SearchResult is a page of hits and the number of all matching records.
type SearchResult struct {
	Hits  []SearchHit `json:"hits"`
	Total uint64      `json:"total"`
}
