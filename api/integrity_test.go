package api_test

import (
	"net/http"
	"strings"
	"testing"

	"volmatch"
	"volmatch/api"
)

// TestIntegrityOverHTTP: the engine's integrity rules reach the JSON
// transport: a listed invitee who fails a hard gate is refused 422 naming
// volunteers[k] and the gate, an override with a reason goes through and
// is recorded, a need placed outside its district is refused naming
// point, and staff verify a volunteer's pending claims.
func TestIntegrityOverHTTP(t *testing.T) {
	e := newEnv(t, api.Options{})
	e.seedVolunteers()
	n := need("n1", "org1")
	n.Requires.Trainings = []string{"sign_language_course"}
	e.must(201, "sw1", "POST", "/v1/needs", n, nil)

	var p struct {
		Status int    `json:"status"`
		Field  string `json:"field"`
		Detail string `json:"detail"`
	}
	e.must(http.StatusUnprocessableEntity, "sw1", "POST", "/v1/needs/n1/invites", map[string]any{"volunteers": []string{"v1"}}, &p)
	if p.Field != "volunteers[0]" || !strings.Contains(p.Detail, "training") {
		t.Errorf("invite of an untrained volunteer = %+v, want 422 on volunteers[0] naming training", p)
	}
	var invs api.List[volmatch.Invitation]
	e.must(201, "sw1", "POST", "/v1/needs/n1/invites", map[string]any{"volunteers": []string{"v1"}, "override": map[string]string{"reason": "课程下周完成，本次由督导陪同"}}, &invs)
	if o := invs.Items[0].Override; o == nil || len(o.Gates) != 1 || o.Gates[0] != "training" {
		t.Errorf("the overridden invitation = %+v, want the training gate recorded", invs.Items[0].Override)
	}

	off := need("n2", "org1")
	off.Point = volmatch.Point{Lat: 39.9087, Lng: 116.3975} // Tiananmen, in Dongcheng, said to be in Chaoyang
	e.must(http.StatusUnprocessableEntity, "sw1", "POST", "/v1/needs", off, &p)
	if p.Field != "point" {
		t.Errorf("a need outside its district = %+v, want 422 on point", p)
	}

	var v volmatch.Volunteer
	e.must(200, "vol1", "GET", "/v1/volunteers/v1", nil, &v)
	v.Trainings = append(v.Trainings, "sign_language_course")
	e.must(200, "vol1", "PUT", "/v1/volunteers/v1", v, &v)
	if len(v.Trainings) != 0 || v.Claims == nil || len(v.Claims.Trainings) != 1 {
		t.Fatalf("after claiming a training: trainings %v claims %+v, want it pending", v.Trainings, v.Claims)
	}
	e.must(403, "vol1", "POST", "/v1/volunteers/v1/verify", map[string]bool{"all": true}, nil)
	var got volmatch.Volunteer
	e.must(200, "sw1", "POST", "/v1/volunteers/v1/verify", map[string][]string{"trainings": {"sign_language_course"}}, &got)
	if got.Claims != nil || len(got.Trainings) != 1 || got.VerifiedBy != "org1" {
		t.Errorf("verified: trainings %v claims %+v by %q, want the training verified by org1", got.Trainings, got.Claims, got.VerifiedBy)
	}
}
