package api

import "volmatch"

// VerifyRequest names the pending claims of a volunteer that staff verify
// (or refuse, with reject): skills by key, certificates by name,
// trainings, insurance, or all.
type VerifyRequest = volmatch.Verification

var opVerifyVolunteer = Op{Summary: "Verify (or reject) a volunteer's pending qualification claims (an organisation's staff or admin)",
	Tag: "volunteers", Params: idOnly(), Body: VerifyRequest{}, Resp: volmatch.Volunteer{}}
