package volmatch

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"time"
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
}

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
		if err := validID("volunteer", t.Volunteer); err != nil {
			return err
		}
	default:
		return FieldError("role", "must be admin, social_worker, volunteer or planner, got %q", t.Role)
	}
	if len(t.Hash) != 64 {
		return FieldError("hash", "must be a hex SHA-256")
	}
	return checkLen("name", t.Name, MaxNameLen)
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
