package volmatch

import (
	"strings"
	"time"
)

// SkillLevel is a skill from the taxonomy (its English key) held or required
// at a level: 1 basic, 2 skilled, 3 expert (a professional).
type SkillLevel struct {
	Skill string `json:"skill"`
	Level int    `json:"level"`
}

// Certificate is a qualification with an expiry date (急救证, 心理咨询师证 ...).
type Certificate struct {
	Name    string    `json:"name"`
	Expires time.Time `json:"expires"`
}

// ValidOn reports whether the certificate is valid at t.
func (c Certificate) ValidOn(t time.Time) bool { return t.Before(c.Expires) }

// Exception is a dated period in which the volunteer is not available,
// overriding the weekly pattern.
type Exception struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Consent records what the volunteer agreed to.
type Consent struct {
	// ShareContact allows contact details to be shown to an organisation whose
	// invitation the volunteer accepted.
	ShareContact bool `json:"share_contact"`
	// Emergency allows emergency mobilisation (应急动员).
	Emergency bool `json:"emergency"`
	// Findable lets every organisation's social workers find, list and
	// read the volunteer (masked), not only those whose needs they fit.
	Findable bool `json:"findable,omitempty"`
}

// Volunteer is a registered volunteer. ID is the unified volunteer number
// (志愿者统一编号). Name and Phone are personal information: masked unless the
// privacy rules allow them (see Masked), never logged.
type Volunteer struct {
	ID               string        `json:"id"`
	Name             string        `json:"name"`
	Phone            string        `json:"phone"`
	Gender           string        `json:"gender,omitempty"` // "f", "m" or empty
	BirthYear        int           `json:"birth_year,omitempty"`
	Home             Point         `json:"home"`
	District         string        `json:"district"` // district code, 110105
	Street           string        `json:"street"`   // street code, 110105001000
	MaxTravelKm      float64       `json:"max_travel_km"`
	Skills           []SkillLevel  `json:"skills"`
	Certificates     []Certificate `json:"certificates"`
	Trainings        []string      `json:"trainings"`
	InsuredUntil     time.Time     `json:"insured_until"`
	Languages        []string      `json:"languages"`
	PreferredDomains []string      `json:"preferred_domains"`
	Availability     Week          `json:"availability"`
	Exceptions       []Exception   `json:"exceptions,omitempty"`
	Teams            []string      `json:"teams,omitempty"`
	Pools            []string      `json:"pools,omitempty"`
	Consent          Consent       `json:"consent"`
	Bio              string        `json:"bio,omitempty"` // free text, searchable

	// Claims are the qualifications the volunteer claimed that nobody has
	// verified yet; Skills, Certificates, Trainings and InsuredUntil hold
	// only verified values, which the hard gates read (see HoldClaims).
	Claims *Claims `json:"claims,omitempty"`
	// VerifiedBy and VerifiedAt record the last verification of claims:
	// the organisation's ID or "admin". Written only by Verify.
	VerifiedBy string    `json:"verified_by,omitempty"`
	VerifiedAt time.Time `json:"verified_at,omitzero"`

	// Derived from the event log; never written by clients.
	Stats VolunteerStats `json:"stats"`

	// Hidden holds the synthetic population's true preferences, used only to
	// simulate outcomes. The scorer never reads it and the API never shows it.
	Hidden *HiddenPreferences `json:"hidden,omitempty"`

	UpdatedAt time.Time `json:"updated_at"`
}

// VolunteerStats are the derived figures of a volunteer.
type VolunteerStats struct {
	Hours       float64 `json:"hours"`       // recorded service hours
	Completed   int     `json:"completed"`   // completed assignments
	NoShows     int     `json:"no_shows"`    // assignments not turned up for
	Cancelled   int     `json:"cancelled"`   // assignments cancelled by the volunteer
	Declined    int     `json:"declined"`    // invitations declined
	Load        int     `json:"load"`        // assignments in the last 30 days and upcoming
	Reliability float64 `json:"reliability"` // in [0,1]; see Reliability
}

// Reliability returns a smoothed share of kept commitments: (completed + 2) /
// (completed + no-shows + cancellations + 2.5), so a newcomer starts at 0.8.
func (s VolunteerStats) ReliabilityScore() float64 {
	return (float64(s.Completed) + 2) / (float64(s.Completed+s.NoShows+s.Cancelled) + 2.5)
}

// Stars returns the star level (星级志愿者) for recorded hours:
// 100/300/600/1000/1500 hours give one to five stars.
func Stars(hours float64) int {
	n := 0
	for _, h := range StarHours {
		if hours >= h {
			n++
		}
	}
	return n
}

