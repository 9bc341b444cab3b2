package volmatch

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Application error codes. Only the api package turns them into HTTP statuses.
const (
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	ECONFLICT     = "conflict"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	ETOOLARGE     = "too_large"
	EUNAVAILABLE  = "unavailable"
	EINTERNAL     = "internal"
)

// Refusal reasons: the machine-readable kind of a refusal (Error.Reason),
// stable where the message's wording is not, so that a client (the web
// pages, an API caller) tells refusals apart without reading the English.
// A refusal by a hard gate is ReasonGate(name) ("gate:skills").
const (
	ReasonSlotFull       = "slot_full"        // the shift has no free slot
	ReasonShiftClash     = "shift_clash"      // the volunteer serves another shift at that time
	ReasonShiftBegun     = "shift_begun"      // the shift has begun
	ReasonAlreadyHeld    = "already_held"     // the volunteer holds the slot or a live invitation to it
	ReasonNotMenu        = "not_menu"         // a sign-up for a need that is not menu-mode
	ReasonNeedClosed     = "need_closed"      // the need is not open (closed, cancelled, ...)
	ReasonAnswered       = "answered"         // the invitation is answered (accepted, declined, expired)
	ReasonCheckInWindow  = "checkin_window"   // check-in outside its window
	ReasonCheckOutWindow = "checkout_window"  // check-out too long after the shift's end
	ReasonCheckOutEarly  = "checkout_early"   // check-out before check-in
	ReasonHoursOverShift = "hours_over_shift" // hours beyond the shift's length
	ReasonAlreadyRated   = "already_rated"    // the assignment is rated
	ReasonWrongState     = "wrong_state"      // the assignment's status does not allow the step
	ReasonTooLong        = "too_long"         // a text beyond its length limit
	ReasonTooMany        = "too_many"         // a list beyond its count limit
	ReasonEndBeforeStart = "end_before_start" // a time range that ends before it starts
	ReasonShiftTooLong   = "shift_too_long"   // a shift longer than a shift may last

	reasonGatePrefix = "gate:"
)

// ReasonGate is the reason of a refusal by hard gate name.
func ReasonGate(name string) string { return reasonGatePrefix + name }

// GateOf returns the gate a reason names ("skills" for "gate:skills") and
// whether it names one.
func GateOf(reason string) (string, bool) {
	return strings.CutPrefix(reason, reasonGatePrefix)
}

// Error is the application error: a code, the field it concerns (a JSON path
// such as "shifts[0].end", empty when the error is not about one field), a
// message fit for the user and, for a refusal a client tells apart, its
// machine-readable reason (the Reason constants, "" for none).
type Error struct {
	Code    string
	Field   string
	Message string
	Reason  string `json:"reason,omitempty"`
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("volmatch error: code=%s field=%s message=%s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("volmatch error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Reasonf returns an *Error with the code, the reason and a formatted
// message.
func Reasonf(code, reason, format string, args ...any) *Error {
	return &Error{Code: code, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// WithReason sets the reason of e and returns e.
func (e *Error) WithReason(reason string) *Error {
	e.Reason = reason
	return e
}

// FieldError returns an EINVALID error naming the field and the reason.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain, or a
// generic message for other errors (their text may carry internals).
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorField returns the field named by the first *Error in err's chain.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// ErrorReason returns the reason of the first *Error in err's chain, "" for
// none.
func ErrorReason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// digitRun is a run of 7 or more digits (with spaces or dashes between):
// a phone number, an ID-card number, a bank account.
var digitRun = regexp.MustCompile(`\d(?:[\s-]?\d){6,}[\dXx]?`)

// Scrub returns err's text with long digit runs masked, for logs: an error
// from below may quote a phone or an ID-card number.
func Scrub(err error) string {
	return digitRun.ReplaceAllString(err.Error(), "[redacted]")
}
