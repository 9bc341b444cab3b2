package grid

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"volmatch"
)

// snapVolunteer is featVolunteer with every other field a snapshot keeps
// set on some volunteers: zones, claims, stats, nil against empty lists.
func snapVolunteer(r *rand.Rand, i int) *volmatch.Volunteer {
	v := featVolunteer(r, i)
	v.Name, v.Phone, v.Bio = fmt.Sprintf("姓名%d", i), fmt.Sprintf("138%08d", i), "擅长急救"
	v.Hidden = &volmatch.HiddenPreferences{Flakiness: 0.1}
	v.Gender = []string{"", "f", "m"}[r.IntN(3)]
	v.BirthYear = 1950 + r.IntN(60)
	v.District = fmt.Sprintf("1101%02d", r.IntN(16))
	v.Street = v.District + fmt.Sprintf("%03d000", r.IntN(20))
	zones := []*time.Location{time.UTC, time.FixedZone("", 8*3600), time.FixedZone("CST", 8*3600), time.Local}
	v.UpdatedAt = featMonday.Add(time.Duration(r.IntN(1e6)) * time.Second).In(zones[r.IntN(len(zones))])
	switch r.IntN(3) {
	case 0:
		v.PreferredDomains = []string{}
		v.Teams = []string{"team-" + v.Street}
	case 1:
		v.PreferredDomains = []string{"elderly_care", "emergency", "youth"}[:1+r.IntN(3)]
		v.Pools = []string{"pool-medical", "pool-legal"}
	}
	if r.IntN(5) == 0 {
		v.Claims = &volmatch.Claims{Skills: []volmatch.SkillLevel{{Skill: "d", Level: 2}}, Trainings: []string{"t3"},
			Certificates: []volmatch.Certificate{{Name: "z", Expires: featMonday.AddDate(0, 3, 0)}}, At: featMonday}
		v.VerifiedBy, v.VerifiedAt = "org-1", featMonday.Add(-time.Hour)
	}
	if r.IntN(4) == 0 {
		v.Exceptions = []volmatch.Exception{}
	}
	v.Consent = volmatch.Consent{ShareContact: r.IntN(2) == 0, Emergency: r.IntN(2) == 0, Findable: r.IntN(2) == 0}
	v.Stats = volmatch.VolunteerStats{Hours: float64(r.IntN(400)) / 4, Completed: r.IntN(9), NoShows: r.IntN(2),
		Cancelled: r.IntN(2), Declined: r.IntN(3), Load: r.IntN(4), Reliability: r.Float64()}
	return v.Coarsened()
}

// snapCity is an index of n slim volunteers, a third holding slots, as the
// follower keeps it.
func snapCity(t *testing.T, n int) (*Features, map[string][]volmatch.HeldSlot) {
	t.Helper()
	r := rand.New(rand.NewPCG(17, 3))
	vs := make([]*volmatch.Volunteer, n)
	for i := range vs {
		vs[i] = Slim(snapVolunteer(r, i))
	}
	_, slots := featHeld(r, vs)
	f := NewFeatures(vs)
	f.LoadHeld(slots)
	return f, slots
}

var snapInfo = SnapshotInfo{Store: "0123456789abcdef", Seq: 4711, At: volmatch.Change{Seq: 4711, Kind: volmatch.ChangeVolunteer, ID: "V00042", Derived: true}}

func snapBytes(t *testing.T, z Frozen) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteSnapshot(&buf, snapInfo, z); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// frozenOpts compare two Frozen: NaN homes equal, spans by value.
var frozenOpts = cmp.Options{cmpopts.EquateNaNs(), cmp.AllowUnexported(span{})}

// TestSnapshotRoundTrip: a snapshot read back gives the same volunteers
// (every field Slim keeps, zones, nil and empty lists alike) and held
// slots, and an index loaded from it the same answers to every query.
func TestSnapshotRoundTrip(t *testing.T) {
	f, _ := snapCity(t, 3000)
	want := f.Freeze()
	data := snapBytes(t, want)
	info, got, err := ReadSnapshot(data)
	if err != nil {
		t.Fatalf("ReadSnapshot: %v", err)
	}
	wantInfo := snapInfo
	wantInfo.Volunteers = len(want.Volunteers)
	if info != wantInfo {
		t.Errorf("ReadSnapshot info = %+v, want %+v", info, wantInfo)
	}
	if d := cmp.Diff(want, got, frozenOpts); d != "" {
		t.Fatalf("ReadSnapshot contents (-want +got):\n%s", d)
	}
	// Short lists are shared as Slim shares them.
	for i, v := range got.Volunteers {
		if len(v.Languages) > 0 && len(v.Languages) <= 2 && &v.Languages[0] != &want.Volunteers[i].Languages[0] {
			t.Fatalf("volunteer %s: languages not shared with Slim's lists", v.ID)
		}
	}

	g := NewFeatures(nil)
	if err := g.LoadFrozen(got); err != nil {
		t.Fatalf("LoadFrozen: %v", err)
	}
	r := rand.New(rand.NewPCG(9, 9))
	for i := range 200 {
		n := featNeed(r)
		a, b := pruneAll(f, n), pruneAll(g, n)
		if d := cmp.Diff(a, b, frozenOpts); d != "" {
			t.Fatalf("need %d: Prune over the loaded snapshot differs (-full +snapshot):\n%s", i, d)
		}
	}
	if d := cmp.Diff(want, g.Freeze(), frozenOpts); d != "" {
		t.Fatalf("Freeze after LoadFrozen (-want +got):\n%s", d)
	}
}

