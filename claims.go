package volmatch

import (
	"slices"
	"strings"
	"time"
)

// Qualifications are verified, not claimed. A volunteer's Skills,
// Certificates, Trainings and InsuredUntil hold only values an
// organisation or an admin stands behind: the ones registered by an admin
// or imported, and the ones verified since. What a volunteer writes about
// themself that would qualify them for more (a new skill or a higher
// level, a new certificate or a later expiry, a new training, insurance
// until later) is kept apart as Claims, pending, while the verified values
// stay in force; the hard gates read only the verified fields, so a claim
// qualifies nobody until staff verify it (Verify). What lowers a
// qualification (a skill dropped or lowered, a certificate withdrawn or
// expiring sooner, a training removed, insurance ending sooner) takes
// effect at once: it can only keep a volunteer from work.

// Claims are the qualifications a volunteer claimed and no organisation or
// admin has verified yet.
type Claims struct {
	Skills       []SkillLevel  `json:"skills,omitempty"`       // new skills and raised levels
	Certificates []Certificate `json:"certificates,omitempty"` // new certificates and later expiries
	Trainings    []string      `json:"trainings,omitempty"`    // trainings not verified
	InsuredUntil time.Time     `json:"insured_until,omitzero"` // a later end of insurance
	At           time.Time     `json:"at,omitzero"`            // when last claimed
}

// Empty reports whether c claims nothing.
func (c *Claims) Empty() bool {
	return c == nil || len(c.Skills) == 0 && len(c.Certificates) == 0 && len(c.Trainings) == 0 && c.InsuredUntil.IsZero()
}

// Clone returns a copy of c whose lists are its own (nil for nil).
func (c *Claims) Clone() *Claims {
	if c == nil {
		return nil
	}
	x := c.clone()
	return &x
}

func (c *Claims) clone() Claims {
	if c == nil {
		return Claims{}
	}
	return Claims{Skills: slices.Clone(c.Skills), Certificates: slices.Clone(c.Certificates),
		Trainings: slices.Clone(c.Trainings), InsuredUntil: c.InsuredUntil, At: c.At}
}

// validate checks the claims as the record's own fields are checked.
func (c *Claims) validate() error {
	if err := validSkills("claims.skills", c.Skills); err != nil {
		return err
	}
	if err := validCertificates("claims.certificates", c.Certificates); err != nil {
		return err
	}
	if err := validTags("claims.trainings", c.Trainings); err != nil {
		return err
	}
	if err := CheckTime("claims.insured_until", c.InsuredUntil); err != nil {
		return err
	}
	return CheckTime("claims.at", c.At)
}

// validCertificates checks a list of certificates: at most MaxListLen, each
// named (at most MaxCodeLen characters) with an expiry in [MinTime,
// MaxTime).
func validCertificates(field string, cs []Certificate) error {
	return eachItem(field, cs, MaxListLen, func(f string, c Certificate) error {
		if strings.TrimSpace(c.Name) == "" {
			return FieldError(f+".name", "is required")
		}
		if err := checkLen(f+".name", c.Name, MaxCodeLen); err != nil {
			return err
		}
		if c.Expires.IsZero() {
			return FieldError(f+".expires", "is required")
		}
		return CheckTime(f+".expires", c.Expires)
	})
}

func (c *Claims) setSkill(s SkillLevel) {
	c.dropSkill(s.Skill)
	c.Skills = append(c.Skills, s)
}

func (c *Claims) dropSkill(skill string) {
	c.Skills = slices.DeleteFunc(c.Skills, func(x SkillLevel) bool { return x.Skill == skill })
}

func (c *Claims) setCertificate(x Certificate) {
	c.dropCertificate(x.Name)
	c.Certificates = append(c.Certificates, x)
}

func (c *Claims) dropCertificate(name string) {
	c.Certificates = slices.DeleteFunc(c.Certificates, func(x Certificate) bool { return x.Name == name })
}

func (c *Claims) dropTraining(t string) {
	c.Trainings = slices.DeleteFunc(c.Trainings, func(x string) bool { return x == t })
}

// expiries returns each certificate name's latest expiry in cs.
func expiries(cs []Certificate) map[string]time.Time {
	m := make(map[string]time.Time, len(cs))
	for _, c := range cs {
		if e, ok := m[c.Name]; !ok || c.Expires.After(e) {
			m[c.Name] = c.Expires
		}
	}
	return m
}

