package api

import (
	"github.com/gin-gonic/gin"

	"volmatch"
)

func volunteerID(v *volmatch.Volunteer) string { return v.ID }

// volunteerFilter reads the query of a volunteer listing.
func volunteerFilter(c *gin.Context) (volmatch.VolunteerFilter, error) {
	f := volmatch.VolunteerFilter{District: c.Query("district"), Street: c.Query("street"), Skill: c.Query("skill")}
	var err error
	if f.ListOptions, err = listOptions(c); err == nil {
		f.Pool, err = idParam(c, "pool")
	}
	return f, err
}
