package redis_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"volmatch"
	"volmatch/store/redis"
	"volmatch/store/redis/redistest"
	"volmatch/store/storetest"
)

var epoch = storetest.Epoch

func testVolunteer(id string) *volmatch.Volunteer {
	var w volmatch.Week
	for h := 0; h < volmatch.HoursPerWeek; h++ {
		w.Set(h)
	}
	return &volmatch.Volunteer{
		ID: id, Name: "测试", Phone: "13800000000", Home: volmatch.Point{Lat: 39.92, Lng: 116.44},
		District: "110105", Street: "110105001000", MaxTravelKm: 10, Availability: w,
	}
}

func testNeed(id string, shifts ...volmatch.Shift) *volmatch.Need {
	return &volmatch.Need{
		ID: id, Org: "O1", Title: "助老", Domain: "elderly_care", TargetGroup: volmatch.TargetElderly,
		Mode: volmatch.ModeConcentrated, Urgency: volmatch.UrgencyNormal,
		Point: volmatch.Point{Lat: 39.93, Lng: 116.45}, District: "110105", Street: "110105001000",
		RadiusKm: 5, Shifts: shifts,
	}
}

// dayShift returns shift S1, starting a day after epoch and lasting the
// hours given, with the slots given.
func dayShift(hours, slots int) volmatch.Shift {
	start := epoch.Add(24 * time.Hour)
	return volmatch.Shift{ID: "S1", Start: start, End: start.Add(time.Duration(hours) * time.Hour), Slots: slots}
}

// openOn opens a store on database 0 of srv, closed when the test ends.
func openOn(tb testing.TB, srv *redistest.Server, o redis.Options) *redis.Store {
	tb.Helper()
	st, err := redis.Open(context.Background(), srv.URL(0), o)
	if err != nil {
		tb.Fatalf("Open(%s) = %v", srv.URL(0), err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// putVolunteers stores n test volunteers, their IDs format applied to
// 0..n-1, through the import path.
func putVolunteers(tb testing.TB, st volmatch.Store, format string, n int) []*volmatch.Volunteer {
	tb.Helper()
	vs := make([]*volmatch.Volunteer, n)
	for i := range vs {
		vs[i] = testVolunteer(fmt.Sprintf(format, i))
	}
	if err := st.PutVolunteers(context.Background(), vs); err != nil {
		tb.Fatalf("PutVolunteers: %v", err)
	}
	return vs
}