// HiddenPreferences are a synthetic volunteer's true tastes, which the
// simulation uses to decide accept, decline, no-show and ratings.
type HiddenPreferences struct {
	DomainAffinity map[string]float64 `json:"domain_affinity"` // domain -> [0,1]
	DistanceTolKm  float64            `json:"distance_tol_km"` // beyond this, acceptance drops
	Responsiveness float64            `json:"responsiveness"`  // base probability of accepting
	Flakiness      float64            `json:"flakiness"`       // probability of not turning up
	Quality        float64            `json:"quality"`         // mean rating tendency in [0,1]
}

// Validate checks the fields a client writes.
func (v *Volunteer) Validate() error {
	if err := validID("id", v.ID); err != nil {
		return err
	}
	if strings.TrimSpace(v.Name) == "" {
		return FieldError("name", "is required")
	}
	if err := checkLens(
		textField{"name", v.Name, MaxNameLen},
		textField{"phone", v.Phone, MaxPhoneLen},
		textField{"district", v.District, MaxCodeLen},
		textField{"street", v.Street, MaxCodeLen},
		textField{"bio", v.Bio, MaxBioLen},
	); err != nil {
		return err
	}
	if err := v.Home.Validate("home"); err != nil {
		return err
	}
	if v.MaxTravelKm < 0 || v.MaxTravelKm > 200 {
		return FieldError("max_travel_km", "must be between 0 and 200, got %v", v.MaxTravelKm)
	}
	if v.Gender != "" && v.Gender != "f" && v.Gender != "m" {
		return FieldError("gender", "must be f, m or empty, got %q", v.Gender)
	}
	if err := validSkills("skills", v.Skills); err != nil {
		return err
	}
	if err := validCertificates("certificates", v.Certificates); err != nil {
		return err
	}
	if err := CheckTime("insured_until", v.InsuredUntil); err != nil {
		return err
	}
	if err := validTags("trainings", v.Trainings); err != nil {
		return err
	}
	if err := validTags("languages", v.Languages); err != nil {
		return err
	}
	for _, l := range []struct {
		field string
		tags  []string
	}{{"preferred_domains", v.PreferredDomains}, {"teams", v.Teams}, {"pools", v.Pools}} {
		if err := checkTags(l.field, l.tags); err != nil {
			return err
		}
	}
	if v.Claims != nil {
		if err := v.Claims.validate(); err != nil {
			return err
		}
	}
	return eachItem("exceptions", v.Exceptions, MaxExceptions, func(f string, e Exception) error {
		if e.Start.IsZero() {
			return FieldError(f+".start", "is required")
		}
		if !e.End.After(e.Start) {
			return FieldError(f+".end", "must be after start").WithReason(ReasonEndBeforeStart)
		}
		if err := CheckTime(f+".start", e.Start); err != nil {
			return err
		}
		return CheckTime(f+".end", e.End)
	})
}

// CheckSkills reports a skill or preferred domain key that known does not hold.
func (v *Volunteer) CheckSkills(known func(key string) bool) error {
	for i, s := range v.Skills {
		if !known(s.Skill) {
			return FieldError(fieldIndex("skills", i)+".skill", "unknown skill key %q", s.Skill)
		}
	}
	for i, d := range v.PreferredDomains {
		if !known(d) {
			return FieldError(fieldIndex("preferred_domains", i), "unknown domain key %q", d)
		}
	}
	return nil
}

// AvailableAt reports whether the volunteer is free for every hour of
// [start, end) by the weekly pattern and the dated exceptions.
func (v *Volunteer) AvailableAt(start, end time.Time) bool {
	if !v.Availability.Covers(ShiftHours(start, end)) {
		return false
	}
	for _, e := range v.Exceptions {
		if e.Start.Before(end) && start.Before(e.End) {
			return false
		}
	}
	return true
}

// SkillLevelOf returns the volunteer's level in skill, 0 when not held.
func (v *Volunteer) SkillLevelOf(skill string) int {
	for _, s := range v.Skills {
		if s.Skill == skill {
			return s.Level
		}
	}
	return 0
}

// Masked returns a copy without personal information: the name reduced to its
// first character and "*", the phone to its last four digits, the home point
// to about a kilometre (Point.Coarse), the free-text bio and the hidden
// preferences dropped.
func (v *Volunteer) Masked() *Volunteer {
	c := *v
	c.Name = MaskName(v.Name)
	c.Phone = MaskPhone(v.Phone)
	c.Home = v.Home.Coarse()
	c.Bio = ""
	c.Hidden = nil
	return &c
}

// MaskName keeps the first character of a name: 王小明 -> 王**.
func MaskName(name string) string {
	r := []rune(name)
	if len(r) == 0 {
		return ""
	}
	return string(r[0]) + strings.Repeat("*", max(1, len(r)-1))
}

// MaskPhone keeps the last four digits: 13812345678 -> *******5678.
func MaskPhone(phone string) string {
	if len(phone) <= 4 {
		return strings.Repeat("*", len(phone))
	}
	return strings.Repeat("*", len(phone)-4) + phone[len(phone)-4:]
}
