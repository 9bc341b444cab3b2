package web_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"volmatch"
	"volmatch/scoring"
	"volmatch/web"
)

// TestRefusalSentenceByReason: an engine refusal is told apart by its
// reason (volmatch.Error.Reason), not its English wording: each reason
// the pages map shows its Chinese sentence on the page, whatever the
// message says, and a refusal with no reason shows the general sentence
// even where its wording is that of a known refusal.
func TestRefusalSentenceByReason(t *testing.T) {
	e := newEnv(t)
	c := e.signIn(volunteer)
	cases := []struct {
		name   string
		err    error
		key    string
		phrase string // in the Chinese sentence shown
	}{
		{"full", volmatch.Reasonf(volmatch.ECONFLICT, volmatch.ReasonSlotFull, "no room left"), "refused.full", "满员"},
		{"clash", volmatch.Reasonf(volmatch.ECONFLICT, volmatch.ReasonShiftClash, "overlaps"), "refused.clash", "时间冲突"},
		{"begun", volmatch.Reasonf(volmatch.ECONFLICT, volmatch.ReasonShiftBegun, "started"), "refused.begun", "已经开始"},
		{"gate", volmatch.FieldError("volunteer", "not qualified").WithReason(volmatch.ReasonGate(scoring.GateTraining)), "refused.gate", "不符合这项服务的要求"},
		{"gate in a batch", volmatch.AtIndex("reservations", 0, volmatch.Reasonf(volmatch.ECONFLICT, volmatch.ReasonGate(scoring.GateCertificate), "x")), "refused.gate", "不符合这项服务的要求"},
		{"held", volmatch.Reasonf(volmatch.ECONFLICT, volmatch.ReasonAlreadyHeld, "x"), "refused.held", "已经报名"},
		{"not menu", volmatch.Reasonf(volmatch.ECONFLICT, volmatch.ReasonNotMenu, "x"), "refused.notmenu", "由机构邀请"},
		{"closed", volmatch.Reasonf(volmatch.ECONFLICT, volmatch.ReasonNeedClosed, "x"), "refused.closed", "结束或取消"},
		{"answered", volmatch.Reasonf(volmatch.ECONFLICT, volmatch.ReasonAnswered, "x"), "refused.answered", "已经答复"},
		{"old wording, no reason", volmatch.Errorf(volmatch.ECONFLICT, "shift s1 of need N1 is full (1 of 1 slots)"), "refused.other", "请刷新页面后再试"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			key := web.Refusal(tc.err)
			if key != tc.key {
				t.Fatalf("refusal(%v) = %q, want %q", tc.err, key, tc.key)
			}
			if s := web.Msg(web.LangZH, key); !strings.Contains(s, tc.phrase) {
				t.Fatalf("message %q = %q, want it to say %q", key, s, tc.phrase)
			}
			if _, _, page := c.get("/web/menu?msg=" + url.QueryEscape(key)); !strings.Contains(page, web.Msg(web.LangZH, key)) {
				t.Errorf("the menu with ?msg=%s does not show %q:\n%s", key, web.Msg(web.LangZH, key), page)
			}
		})
	}

	// The steps of the day: by reason, with the assignment's state as the
	// general sentence.
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, volmatch.Beijing)
	a := &volmatch.Assignment{Start: start, End: start.Add(3 * time.Hour), Status: volmatch.AssignCompleted}
	steps := []struct {
		kind   volmatch.StepKind
		field  string
		reason string
		key    string
	}{
		{volmatch.StepRate, "", volmatch.ReasonAlreadyRated, "today.err.rated"},
		{volmatch.StepCheckOut, "at", volmatch.ReasonCheckOutWindow, "today.err.late"},
		{volmatch.StepCheckOut, "at", volmatch.ReasonCheckOutEarly, "today.err.before"},
		{volmatch.StepRate, "", "", ""},
	}
	for _, s := range steps {
		want := web.Msg(web.LangZH, s.key)
		if s.key == "" {
			want = web.StepError(web.LangZH, volmatch.StepCheckIn, a, "", volmatch.ReasonWrongState)
		}
		if got := web.StepError(web.LangZH, s.kind, a, s.field, s.reason); got != want {
			t.Errorf("stepError(%s, %q, %q) = %q, want %q", s.kind, s.field, s.reason, got, want)
		}
	}
}
