package volmatch

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

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

	// Org keeps only the needs of the organisation (volunteers are not
	// narrowed by it). The engine sets it for a social worker, so that the
	// index counts and pages only what the caller may see.
	Org string
	// Private lets the words also match what only a caller who reads a
	// volunteer's whole record may read (the bio). Without it words match
	// the volunteer's public text only (the names of their skills,
	// preferred domains, certificates and trainings). Volunteers' homes are
	// indexed coarse (Point.Coarse) either way.
	Private bool
	// Volunteers, when not nil, keeps only the volunteers it allows: who a
	// social worker may browse.
	Volunteers *VolunteerScope
	// Pool keeps only the members of the talent pool with this ID, as the
	// pool's record lists them (who the caller may see of them): a
	// volunteer search (Kind "" or ChangeVolunteer). The engine turns it
	// into Volunteers; the index does not read it.
	Pool string
	// After pages a listing by ID: with a Kind, no Text and no Near, the
	// hits start after the record with this ID.
	After string
}

// VolunteerScope is a set of volunteers: those whose ID is in IDs and, with
// Findable, those who consented to be found (Consent.Findable).
type VolunteerScope struct {
	IDs      []string
	Findable bool
}

// Bounds of a search's text: its cost grows with its words and characters.
const (
	MaxSearchRunes = 64 // characters of SearchQuery.Text
	MaxSearchWords = 8  // words of SearchQuery.Text (see SearchWords)
)

// SearchWords splits search text into the words a search matches, at
// spaces, punctuation and symbols.
func SearchWords(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r)
	})
}

// CheckText reports an EINVALID error on field "q" (the transports' name
// of the text) when the text is longer than MaxSearchRunes characters or
// has more than MaxSearchWords words.
func (q SearchQuery) CheckText() error {
	if n := utf8.RuneCountInString(q.Text); n > MaxSearchRunes {
		return FieldError("q", "must be at most %d characters, got %d", MaxSearchRunes, n)
	}
	if n := len(SearchWords(q.Text)); n > MaxSearchWords {
		return FieldError("q", "must be at most %d words, got %d", MaxSearchWords, n)
	}
	return nil
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