// HoldClaims turns v, a record the volunteer wrote about themself over
// old, the stored record, into the record to store: every change that
// lowers a qualification applies, every one that would raise it becomes a
// pending claim (old's value stays in force), and the claims already
// pending stay (v.Claims, when the volunteer sent them, replaces them: an
// empty list withdraws them). Fields only staff write are old's: the
// talent pools (the pools' records are the source, see TalentPool) and the
// last verification. A claim no higher than the verified value is
// dropped. now stamps a new claim.
func (v *Volunteer) HoldClaims(old *Volunteer, now time.Time) {
	c := old.Claims.clone()
	if v.Claims != nil {
		c = v.Claims.clone()
	}
	before := c.clone()

	// Skills: the verified level stays unless lowered; higher is claimed.
	level := map[string]int{}
	for _, s := range old.Skills {
		level[s.Skill] = max(level[s.Skill], s.Level)
	}
	listed := map[string]bool{}
	var skills []SkillLevel
	for _, s := range v.Skills {
		listed[s.Skill] = true
		l, ok := level[s.Skill]
		switch {
		case ok && s.Level <= l:
			skills = append(skills, s)
			if s.Level < l {
				c.dropSkill(s.Skill)
			}
		case ok:
			skills = append(skills, SkillLevel{Skill: s.Skill, Level: l})
			c.setSkill(s)
		default:
			c.setSkill(s)
		}
	}
	for s := range level {
		if !listed[s] {
			c.dropSkill(s) // dropped by the volunteer
		}
	}
	v.Skills = skills

	// Certificates: the verified expiry stays unless brought forward; a
	// later one or a new certificate is claimed.
	verified := expiries(old.Certificates)
	named := map[string]bool{}
	var certs []Certificate
	for _, x := range v.Certificates {
		exp, ok := verified[x.Name]
		switch {
		case ok && !x.Expires.After(exp):
			certs = append(certs, x)
			if x.Expires.Before(exp) {
				c.dropCertificate(x.Name)
			}
		case ok:
			if !named[x.Name] {
				certs = append(certs, Certificate{Name: x.Name, Expires: exp})
			}
			c.setCertificate(x)
		default:
			c.setCertificate(x)
		}
		named[x.Name] = true
	}
	for name := range verified {
		if !named[name] {
			c.dropCertificate(name)
		}
	}
	v.Certificates = certs

	// Trainings: a verified one stays; a new one is claimed.
	var trainings []string
	for _, t := range v.Trainings {
		if slices.Contains(old.Trainings, t) {
			trainings = append(trainings, t)
		} else if !slices.Contains(c.Trainings, t) {
			c.Trainings = append(c.Trainings, t)
		}
	}
	v.Trainings = trainings

	// Insurance: a later end is claimed.
	switch {
	case v.InsuredUntil.After(old.InsuredUntil):
		c.InsuredUntil, v.InsuredUntil = v.InsuredUntil, old.InsuredUntil
	case v.InsuredUntil.Before(old.InsuredUntil):
		c.InsuredUntil = time.Time{}
	}

	v.Pools = slices.Clone(old.Pools)
	v.VerifiedBy, v.VerifiedAt = old.VerifiedBy, old.VerifiedAt
	v.Claims = &c
	v.PruneClaims()
	if v.Claims != nil && !sameClaims(before, *v.Claims) {
		v.Claims.At = now
	}
}

// sameClaims reports whether a and b claim the same, At aside.
func sameClaims(a, b Claims) bool {
	return slices.Equal(a.Skills, b.Skills) && slices.EqualFunc(a.Certificates, b.Certificates, func(x, y Certificate) bool {
		return x.Name == y.Name && x.Expires.Equal(y.Expires)
	}) && slices.Equal(a.Trainings, b.Trainings) && a.InsuredUntil.Equal(b.InsuredUntil)
}

// PruneClaims drops the claims the verified fields already meet (a level
// no higher, an expiry no later, a training held, insurance no longer) and
// the claims altogether when none is left.
func (v *Volunteer) PruneClaims() {
	c := v.Claims
	if c == nil {
		return
	}
	c.Skills = slices.DeleteFunc(c.Skills, func(s SkillLevel) bool { return s.Level <= v.SkillLevelOf(s.Skill) })
	exp := expiries(v.Certificates)
	c.Certificates = slices.DeleteFunc(c.Certificates, func(x Certificate) bool {
		e, ok := exp[x.Name]
		return ok && !x.Expires.After(e)
	})
	c.Trainings = slices.DeleteFunc(c.Trainings, func(t string) bool { return slices.Contains(v.Trainings, t) })
	if !c.InsuredUntil.After(v.InsuredUntil) {
		c.InsuredUntil = time.Time{}
	}
	if c.Empty() {
		v.Claims = nil
	}
}

