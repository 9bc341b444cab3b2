package bolt_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"volmatch"
	"volmatch/store/bolt"
	"volmatch/store/storetest"
)

func benchStore(b *testing.B, noSync bool, nVols int) *bolt.Store {
	b.Helper()
	st, err := bolt.Open(filepath.Join(b.TempDir(), bolt.FileName), bolt.Options{NoSync: noSync, Now: storetest.Now})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	ctx := context.Background()
	for i := 0; i < nVols; i += 5000 {
		var vs []*volmatch.Volunteer
		for j := i; j < min(i+5000, nVols); j++ {
			vs = append(vs, &volmatch.Volunteer{ID: fmt.Sprintf("V%07d", j), Name: "志愿者", Home: volmatch.Point{Lat: 39.9, Lng: 116.4}, MaxTravelKm: 5})
		}
		if err := st.PutVolunteers(ctx, vs); err != nil {
			b.Fatal(err)
		}
	}
	return st
}

func benchNeed(id string, shifts, slots int) *volmatch.Need {
	n := &volmatch.Need{ID: id, Org: "O1", Title: "大型赛会", Domain: "sports", Mode: volmatch.ModeConcentrated,
		Urgency: volmatch.UrgencyNormal, Point: volmatch.Point{Lat: 39.9, Lng: 116.4}, RadiusKm: 10}
	for i := 0; i < shifts; i++ {
		s := storetest.Epoch.Add(time.Duration(i) * 4 * time.Hour)
		n.Shifts = append(n.Shifts, volmatch.Shift{ID: fmt.Sprintf("S%03d", i), Start: s, End: s.Add(3 * time.Hour), Slots: slots})
	}
	return n
}

// BenchmarkReserve measures one reservation per transaction (what an
// accept costs), with and without fsync on commit.
func BenchmarkReserve(b *testing.B) {
	for _, noSync := range []bool{false, true} {
		b.Run(fmt.Sprintf("nosync=%v", noSync), func(b *testing.B) {
			st := benchStore(b, noSync, b.N)
			ctx := context.Background()
			if err := st.CreateNeed(ctx, benchNeed("N1", 1, 10000)); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if i > 0 && i%10000 == 0 { // a fresh need each 10000 slots
					b.StopTimer()
					if err := st.CreateNeed(ctx, benchNeed(fmt.Sprintf("N%d", i), 1, 10000)); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				r := volmatch.Reservation{Need: fmt.Sprintf("N%d", max(1, i/10000*10000)), Shift: "S000", Volunteer: fmt.Sprintf("V%07d", i)}
				if i < 10000 {
					r.Need = "N1"
				}
				if _, err := st.Reserve(ctx, []volmatch.Reservation{r}, storetest.Epoch); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkReserveBatch measures a batch assignment commit of 500
// reservations in one transaction (fsync on), each of a fresh volunteer.
func BenchmarkReserveBatch(b *testing.B) {
	const batch = 500
	st := benchStore(b, false, 0)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		n := benchNeed(fmt.Sprintf("N%d", i), 1, batch)
		if err := st.CreateNeed(ctx, n); err != nil {
			b.Fatal(err)
		}
		vs := make([]*volmatch.Volunteer, batch)
		rs := make([]volmatch.Reservation, batch)
		for j := range rs {
			id := fmt.Sprintf("V%d-%d", i, j)
			vs[j] = &volmatch.Volunteer{ID: id, Name: "志愿者", Home: volmatch.Point{Lat: 39.9, Lng: 116.4}, MaxTravelKm: 5}
			rs[j] = volmatch.Reservation{Need: n.ID, Shift: "S000", Volunteer: id}
		}
		if err := st.PutVolunteers(ctx, vs); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := st.Reserve(ctx, rs, storetest.Epoch); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNeed reads a need of 200 shifts with its fill counts.
func BenchmarkNeed(b *testing.B) {
	st := benchStore(b, true, 0)
	ctx := context.Background()
	if err := st.CreateNeed(ctx, benchNeed("N1", 200, 10)); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := st.Need(ctx, "N1"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEachVolunteer walks 100k volunteers (an index build).
func BenchmarkEachVolunteer(b *testing.B) {
	st := benchStore(b, true, 100000)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := 0
		if err := st.EachVolunteer(ctx, func(*volmatch.Volunteer) error { n++; return nil }); err != nil || n != 100000 {
			b.Fatalf("EachVolunteer: %d, %v", n, err)
		}
	}
}
