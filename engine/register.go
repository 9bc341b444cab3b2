package engine

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"

	"volmatch"
	"volmatch/geo"
)

// Self-registration (志愿者注册, issue 14). volmatch has no SMS gateway, so
// a phone number a person types proves nothing: anyone could claim anyone's.
// A registration therefore needs a one-time registration code that an admin
// issued (IssueRegistration; `volmatch token create --register` prints it
// as a link), the stand-in for a verified channel to the person. Redeeming
// it (Register) creates a new volunteer and a session for them; the code
// works once. The phone is never an identity: a registration always makes a
// new record, whatever phone it gives, so it can neither take over an
// existing volunteer nor tell its caller whether a phone is registered
// already (the answer is the same either way). What the person claims about
// their qualifications (skills, certificates, trainings, insurance) is
// pending until an organisation verifies it (volmatch.Claims), and every
// consent is what they chose, off unless they turned it on.

// DefaultTravelKm is how far a self-registered volunteer travels when they
// do not say.
const DefaultTravelKm = 5

// errRegister is the one answer to a registration code that is unknown,
// used, expired or of another kind: the caller learns nothing about which.
var errRegister = volmatch.Errorf(volmatch.EUNAUTHORIZED, "the registration code is not valid, was used already or has expired; ask for a new one")

// IssueRegistration makes a one-time volunteer registration code (admin
// only: EFORBIDDEN) labelled name, that works for ttl (DefaultSignInTTL
// when 0, at most MaxSignInTTL; EINVALID otherwise). It returns the code,
// shown only this once, and the stored token (only its hash is kept; its
// ExpiresAt is when the code stops working).
func (e *Engine) IssueRegistration(ctx context.Context, admin *volmatch.Token, name string, ttl time.Duration) (string, *volmatch.Token, error) {
	if admin == nil || admin.Role != volmatch.RoleAdmin {
		return "", nil, forbidden("only an admin issues registration codes")
	}
	switch {
	case ttl == 0:
		ttl = DefaultSignInTTL
	case ttl < 0 || ttl > MaxSignInTTL:
		return "", nil, volmatch.FieldError("ttl", "must be between 0 and %s, got %s", MaxSignInTTL, ttl)
	}
	code := volmatch.NewSecret()
	tok := &volmatch.Token{Role: volmatch.RoleVolunteer, Name: name, Kind: volmatch.KindRegister,
		Hash: volmatch.HashToken(code), CreatedAt: e.now()}
	tok.ExpiresAt = tok.CreatedAt.Add(ttl)
	if err := tok.Validate(); err != nil {
		return "", nil, err
	}
	if err := e.store.CreateToken(ctx, tok); err != nil {
		return "", nil, err
	}
	return code, tok, nil
}

// registration returns the live registration code of code: errRegister
// when it is unknown, of another kind or expired.
func (e *Engine) registration(ctx context.Context, code string) (*volmatch.Token, error) {
	tok, err := e.store.TokenByHash(ctx, volmatch.HashToken(code)) // not cached: a code is read once or twice
	if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
		return nil, errRegister
	} else if err != nil {
		return nil, err
	}
	if tok.Kind != volmatch.KindRegister || tok.Expired(e.now()) {
		return nil, errRegister
	}
	return tok, nil
}

// CheckRegistration reports whether code is a registration code that still
// works (EUNAUTHORIZED otherwise), without spending it: the form tells a
// person at once that their link is spent, before they fill it in.
func (e *Engine) CheckRegistration(ctx context.Context, code string) error {
	_, err := e.registration(ctx, code)
	return err
}

