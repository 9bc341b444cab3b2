package grid

import (
	"slices"
	"strings"
	"sync"
	"unique"

	"volmatch"
)

// Slim returns a copy of v for the in-memory feature index, which keeps a
// million of them: without what matching never reads (name, phone, bio,
// hidden preferences), with its repeated strings (district, street, gender,
// skill, certificate, training, language, domain, team and pool keys)
// shared through unique handles (decoding gives each its own copy). The copy
// shares no slice with v, but its short key lists are shared with other
// slim copies: treat it as read-only, as Features does.
func Slim(v *volmatch.Volunteer) *volmatch.Volunteer {
	c := *v
	c.Name, c.Phone, c.Bio, c.Hidden = "", "", "", nil
	// The ID is the one string not interned: copy it, since a fast decoder's
	// strings may point into the whole record's bytes, which a held ID
	// would keep alive (1.1 -> 2.2 GiB at 1M volunteers).
	c.ID = strings.Clone(v.ID)
	c.Gender, c.District, c.Street = intern(c.Gender), intern(c.District), intern(c.Street)
	if v.Skills != nil {
		c.Skills = make([]volmatch.SkillLevel, len(v.Skills))
		for i, s := range v.Skills {
			c.Skills[i] = volmatch.SkillLevel{Skill: intern(s.Skill), Level: s.Level}
		}
	}
	if v.Certificates != nil {
		c.Certificates = make([]volmatch.Certificate, len(v.Certificates))
		for i, x := range v.Certificates {
			c.Certificates[i] = volmatch.Certificate{Name: intern(x.Name), Expires: x.Expires}
		}
	}
	c.Exceptions = slices.Clone(v.Exceptions)
	c.Trainings, c.Languages = internAll(v.Trainings), internAll(v.Languages)
	c.PreferredDomains, c.Teams, c.Pools = internAll(v.PreferredDomains), internAll(v.Teams), internAll(v.Pools)
	return &c
}

// intern returns the canonical copy of s.
func intern(s string) string {
	if s == "" {
		return ""
	}
	return unique.Make(s).Value()
}

// internAll returns a copy of xs with its strings interned; lists of up to
// two keys (most of them: one language, a team) are themselves shared.
func internAll(xs []string) []string {
	switch len(xs) {
	case 0:
		if xs == nil {
			return nil
		}
		return []string{}
	case 1, 2:
		key := xs[0]
		if len(xs) == 2 {
			key += "\x00" + xs[1]
		}
		if l, ok := sharedLists.Load(key); ok {
			return l.([]string)
		}
		out := make([]string, len(xs))
		for i, x := range xs {
			out[i] = intern(x)
		}
		out = out[:len(out):len(out)] // an append copies
		l, _ := sharedLists.LoadOrStore(intern(key), out)
		return l.([]string)
	}
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = intern(x)
	}
	return out
}

// sharedLists holds the shared lists of one or two keys, by their keys
// joined with NUL. Keys come from the taxonomy, teams from streets: the
// table stays small.
var sharedLists sync.Map
