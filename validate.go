package volmatch

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of the free text and lists a client writes. Lengths are in
// characters (Unicode code points), so that a Chinese text has the same
// limit as an English one. Every record's Validate holds them, so every
// path that writes a record (the API, the web pages, an import, the CLI)
// obeys them, and no text is so long that indexing or searching it slows
// every other caller.
const (
	// MaxNameLen bounds a name: a person's, an organisation's, a talent
	// pool's, a station's, a token's label.
	MaxNameLen = 100
	// MaxTitleLen bounds a need's title.
	MaxTitleLen = 200
	// MaxDescriptionLen bounds a need's or a talent pool's description.
	MaxDescriptionLen = 5000
	// MaxBioLen bounds a volunteer's bio.
	MaxBioLen = 2000
	// MaxNotesLen bounds the notes of a need's recipient preferences.
	MaxNotesLen = 2000
	// MaxReasonLen bounds the reason given for a cancellation or a no-show.
	MaxReasonLen = 500
	// MaxPhoneLen bounds a phone number.
	MaxPhoneLen = 32
	// MaxCodeLen bounds a key or a code: a district or street code, a
	// taxonomy key, a station's type, a station reference, and each item
	// of a list (a training, a language, a certificate's name, a team).
	MaxCodeLen = 64
	// MaxListLen bounds the items of a list a record holds (skills,
	// certificates, trainings, languages, domains, teams, pools).
	MaxListLen = 100
	// MaxExceptions bounds a volunteer's dated exceptions.
	MaxExceptions = 500
)

func fieldIndex(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }

// checkLen refuses s when it holds more than limit characters, naming the
// field and the limit.
func checkLen(field, s string, limit int) error {
	if len(s) <= limit { // a character takes at least one byte
		return nil
	}
	if n := utf8.RuneCountInString(s); n > limit {
		return FieldError(field, "must be at most %d characters, got %d", limit, n).WithReason(ReasonTooLong)
	}
	return nil
}

// checkLens applies checkLen to each field of fs: {name, value, limit}.
func checkLens(fs ...textField) error {
	for _, f := range fs {
		if err := checkLen(f.name, f.value, f.limit); err != nil {
			return err
		}
	}
	return nil
}

type textField struct {
	name, value string
	limit       int
}

// checkCount refuses a list of more than limit items.
func checkCount(field string, n, limit int) error {
	if n > limit {
		return FieldError(field, "must hold at most %d items, got %d", limit, n).WithReason(ReasonTooMany)
	}
	return nil
}

// validID accepts 1..64 characters of letters, digits, '-', '_' and '.'.
func validID(field, id string) error {
	if id == "" {
		return FieldError(field, "is required")
	}
	if len(id) > 64 {
		return FieldError(field, "must be at most 64 characters").WithReason(ReasonTooLong)
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

// unbounded is the limit of a list eachItem takes of any length.
const unbounded = math.MaxInt

// eachItem checks a list of at most limit items, each with check under its
// indexed field name (field[i]), stopping at the first error.
func eachItem[T any](field string, xs []T, limit int, check func(f string, x T) error) error {
	if err := checkCount(field, len(xs), limit); err != nil {
		return err
	}
	for i, x := range xs {
		if err := check(fieldIndex(field, i), x); err != nil {
			return err
		}
	}
	return nil
}

// checkEnum accepts v when it is one of allowed, or "" unless required; the
// error lists allowed ("a, b or c").
func checkEnum[S ~string](field string, v S, required bool, allowed ...S) error {
	if v == "" && !required || slices.Contains(allowed, v) {
		return nil
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	list := strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
	if v == "" {
		return FieldError(field, "is required (%s)", list)
	}
	return FieldError(field, "must be %s, got %q", list, v)
}

func validSkills(field string, ss []SkillLevel) error {
	seen := map[string]bool{}
	return eachItem(field, ss, MaxListLen, func(f string, s SkillLevel) error {
		if strings.TrimSpace(s.Skill) == "" {
			return FieldError(f+".skill", "is required")
		}
		if err := checkLen(f+".skill", s.Skill, MaxCodeLen); err != nil {
			return err
		}
		if s.Level < 1 || s.Level > 3 {
			return FieldError(f+".level", "must be 1 (basic), 2 (skilled) or 3 (expert), got %d", s.Level)
		}
		if seen[s.Skill] {
			return FieldError(f+".skill", "%q is listed twice", s.Skill)
		}
		seen[s.Skill] = true
		return nil
	})
}

// checkTags checks only the size of a list of short texts: at most
// MaxListLen items, each at most MaxCodeLen characters.
func checkTags(field string, tags []string) error {
	return eachItem(field, tags, MaxListLen, func(f, t string) error { return checkLen(f, t, MaxCodeLen) })
}

// validTags checks a list of short texts: at most MaxListLen items, none
// empty, each at most MaxCodeLen characters.
func validTags(field string, tags []string) error {
	return eachItem(field, tags, MaxListLen, func(f, t string) error {
		if strings.TrimSpace(t) == "" {
			return FieldError(f, "must not be empty")
		}
		return checkLen(f, t, MaxCodeLen)
	})
}
