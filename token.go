package volmatch

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"time"
	"unicode"
	"unicode/utf8"
)

// Role is what a bearer token may do.
type Role string

// Roles.
const (
	RoleAdmin        Role = "admin"
	RoleSocialWorker Role = "social_worker" // scoped to an organisation
	RoleVolunteer    Role = "volunteer"     // scoped to one volunteer
	RolePlanner      Role = "planner"       // aggregates only
)

// Token is a bearer token as stored: only the SHA-256 of the secret is kept.
type Token struct {
	Hash      string    `json:"hash"`
	Role      Role      `json:"role"`
	Org       string    `json:"org,omitempty"`
	Volunteer string    `json:"volunteer,omitempty"`
	Name      string    `json:"name,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	// ExpiresAt is when the token stops working; zero never expires.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// Kind is what the secret is for: a bearer token (empty), a one-time
	// sign-in code or a web session. Only a bearer token authenticates an
	// API request.
	Kind TokenKind `json:"kind,omitempty"`
}

// TokenKind says what a token's secret is for.
type TokenKind string

// Token kinds.
const (
	KindBearer  TokenKind = ""        // an API bearer token
	KindSignIn  TokenKind = "signin"  // a one-time sign-in code, redeemed for a session
	KindSession TokenKind = "session" // a web session, held in an HttpOnly cookie
	// KindRegister is a one-time volunteer registration code: redeemed
	// with the sign-up form, it creates a volunteer and a session for
	// them. It has the volunteer role and no scope (the volunteer does
	// not exist yet).
	KindRegister TokenKind = "register"
)

// Expired reports whether the token no longer works at now: at or after
// ExpiresAt, when set.
func (t *Token) Expired(now time.Time) bool {
	return !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt)
}

// Validate checks the role and its scope.
func (t *Token) Validate() error {
	switch t.Role {
	case RoleAdmin, RolePlanner:
		if t.Org != "" || t.Volunteer != "" {
			return FieldError("role", "%s tokens take no organisation or volunteer scope", t.Role)
		}
	case RoleSocialWorker:
		if err := validID("org", t.Org); err != nil {
			return err
		}
	case RoleVolunteer:
		if t.Kind == KindRegister {
			if t.Org != "" || t.Volunteer != "" {
				return FieldError("volunteer", "a registration code takes no organisation or volunteer scope: it makes the volunteer")
			}
			break
		}
		if err := validID("volunteer", t.Volunteer); err != nil {
			return err
		}
	default:
		return FieldError("role", "must be admin, social_worker, volunteer or planner, got %q", t.Role)
	}
	switch t.Kind {
	case KindBearer, KindSignIn, KindSession:
	case KindRegister:
		if t.Role != RoleVolunteer {
			return FieldError("role", "a registration code is for a volunteer, got %q", t.Role)
		}
	default:
		return FieldError("kind", "must be empty, signin, session or register, got %q", t.Kind)
	}
	if len(t.Hash) != 64 {
		return FieldError("hash", "must be a hex SHA-256")
	}
	if err := CheckTime("expires_at", t.ExpiresAt); err != nil {
		return err
	}
	return checkLen("name", t.Name, MaxNameLen)
}

// EnvAdminTokenName is the name of the admin token made from the
// environment variable VOLMATCH_ADMIN_TOKEN at start. The name marks it: a
// changed or removed value revokes the tokens of that name, so no other
// token may take it.
const EnvAdminTokenName = "VOLMATCH_ADMIN_TOKEN"

// MinSecretLen is the least length, in characters, of a secret that a
// person chooses (VOLMATCH_ADMIN_TOKEN).
const MinSecretLen = 32

// CheckSecret refuses a secret a person chose that is easy to guess: under
// MinSecretLen characters, of one kind only (all letters, all digits...),
// of fewer than 8 different characters, or with spaces or control
// characters (a bearer token is sent trimmed). field names the secret in the
// error. `openssl rand -hex 32` and the secrets NewSecret makes pass.
func CheckSecret(field, secret string) error {
	n := utf8.RuneCountInString(secret)
	if n < MinSecretLen {
		return FieldError(field, "must be at least %d characters, got %d; make one with `openssl rand -hex 32`", MinSecretLen, n)
	}
	var lower, upper, digit, other bool
	distinct := map[rune]bool{}
	for _, r := range secret {
		switch {
		case unicode.IsSpace(r) || unicode.IsControl(r):
			return FieldError(field, "must not hold spaces or control characters")
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
		distinct[r] = true
	}
	kinds := 0
	for _, k := range []bool{lower, upper, digit, other} {
		if k {
			kinds++
		}
	}
	if kinds < 2 {
		return FieldError(field, "must mix at least two kinds of characters (lower case, upper case, digits, symbols); make one with `openssl rand -hex 32`")
	}
	if len(distinct) < 8 {
		return FieldError(field, "must hold at least 8 different characters, got %d; make one with `openssl rand -hex 32`", len(distinct))
	}
	return nil
}

// HashToken returns the stored form of a secret.
func HashToken(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// NewSecret returns a fresh random bearer secret with a "vm_" prefix.
func NewSecret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return "vm_" + hex.EncodeToString(b)
}
