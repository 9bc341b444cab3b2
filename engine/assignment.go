package engine

import (
	"context"
	"time"

	"volmatch"
)

// Flow 4, second half: serve and rate. Check-in and check-out record hours;
// rating, no-show and cancel close the assignment. Times and hours are the
// organisation's to record (谁组织谁记录): a volunteer checks in, out and
// cancels at the server's clock and may not state times or hours.
//
// Times are held to the shift (volmatch.Step.Apply, so every store and
// transport obeys them): a check-in from volmatch.CheckInEarly before the
// start to the end, a check-out after the check-in and at most
// volmatch.CheckOutLate after the end, hours stated at most the shift's
// length, and hours timed only within the shift. A volunteer cannot
// complete their own assignment and earn hours alone: their check-out
// records the time they left (checkout.claimed) and the assignment stays
// checked in until the organisation checks it out, which confirms it; the
// organisation's check-out without a time takes the volunteer's, and the
// hours are the time served within the shift unless it states them.

// StepRequest is one step of an assignment. At defaults to now; Hours (a
// check-out) to the time since check-in, rounded to quarter hours; Rating
// (1 to 5) is required for StepRate; Reason is for a cancel or no-show.
type StepRequest struct {
	Kind   volmatch.StepKind
	At     *time.Time
	Hours  float64
	Rating int
	Reason string
}

// Advance applies step req to assignment id and returns it as stored.
// Rating and no-show are for the organisation's staff; check-in, check-out
// and cancel also for the volunteer themself.
func (e *Engine) Advance(ctx context.Context, tok *volmatch.Token, id string, req StepRequest) (*volmatch.Assignment, error) {
	st, err := e.step(tok, req)
	if err != nil {
		return nil, err
	}
	a, err := e.Assignment(ctx, tok, id)
	if err != nil {
		return nil, err
	}
	if tok.Role == volmatch.RoleVolunteer && (req.Kind == volmatch.StepRate || req.Kind == volmatch.StepNoShow || req.Kind == volmatch.StepCorrect) {
		return nil, forbidden("the organisation rates, marks no-shows and corrects hours")
	}
	oldHours := a.Hours
	if req.Kind == volmatch.StepCheckOut && !st.Self && req.At == nil && !a.CheckOut.IsZero() {
		st.At = a.CheckOut // confirming the time the volunteer gave
	}
	if a, err = e.store.Advance(ctx, a.ID, st); err != nil {
		return nil, err
	}
	if st.Kind == volmatch.StepCorrect || st.Kind == volmatch.StepCheckOut && a.Status == volmatch.AssignCompleted {
		e.noteStars(ctx, a.Volunteer, a.Hours-oldHours, st.At) // stars.go
	}
	if st.Kind == volmatch.StepCheckOut && a.Status == volmatch.AssignCompleted {
		e.earn(ctx, a) // ledger.go
	}
	e.synced(ctx)
	return a, nil
}

// step checks req as tok may give it and returns the store's step.
func (e *Engine) step(tok *volmatch.Token, req StepRequest) (volmatch.Step, error) {
	self := tok.Role == volmatch.RoleVolunteer
	st := volmatch.Step{Kind: req.Kind, At: e.at(req.At), Self: self}
	switch req.Kind {
	case volmatch.StepCheckIn:
		if self && req.At != nil {
			return st, forbidden("a volunteer checks in at the server's clock; the organisation records other times")
		}
	case volmatch.StepCheckOut:
		if self && (req.At != nil || req.Hours != 0) {
			return st, forbidden("a volunteer checks out at the server's clock; the organisation records hours")
		}
		st.Hours = req.Hours
	case volmatch.StepCorrect:
		// Corrected now; the hours and the reason are the organisation's.
		st.At, st.Hours, st.Reason = e.now(), req.Hours, req.Reason
	case volmatch.StepRate:
		if req.Rating < 1 || req.Rating > 5 {
			return st, volmatch.FieldError("rating", "must be 1 to 5, got %d", req.Rating)
		}
		st.At, st.Rating = e.now(), req.Rating
	default:
		if self && req.At != nil {
			return st, forbidden("a volunteer cancels at the server's clock")
		}
		st.Reason = req.Reason
	}
	return st, st.Validate()
}

// Assignment returns assignment id if tok may act on it.
func (e *Engine) Assignment(ctx context.Context, tok *volmatch.Token, id string) (*volmatch.Assignment, error) {
	a, err := e.store.Assignment(ctx, id)
	if err != nil {
		return nil, err
	}
	return a, canActOn(tok, a.Org, a.Volunteer)
}

// Assignments lists assignments in tok's scope.
func (e *Engine) Assignments(ctx context.Context, tok *volmatch.Token, f volmatch.AssignmentFilter) ([]*volmatch.Assignment, string, error) {
	if err := scope(tok, &f.Org, &f.Volunteer); err != nil {
		return nil, "", err
	}
	return e.store.Assignments(ctx, f)
}