// Register redeems registration code for v, a volunteer registering
// themself, and starts their session. The engine gives v its ID (the
// unified volunteer number), clears what only staff or the event log write
// (stats, teams, talent pools, verification), holds every qualification v
// claims as pending (volmatch.Volunteer.HoldClaims over an empty record),
// checks the phone (a mainland mobile number, stored as its 11 digits) and
// the name (no control or invisible formatting characters), and puts the
// home at the street's centre unless v.Home gives a point, which must lie
// in that street (geo.City.CheckPlace). A field at fault is an EINVALID
// naming it and the code is not spent, so the person corrects the form and
// sends it again. A code that is unknown, used, expired or of another kind
// is EUNAUTHORIZED, the same for each. It returns the session's secret (for
// the cookie), the session and the stored volunteer as they see it.
func (e *Engine) Register(ctx context.Context, code string, v *volmatch.Volunteer) (string, *volmatch.Token, *volmatch.Volunteer, error) {
	reg, err := e.registration(ctx, code)
	if err != nil {
		return "", nil, nil, err
	}
	if err := e.newVolunteer(ctx, v); err != nil {
		return "", nil, nil, err
	}
	// Spend the code: of two redeems at once, the one whose delete went
	// through goes on (the store's delete is atomic).
	if err := e.RevokeToken(ctx, reg.Hash); volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
		return "", nil, nil, errRegister
	} else if err != nil {
		return "", nil, nil, err
	}
	if err := checkedWrite(ctx, e, v, e.checkVolunteer, e.store.CreateVolunteer); err != nil {
		// Nothing was registered: give the code back so that the person
		// may try again (best effort; the store failed once already).
		if rerr := e.store.CreateToken(context.WithoutCancel(ctx), reg); rerr != nil {
			e.log.Error("engine: register: could not restore the registration code", "err", volmatch.Scrub(rerr))
		}
		return "", nil, nil, err
	}
	self := &volmatch.Token{Role: volmatch.RoleVolunteer, Volunteer: v.ID}
	secret, sess, err := e.startSession(ctx, self)
	if err != nil {
		return "", nil, nil, err
	}
	out, err := e.viewVolunteer(ctx, self, v)
	return secret, sess, out, err
}

// newVolunteer turns v, as a person registering themself wrote it, into
// the record to store (see Register) and checks it.
func (e *Engine) newVolunteer(ctx context.Context, v *volmatch.Volunteer) error {
	now := e.now()
	v.ID = NewID("v")
	v.Stats, v.Hidden, v.UpdatedAt = volmatch.VolunteerStats{}, nil, now
	v.Stats.Reliability = v.Stats.ReliabilityScore()
	v.Teams, v.Pools, v.VerifiedBy, v.VerifiedAt = nil, nil, "", time.Time{}
	v.Claims = nil
	v.HoldClaims(&volmatch.Volunteer{}, now) // every qualification claimed is pending
	if v.MaxTravelKm == 0 {
		v.MaxTravelKm = DefaultTravelKm
	}
	if v.Availability.Count() == 0 {
		// Nothing could ever be offered to them: say so now.
		return volmatch.FieldError("availability", "choose at least one hour of the week you are free")
	}
	if err := e.ownText(v); err != nil {
		return err
	}
	if err := e.homePlace(v); err != nil {
		return err
	}
	if err := e.knownClaims(v.Claims); err != nil {
		return err
	}
	return e.checkVolunteer(ctx, v)
}

// knownClaims refuses a claimed certificate or training that is not in the
// taxonomy's vocabulary: a newcomer picks them from the lists, and a name
// no need can require could never be verified into anything. (Records an
// admin imports may hold other names; they are not checked here.)
func (e *Engine) knownClaims(c *volmatch.Claims) error {
	if c == nil {
		return nil
	}
	for i, x := range c.Certificates {
		if !e.tax.HasCertificate(x.Name) {
			return volmatch.FieldError(fmt.Sprintf("claims.certificates[%d].name", i), "unknown certificate %q (a key of the taxonomy's certificates)", x.Name)
		}
	}
	for i, t := range c.Trainings {
		if !e.tax.HasTraining(t) {
			return volmatch.FieldError(fmt.Sprintf("claims.trainings[%d]", i), "unknown training %q (a key of the taxonomy's trainings)", t)
		}
	}
	return nil
}

// ownText checks and tidies the text a volunteer writes about themself:
// the name (trimmed; no control or invisible formatting characters, which
// could hide or reorder what a social worker reads) and the phone (see
// NormalPhone).
func (e *Engine) ownText(v *volmatch.Volunteer) error {
	v.Name = strings.TrimSpace(v.Name)
	if err := plainText("name", v.Name); err != nil {
		return err
	}
	p, err := NormalPhone(v.Phone)
	if err != nil {
		return err
	}
	v.Phone = p
	return nil
}

