package evaluation

import (
	"time"

	"volmatch"
)

// Filter selects the part of the log a report covers. Zero fields select all:
// a zero From or To leaves that end of the window open. The window is
// [From, To) on the event's At; whether it selects needs by their posting
// (cohort metrics) or events by when they happened (activity metrics) is
// documented per metric (see the package comment).
type Filter struct {
	From        time.Time `json:"from,omitzero"`
	To          time.Time `json:"to,omitzero"`
	District    string    `json:"district,omitempty"`
	Street      string    `json:"street,omitempty"`
	Domain      string    `json:"domain,omitempty"`
	TargetGroup string    `json:"target_group,omitempty"`
	Org         string    `json:"org,omitempty"`
	// Needs, when not nil, selects the events of these needs only (a
	// project's: see ProjectReport).
	Needs map[string]bool `json:"-"`
	// MinGroup is not a selection: when above 1, every figure about people
	// computed from fewer than MinGroup of them (but at least one) is
	// withheld, null in JSON and named in its cell's Suppressed (see the
	// package comment). 0 withholds nothing; the engine always sets it.
	MinGroup int `json:"min_group,omitempty"`
}

// Matches reports whether ev passes the filter's attribute conditions (not
// the time window).
func (f Filter) Matches(ev *volmatch.Event) bool {
	return (f.District == "" || ev.District == f.District) &&
		(f.Street == "" || ev.Street == f.Street) &&
		(f.Domain == "" || ev.Domain == f.Domain) &&
		(f.TargetGroup == "" || ev.TargetGroup == f.TargetGroup) &&
		(f.Org == "" || ev.Org == f.Org) && (f.Needs == nil || f.Needs[ev.Need])
}

// InWindow reports whether t falls in [From, To).
func (f Filter) InWindow(t time.Time) bool {
	return (f.From.IsZero() || !t.Before(f.From)) && (f.To.IsZero() || t.Before(f.To))
}

// GroupKey names the attribute a breakdown groups by.
type GroupKey string

// Group keys: the need attributes every event carries.
const (
	ByDistrictKey    GroupKey = "district"
	ByStreetKey      GroupKey = "street"
	ByDomainKey      GroupKey = "domain"
	ByTargetGroupKey GroupKey = "target_group"
	ByOrgKey         GroupKey = "org"
)

// value returns ev's attribute named by k ("" for an unknown key).
func (k GroupKey) value(ev *volmatch.Event) string {
	switch k {
	case ByDistrictKey:
		return ev.District
	case ByStreetKey:
		return ev.Street
	case ByDomainKey:
		return ev.Domain
	case ByTargetGroupKey:
		return ev.TargetGroup
	case ByOrgKey:
		return ev.Org
	}
	return ""
}

// narrow returns f with the attribute k set to v.
func (k GroupKey) narrow(f Filter, v string) Filter {
	switch k {
	case ByDistrictKey:
		f.District = v
	case ByStreetKey:
		f.Street = v
	case ByDomainKey:
		f.Domain = v
	case ByTargetGroupKey:
		f.TargetGroup = v
	case ByOrgKey:
		f.Org = v
	}
	return f
}

// Valid reports whether k is one of the group keys.
func (k GroupKey) Valid() bool {
	switch k {
	case ByDistrictKey, ByStreetKey, ByDomainKey, ByTargetGroupKey, ByOrgKey:
		return true
	}
	return false
}