// Verification names the pending claims an organisation or an admin
// verifies (or, with Reject, refuses): skills by key, certificates by
// name, trainings, the insurance, or All of them.
type Verification struct {
	Skills       []string `json:"skills,omitempty"`
	Certificates []string `json:"certificates,omitempty"`
	Trainings    []string `json:"trainings,omitempty"`
	Insurance    bool     `json:"insurance,omitempty"`
	All          bool     `json:"all,omitempty"`
	// Reject drops the named claims instead: the verified values stay.
	Reject bool `json:"reject,omitempty"`
}

// Verify applies r to v's pending claims on behalf of by (an organisation
// ID or "admin") at now: each named claim becomes the verified value (or
// is dropped with Reject), and VerifiedBy and VerifiedAt record who
// decided. It returns EINVALID naming the field of a claim that is not
// pending, or when r names nothing.
func (v *Volunteer) Verify(r Verification, by string, now time.Time) error {
	if !r.All && len(r.Skills) == 0 && len(r.Certificates) == 0 && len(r.Trainings) == 0 && !r.Insurance {
		return FieldError("all", "name the claims to verify (skills, certificates, trainings, insurance) or all")
	}
	for _, l := range []struct {
		field string
		tags  []string
	}{{"skills", r.Skills}, {"certificates", r.Certificates}, {"trainings", r.Trainings}} {
		if err := validTags(l.field, l.tags); err != nil {
			return err
		}
	}
	c := v.Claims.clone()
	if r.All {
		if v.Claims.Empty() {
			return FieldError("all", "volunteer %s has no pending claims", v.ID)
		}
		for _, s := range c.Skills {
			r.Skills = append(r.Skills, s.Skill)
		}
		for _, x := range c.Certificates {
			r.Certificates = append(r.Certificates, x.Name)
		}
		r.Trainings = append(r.Trainings, c.Trainings...)
		r.Insurance = r.Insurance || !c.InsuredUntil.IsZero()
	}
	skill := func(s SkillLevel) string { return s.Skill }
	if err := settle("skills", "skill", r.Skills, skill, &c.Skills, &v.Skills, r.Reject); err != nil {
		return err
	}
	name := func(x Certificate) string { return x.Name }
	if err := settle("certificates", "certificate", r.Certificates, name, &c.Certificates, &v.Certificates, r.Reject); err != nil {
		return err
	}
	for i, t := range r.Trainings {
		if !slices.Contains(c.Trainings, t) {
			return FieldError(fieldIndex("trainings", i), "no pending claim for training %q", t)
		}
		if !r.Reject && !slices.Contains(v.Trainings, t) {
			v.Trainings = append(v.Trainings, t)
		}
		c.dropTraining(t)
	}
	if r.Insurance {
		if c.InsuredUntil.IsZero() {
			return FieldError("insurance", "no pending claim for insurance")
		}
		if !r.Reject {
			v.InsuredUntil = c.InsuredUntil
		}
		c.InsuredUntil = time.Time{}
	}
	v.Claims = &c
	v.PruneClaims()
	v.VerifiedBy, v.VerifiedAt = by, now
	return nil
}

// settle takes the pending claims named by keys (field[i] in an error) out of
// *pending: each becomes the verified value in *own, replacing the one of
// the same key, unless reject.
func settle[T any](field, what string, keys []string, key func(T) string, pending, own *[]T, reject bool) error {
	for i, k := range keys {
		j := slices.IndexFunc(*pending, func(x T) bool { return key(x) == k })
		if j < 0 {
			return FieldError(fieldIndex(field, i), "no pending claim for %s %q", what, k)
		}
		if !reject {
			x := (*pending)[j]
			*own = slices.DeleteFunc(*own, func(y T) bool { return key(y) == k })
			*own = append(*own, x)
		}
		*pending = slices.DeleteFunc(*pending, func(y T) bool { return key(y) == k })
	}
	return nil
}
