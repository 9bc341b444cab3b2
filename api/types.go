package api

import (
	"time"

	"volmatch"
	"volmatch/engine"
)

// List is a page of a listing: the items and the cursor of the next page
// ("" on the last page), passed back as the cursor query parameter.
type List[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next"`
}

// ComponentView is one part of a score with its contribution (value ×
// weight).
type ComponentView struct {
	Name         string  `json:"name"`
	Value        float64 `json:"value"`
	Weight       float64 `json:"weight"`
	Contribution float64 `json:"contribution"`
}

// MatchView is one ranked candidate as served.
type MatchView struct {
	Rank       int             `json:"rank"`
	Volunteer  string          `json:"volunteer"`
	Shift      string          `json:"shift"`
	Score      float64         `json:"score"`
	DistanceKm float64         `json:"distance_km"`
	Breakdown  []ComponentView `json:"breakdown"`
}

// MatchesResponse is the answer of GET /v1/needs/{id}/matches: the ranked,
// explained candidates and the count excluded per hard gate. Batch is the id
// shared by the match.shown events of this listing.
type MatchesResponse struct {
	Need       string              `json:"need"`
	Shift      string              `json:"shift,omitempty"`
	Batch      string              `json:"batch"`
	Items      []MatchView         `json:"items"`
	Exclusions volmatch.Exclusions `json:"exclusions"`
	Considered int                 `json:"considered"`
	Eligible   int                 `json:"eligible"`
}

// InviteRequest asks to invite volunteers to a shift of a need.
type InviteRequest = engine.InviteRequest

// SignUpRequest names the volunteer an admin signs up from the menu (a
// volunteer leaves it out, or the body, for themself).
type SignUpRequest = engine.SignUpRequest

// SignUpResult is a sign-up's outcome: the assignment reserved, or the
// request awaiting the organisation's approval.
type SignUpResult = engine.SignUpResult

// BatchRequest asks for a batch assignment over listed needs or the open
// needs of a district.
type BatchRequest = engine.BatchRequest

// DispatchRequest asks for the next wave of an emergency dispatch.
type DispatchRequest = engine.DispatchRequest

// DispatchResponse is one wave sent.
type DispatchResponse = engine.Wave

// CheckinRequest checks an assignment in; At defaults to now.
type CheckinRequest struct {
	At *time.Time `json:"at,omitempty"`
}

// CheckoutRequest checks an assignment out; Hours defaults to the time
// since check-in, rounded to quarter hours.
type CheckoutRequest struct {
	At    *time.Time `json:"at,omitempty"`
	Hours float64    `json:"hours,omitempty"`
}

// RatingRequest rates a completed assignment, 1 to 5.
type RatingRequest struct {
	Rating int `json:"rating"`
}

// CancelRequest cancels a reserved assignment (or marks a no-show).
type CancelRequest struct {
	At     *time.Time `json:"at,omitempty"`
	Reason string     `json:"reason,omitempty"`
}

// SearchItem is one search hit: a need's title and facets, or a volunteer
// record as the caller may see it.
type SearchItem struct {
	Kind       string              `json:"kind"`
	ID         string              `json:"id"`
	Score      float64             `json:"score"`
	DistanceKm float64             `json:"distance_km,omitempty"`
	Title      string              `json:"title,omitempty"`
	Domain     string              `json:"domain,omitempty"`
	District   string              `json:"district,omitempty"`
	Status     string              `json:"status,omitempty"`
	Volunteer  *volmatch.Volunteer `json:"volunteer,omitempty"`
	// Record is a catalogue record's public description (a talent pool,
	// a station ...).
	Record *volmatch.CatalogDoc `json:"record,omitempty"`
}

// SearchResponse is a page of search hits; Next is the offset of the next
// page ("" on the last).
type SearchResponse struct {
	Items []SearchItem `json:"items"`
	Total int          `json:"total"`
	Next  string       `json:"next"`
}

// Me describes the caller's token.
type Me struct {
	Role      volmatch.Role `json:"role"`
	Org       string        `json:"org,omitempty"`
	Volunteer string        `json:"volunteer,omitempty"`
	Name      string        `json:"name,omitempty"`
}

// Status is the body of the health routes.
type Status struct {
	Status  string `json:"status"`
	Applied int    `json:"applied,omitempty"`
}
