package volmatch

import (
	"strconv"
	"strings"
	"unicode"
)

func fieldIndex(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }

// validID accepts 1..64 characters of letters, digits, '-', '_' and '.'.
func validID(field, id string) error {
	if id == "" {
		return FieldError(field, "is required")
	}
	if len(id) > 64 {
		return FieldError(field, "must be at most 64 characters")
	}
	for _, r := range id {
		if !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == '.')) {
			return FieldError(field, "may hold only ASCII letters, digits, '-', '_' and '.', got %q", id)
		}
	}
	return nil
}

// ValidID reports whether id is a well-formed identifier (see validID).
func ValidID(field, id string) error { return validID(field, id) }

func validSkills(field string, ss []SkillLevel) error {
	seen := map[string]bool{}
	for i, s := range ss {
		f := fieldIndex(field, i)
		if strings.TrimSpace(s.Skill) == "" {
			return FieldError(f+".skill", "is required")
		}
		if s.Level < 1 || s.Level > 3 {
			return FieldError(f+".level", "must be 1 (basic), 2 (skilled) or 3 (expert), got %d", s.Level)
		}
		if seen[s.Skill] {
			return FieldError(f+".skill", "%q is listed twice", s.Skill)
		}
		seen[s.Skill] = true
	}
	return nil
}

func validTags(field string, tags []string) error {
	for i, t := range tags {
		if strings.TrimSpace(t) == "" {
			return FieldError(fieldIndex(field, i), "must not be empty")
		}
	}
	return nil
}
