package engine

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"strconv"
	"strings"
	"time"

	"volmatch"
)

// QR check-in (flow 4, issue 14): a volunteer's page shows, for each slot
// they hold, a pass: a code bound to that assignment that a social worker
// of the organisation scans on a phone to check the volunteer in with one
// tap. The code is the assignment's ID with an HMAC under the engine's
// check-in key (Options.CheckInKey) over the assignment, its volunteer, its
// organisation and its shift's start: it cannot be guessed or forged,
// needs no storage (showing a page writes nothing), and stops working when
// the shift moves. It works only in the check-in window (from
// volmatch.CheckInEarly before the start to the end) and only while the
// assignment is reserved: once checked in, out, cancelled or marked absent
// a replay is refused. A code that is forged, of another organisation or
// of an unknown assignment gets one answer, so that a scan tells nothing
// about which.

// CheckInPass is the code a volunteer shows for check-in and the window in
// which it works.
type CheckInPass struct {
	Code          string
	Opens, Closes time.Time
}

// checkInMACLen is the length in bytes of a code's MAC (128 bits).
const checkInMACLen = 16

// maxCheckInCode bounds the length of a code that is read at all.
const maxCheckInCode = 128

// ErrCheckInCode is the one answer to a code that is forged, malformed, of
// an unknown assignment or of another organisation's.
var ErrCheckInCode = volmatch.Errorf(volmatch.ENOTFOUND, "the check-in code is not valid for your organisation")

// CheckInPass returns the pass of assignment id for its volunteer: only
// the volunteer themself gets it (ENOTFOUND otherwise, so that a pass
// tells nothing of another's assignments), and only while it is reserved
// (ECONFLICT with reason wrong_state).
func (e *Engine) CheckInPass(ctx context.Context, tok *volmatch.Token, id string) (CheckInPass, error) {
	if tok.Role != volmatch.RoleVolunteer {
		return CheckInPass{}, forbidden("only the volunteer holds their check-in pass")
	}
	a, err := e.store.Assignment(ctx, id)
	if volmatch.ErrorCode(err) == volmatch.ENOTFOUND || err == nil && a.Volunteer != tok.Volunteer {
		return CheckInPass{}, volmatch.Errorf(volmatch.ENOTFOUND, "no assignment %s", id)
	} else if err != nil {
		return CheckInPass{}, err
	}
	if a.Status != volmatch.AssignReserved {
		return CheckInPass{}, volmatch.Reasonf(volmatch.ECONFLICT, volmatch.ReasonWrongState, "assignment %s is %s", a.ID, a.Status)
	}
	return CheckInPass{Code: a.ID + "." + e.checkInMAC(a), Opens: a.Start.Add(-volmatch.CheckInEarly), Closes: a.End}, nil
}

// ScanCheckIn reads a scanned code for tok, a social worker of the
// assignment's organisation, and returns the assignment it checks in:
// ErrCheckInCode for a code that is not valid for tok's organisation,
// EFORBIDDEN for another role, ECONFLICT with reason wrong_state when the
// assignment is no longer reserved (a replay) and checkin_window outside
// the window.
func (e *Engine) ScanCheckIn(ctx context.Context, tok *volmatch.Token, code string) (*volmatch.Assignment, error) {
	if tok.Role != volmatch.RoleSocialWorker {
		return nil, forbidden("a social worker of the organisation checks a volunteer in")
	}
	if len(code) > maxCheckInCode {
		return nil, ErrCheckInCode
	}
	i := strings.LastIndexByte(code, '.')
	if i <= 0 {
		return nil, ErrCheckInCode
	}
	id, mac := code[:i], code[i+1:]
	if volmatch.ValidID("code", id) != nil {
		return nil, ErrCheckInCode
	}
	a, err := e.store.Assignment(ctx, id)
	if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
		return nil, ErrCheckInCode
	} else if err != nil {
		return nil, err
	}
	// The MAC first, in constant time, then the organisation: a forged
	// code and another organisation's get the same answer.
	if !hmac.Equal([]byte(mac), []byte(e.checkInMAC(a))) || a.Org != tok.Org {
		return nil, ErrCheckInCode
	}
	if a.Status != volmatch.AssignReserved {
		return a, volmatch.Reasonf(volmatch.ECONFLICT, volmatch.ReasonWrongState, "assignment %s is %s", a.ID, a.Status)
	}
	now := e.now()
	if now.Before(a.Start.Add(-volmatch.CheckInEarly)) || now.After(a.End) {
		return a, volmatch.Reasonf(volmatch.ECONFLICT, volmatch.ReasonCheckInWindow, "check-in for assignment %s is open from %s to %s",
			a.ID, a.Start.Add(-volmatch.CheckInEarly).Format(time.RFC3339), a.End.Format(time.RFC3339))
	}
	return a, nil
}

// CheckInByCode checks in the volunteer of a scanned code, at the server's
// clock, after the checks of ScanCheckIn.
func (e *Engine) CheckInByCode(ctx context.Context, tok *volmatch.Token, code string) (*volmatch.Assignment, error) {
	a, err := e.ScanCheckIn(ctx, tok, code)
	if err != nil {
		return nil, err
	}
	return e.Advance(ctx, tok, a.ID, StepRequest{Kind: volmatch.StepCheckIn})
}

// checkInMAC is the MAC of a's code, base64url without padding.
func (e *Engine) checkInMAC(a *volmatch.Assignment) string {
	m := hmac.New(sha256.New, e.checkInKey)
	io.WriteString(m, "volmatch check-in\x00"+a.ID+"\x00"+a.Volunteer+"\x00"+a.Org+"\x00"+strconv.FormatInt(a.Start.Unix(), 10))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:checkInMACLen])
}