// plainText refuses control characters and invisible formatting characters
// (Unicode category Cf: bidirectional overrides, zero-width spaces and
// joiners, byte-order marks) in field's text.
func plainText(field, s string) error {
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return volmatch.FieldError(field, "must not hold control or invisible formatting characters (U+%04X)", r)
		}
	}
	return nil
}

// NormalPhone returns phone as a mainland mobile number of 11 ASCII digits
// starting with 1 and a digit from 3 to 9, after dropping spaces, hyphens
// and a +86/0086 prefix and reading full-width digits as digits. EINVALID
// (field "phone", the number not repeated) otherwise.
func NormalPhone(phone string) (string, error) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(phone) {
		switch {
		case r >= '０' && r <= '９':
			b.WriteRune('0' + (r - '０'))
		case r == ' ' || r == '-' || r == '　' || r == '－':
		case r == '+' || r == '＋':
			b.WriteByte('+')
		default:
			b.WriteRune(r)
		}
	}
	p := b.String()
	for _, prefix := range []string{"+86", "0086"} {
		if strings.HasPrefix(p, prefix) && len(p) == len(prefix)+11 {
			p = p[len(prefix):]
		}
	}
	if p == "" {
		return "", volmatch.FieldError("phone", "is required")
	}
	ok := len(p) == 11 && p[0] == '1' && p[1] >= '3' && p[1] <= '9'
	for i := 0; ok && i < len(p); i++ {
		ok = p[i] >= '0' && p[i] <= '9'
	}
	if !ok {
		return "", volmatch.FieldError("phone", "must be a mainland mobile number of 11 digits starting with 1 (such as 13812345678)")
	}
	return p, nil
}

// homePlace sets v's home: the centre of its street unless v.Home gives a
// point of that street (the person chose to share a precise location).
// EINVALID naming district, street or home otherwise.
func (e *Engine) homePlace(v *volmatch.Volunteer) error {
	city := geo.Beijing()
	if v.District == "" {
		return volmatch.FieldError("district", "is required")
	}
	if v.Street == "" {
		return volmatch.FieldError("street", "is required")
	}
	st, ok := city.Street(v.Street)
	if !ok {
		return volmatch.FieldError("street", "unknown street %q (a street code such as 110105001000)", v.Street)
	}
	d, ok := city.District(v.District)
	if !ok {
		return volmatch.FieldError("district", "unknown district %q (a Beijing district code such as 110105)", v.District)
	}
	if st.District != d.Code {
		return volmatch.FieldError("street", "street %s is not in the district %s", st.Code, d.Code)
	}
	v.District, v.Street = d.Code, st.Code
	if v.Home == (volmatch.Point{}) {
		v.Home = st.Point
		return nil
	}
	if err := city.CheckPlace(v.Home, v.District, v.Street); err != nil {
		// Not the stored message: it repeats the point, a personal place.
		return volmatch.FieldError("home", "the location shared does not lie in street %s; share one inside it or leave it out to use the street's centre", st.Code)
	}
	return nil
}

// startSession stores a new web session with self's role and scope that
// lasts SessionTTL and returns its secret and token.
func (e *Engine) startSession(ctx context.Context, self *volmatch.Token) (string, *volmatch.Token, error) {
	secret := volmatch.NewSecret()
	sess := &volmatch.Token{Role: self.Role, Org: self.Org, Volunteer: self.Volunteer, Name: SessionName,
		Kind: volmatch.KindSession, Hash: volmatch.HashToken(secret), CreatedAt: e.now()}
	sess.ExpiresAt = sess.CreatedAt.Add(SessionTTL)
	if err := e.store.CreateToken(ctx, sess); err != nil {
		return "", nil, err
	}
	return secret, sess, nil
}

// ownPlace applies to v, a volunteer's write of their own record over old,
// the registration's rules of the text they write (ownText) and, when they
// moved (another district, street or point), of the home (homePlace; a
// zero Home puts it at the new street's centre).
func (e *Engine) ownPlace(old, v *volmatch.Volunteer) error {
	if err := e.ownText(v); err != nil {
		return err
	}
	if v.Home == old.Home && v.District == old.District && v.Street == old.Street {
		return nil
	}
	return e.homePlace(v)
}
