package api

import (
	"github.com/gin-gonic/gin"

	"volmatch"
)

func needID(n *volmatch.Need) string { return n.ID }

// needFilter reads the query of a need listing.
func needFilter(c *gin.Context) (volmatch.NeedFilter, error) {
	f := volmatch.NeedFilter{District: c.Query("district"), Domain: c.Query("domain")}
	var err error
	if f.ListOptions, err = listOptions(c); err != nil {
		return f, err
	}
	if f.Org, err = idParam(c, "org"); err != nil {
		return f, err
	}
	status, err := enumParam(c, "status", "open", "closed", "cancelled")
	if err != nil {
		return f, err
	}
	mode, err := enumParam(c, "mode", "concentrated", "pairing", "menu")
	if err != nil {
		return f, err
	}
	urgency, err := enumParam(c, "urgency", "normal", "urgent", "emergency")
	f.Status, f.Mode, f.Urgency = volmatch.NeedStatus(status), volmatch.Mode(mode), volmatch.Urgency(urgency)
	return f, err
}

// nonNil turns a nil slice into an empty one, so lists answer [] not null.
func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}
