package volmatch

import "time"

// The span of time a record or a request may name. A time outside it is
// a mistake or an attack, never a service: year 1 (Go's zero time a
// client sent on purpose) or 9999 (a certificate "valid forever") would
// pass every expiry gate, sort first or last in every report, and break
// the exports of other systems. Every record's Validate and every step
// holds times to it.
var (
	// MinTime is the earliest time a record or a request may name.
	MinTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	// MaxTime is the first time a record or a request may no longer name.
	MaxTime = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

// CheckTime refuses a non-zero t outside [MinTime, MaxTime) with EINVALID
// naming field. A zero t passes: whether a time is required is the
// caller's rule.
func CheckTime(field string, t time.Time) error {
	if t.IsZero() || !t.Before(MinTime) && t.Before(MaxTime) {
		return nil
	}
	return FieldError(field, "must be between %d and %d, got %s", MinTime.Year(), MaxTime.Year()-1, t.Format(time.RFC3339))
}