type pruned struct {
	Yield map[string]Held
	Ex    volmatch.Exclusions
}

func pruneAll(f *Features, n *volmatch.Need) pruned {
	p := pruned{Yield: map[string]Held{}}
	p.Ex, _ = f.PruneBounded(n, n.Shifts, nil, func(v *volmatch.Volunteer, h Held) float64 {
		p.Yield[v.ID] = h
		return math.Inf(-1)
	})
	return p
}

// TestSnapshotRefused: a truncated, corrupt or other-version snapshot is
// refused with ErrSnapshot, never read as another index.
func TestSnapshotRefused(t *testing.T) {
	f, _ := snapCity(t, 500)
	data := snapBytes(t, f.Freeze())
	check := func(name string, b []byte) {
		t.Helper()
		if _, err := ReadSnapshotInfo(b); !errors.Is(err, ErrSnapshot) {
			t.Fatalf("%s: ReadSnapshotInfo error = %v, want ErrSnapshot", name, err)
		}
		if _, _, err := ReadSnapshot(b); !errors.Is(err, ErrSnapshot) {
			t.Fatalf("%s: ReadSnapshot error = %v, want ErrSnapshot", name, err)
		}
	}
	for n := 0; n < len(data); n += 1 + n/3 {
		check(fmt.Sprintf("truncated to %d bytes", n), data[:n])
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		b := bytes.Clone(data)
		i := r.IntN(len(b))
		b[i] ^= byte(1 + r.IntN(255))
		check(fmt.Sprintf("byte %d changed", i), b)
	}
	other := bytes.Clone(data)
	other[len(snapshotMagic)] = SnapshotVersion + 1
	check("another version", other)
	check("empty", nil)

	// A snapshot whose checksum holds but that names a volunteer twice.
	z := f.Freeze()
	z.Volunteers = append(z.Volunteers, z.Volunteers[0])
	z.Held = append(z.Held, nil)
	_, dup, err := ReadSnapshot(snapBytes(t, z))
	if err != nil {
		t.Fatalf("ReadSnapshot: %v", err)
	}
	g := NewFeatures(nil)
	if err := g.LoadFrozen(dup); !errors.Is(err, ErrSnapshot) {
		t.Fatalf("LoadFrozen of a volunteer twice: error %v, want ErrSnapshot", err)
	}
	if g.Len() != 0 {
		t.Fatalf("LoadFrozen refused, but the index holds %d volunteers", g.Len())
	}
	check("JSON", []byte(`{"volunteers":[]}`))
}

// TestSnapshotNoPersonalData: the snapshot of volunteers with names,
// phones, bios and exact homes holds none of them.
func TestSnapshotNoPersonalData(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 3))
	var vs, exact []*volmatch.Volunteer
	for i := range 300 {
		v := snapVolunteer(r, i)
		v.Home = volmatch.Point{Lat: 39.912345 + float64(i)*1e-5, Lng: 116.398765}
		exact = append(exact, v)
		vs = append(vs, Slim(v.Coarsened()))
	}
	f := NewFeatures(vs)
	data := snapBytes(t, f.Freeze())
	for _, v := range exact {
		for _, secret := range []string{v.Name, v.Phone, v.Bio} {
			if bytes.Contains(data, []byte(secret)) {
				t.Fatalf("the snapshot holds %q of %s", secret, v.ID)
			}
		}
		for _, x := range []float64{v.Home.Lat, v.Home.Lng} {
			if bytes.Contains(data, appendFloat(nil, x)) {
				t.Fatalf("the snapshot holds the exact home %v of %s", v.Home, v.ID)
			}
		}
	}
}

// FuzzReadSnapshot: any bytes are read without a panic, a snapshot or an
// error (the checksum is fixed up so that the decoder sees the garbage).
func FuzzReadSnapshot(f *testing.F) {
	r := rand.New(rand.NewPCG(1, 1))
	vs := []*volmatch.Volunteer{Slim(snapVolunteer(r, 1)), Slim(snapVolunteer(r, 2))}
	var buf bytes.Buffer
	if err := WriteSnapshot(&buf, snapInfo, NewFeatures(vs).Freeze()); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > len(snapshotMagic)+4 {
			b = bytes.Clone(b)
			body := b[:len(b)-4]
			copy(body, snapshotMagic)
			sum := crcOf(body)
			copy(b[len(b)-4:], sum[:])
		}
		_, z, err := ReadSnapshot(b)
		if err == nil {
			_ = NewFeatures(nil).LoadFrozen(z)
		}
	})
}
