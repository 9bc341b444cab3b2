package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"volmatch"
	"volmatch/engine"
)

// Training before duty (培训): the course library (an organisation's staff
// keep their courses; everyone reads them), enrolment in a session (the
// volunteer), cancellation (the volunteer or the organisation), attendance
// (the organisation; it grants the training), a volunteer's course
// recommendations and the planner's blocking trainings. The engine rules
// who may do what.

// EnrolRequest names whom an admin enrols; a volunteer enrols themself.
type EnrolRequest struct {
	Volunteer string `json:"volunteer,omitempty"`
}

// AttendanceRequest records whether the volunteer attended.
type AttendanceRequest struct {
	Attended bool `json:"attended"`
}

var (
	pSession = Param{Name: "session", In: "path", Type: "string", Required: true, Desc: "the session's id"}

	opCreateCourse = Op{Summary: "Add a course to the library (a social worker's organisation's, or any for an admin)", Tag: "training",
		Body: volmatch.Course{}, Status: 201, Resp: volmatch.Course{}}
	opListCourses = Op{Summary: "List the course library, each session with its seats taken", Tag: "training",
		Params: withPage(q("org", "organisation"), q("domain", "domain key"), q("training", "training key")), Resp: List[volmatch.Course]{}}
	opGetCourse    = Op{Summary: "Get a course", Tag: "training", Params: idOnly(), Resp: volmatch.Course{}}
	opUpdateCourse = Op{Summary: "Replace a course; a session holding seats keeps its time and at least its seats (409)", Tag: "training",
		Params: idOnly(), Body: volmatch.Course{}, Resp: volmatch.Course{}}
	opDeleteCourse = Op{Summary: "Delete a course holding no seat", Tag: "training", Params: idOnly(), Status: 204}
	opEnrol        = Op{Summary: "Enrol in a session (报名培训): a seat, never more than the seats, never two overlapping sessions or a session and a shift (409 slot_full, shift_clash, already_held, shift_begun)",
		Tag: "training", Params: []Param{pID, pSession}, Body: EnrolRequest{}, Status: 201, Resp: volmatch.Enrolment{}}
	opListEnrolments = Op{Summary: "List enrolments: a volunteer their own, a social worker those of one of their courses (course required)", Tag: "training",
		Params: withPage(q("course", "course id"), q("volunteer", "volunteer id"), q("status", "enrolled, cancelled, attended or absent")),
		Resp:   List[volmatch.Enrolment]{}}
	opCancelEnrolment = Op{Summary: "Cancel an enrolment before its session begins (the volunteer or the organisation)", Tag: "training",
		Params: idOnly(), Resp: volmatch.Enrolment{}}
	opAttendance = Op{Summary: "Record attendance (the course's organisation); attending grants the course's training, verified, until its expiry",
		Tag: "training", Params: idOnly(), Body: AttendanceRequest{}, Resp: volmatch.Enrolment{}}
	opCourseRecommendations = Op{Summary: "The courses whose training would make the most open needs near the volunteer, in their free time, eligible (counted by re-running the gates)",
		Tag: "training", Params: []Param{pID, intQ("k", "at most this many (default 10, at most 100)")}, Resp: []engine.CourseRecommendation{}}
	opBlockingTrainings = Op{Summary: "The trainings whose absence blocks the most unmet demand, by district and domain (planner, admin)", Tag: "training",
		Params: []Param{q("district", "district code"), q("domain", "domain key")}, Resp: []engine.BlockingTraining{}}
)

func courseID(c *volmatch.Course) string { return c.ID }

// trainingRoutes registers the training routes.
func (s *Server) trainingRoutes(h func(method, path string, rs roles, op Op, f gin.HandlerFunc)) {
	get, post, put, del := http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete
	h(post, "/courses", staff, opCreateCourse, createRecord(s, s.eng.CreateCourse, "/v1/courses/", courseID))
	h(get, "/courses", anyRole, opListCourses, listRecords(s, courseFilter, s.eng.Courses))
	h(get, "/courses/:id", anyRole, opGetCourse, getRecord(s, s.eng.Course))
	h(put, "/courses/:id", staff, opUpdateCourse, bodyRoute(s, http.StatusOK, s.decode, s.eng.UpdateCourse))
	h(del, "/courses/:id", staff, opDeleteCourse, deleteRecord(s, s.eng.DeleteCourse))
	h(post, "/courses/:id/sessions/:session/enrol", adminAndSelf, opEnrol, s.enrol)
	h(get, "/enrolments", staffAndSelf, opListEnrolments, listRecords(s, enrolmentFilter, s.eng.Enrolments))
	h(post, "/enrolments/:id/cancel", staffAndSelf, opCancelEnrolment, getRecord(s, s.eng.CancelEnrolment))
	h(post, "/enrolments/:id/attendance", staff, opAttendance, bodyRoute(s, http.StatusOK, s.decode, s.attendance))
	h(get, "/volunteers/:id/training-recommendations", adminAndSelf, opCourseRecommendations, s.courseRecommendations)
	h(get, "/evaluation/blocking-trainings", readers, opBlockingTrainings, s.blockingTrainings)
}

// courseFilter reads the query of a course listing.
func courseFilter(c *gin.Context) (volmatch.CourseFilter, error) {
	f := volmatch.CourseFilter{Domain: c.Query("domain"), Training: c.Query("training")}
	var err error
	if f.ListOptions, err = listOptions(c); err != nil {
		return f, err
	}
	f.Org, err = idParam(c, "org")
	return f, err
}

// enrolmentFilter reads the query of an enrolment listing.
func enrolmentFilter(c *gin.Context) (volmatch.EnrolmentFilter, error) {
	var f volmatch.EnrolmentFilter
	var err error
	if f.ListOptions, err = listOptions(c); err != nil {
		return f, err
	}
	if f.Course, err = idParam(c, "course"); err != nil {
		return f, err
	}
	if f.Volunteer, err = idParam(c, "volunteer"); err != nil {
		return f, err
	}
	status, err := enumParam(c, "status", "enrolled", "cancelled", "attended", "absent")
	f.Status = volmatch.EnrolStatus(status)
	return f, err
}

func (s *Server) enrol(c *gin.Context) {
	var req EnrolRequest
	if err := s.bodyOrEmpty(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	en, err := s.eng.Enrol(c.Request.Context(), principal(c), c.Param("id"), c.Param("session"), req.Volunteer)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, en)
}

func (s *Server) attendance(ctx context.Context, tok *volmatch.Token, id string, req *AttendanceRequest) (*volmatch.Enrolment, error) {
	return s.eng.RecordAttendance(ctx, tok, id, req.Attended)
}

func (s *Server) courseRecommendations(c *gin.Context) {
	k, err := intParam(c, "k", 10, 1, 100)
	if err != nil {
		s.fail(c, err)
		return
	}
	recs, err := s.eng.TrainingRecommendations(c.Request.Context(), principal(c), c.Param("id"), k)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, recs)
}

func (s *Server) blockingTrainings(c *gin.Context) {
	rows, err := s.eng.BlockingTrainings(c.Request.Context(), principal(c), c.Query("district"), c.Query("domain"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, rows)
}
