package redis_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"volmatch"
	"volmatch/store/redis/redistest"
)

// maxScript is the longest a script call of the store may run: Redis runs
// one script at a time, and every other client of the server waits for it.
const maxScript = time.Second

// maxRatio bounds a script call against calibrate's, measured in the same
// run (see TestReserveScriptTime).
const maxRatio = 8.0

// calibrate runs a script of fixed work on the server (20,000 SET and GET
// calls, as many as a reservation batch makes) and returns its duration as
// the server's slow log gives it: the speed of this machine now.
func calibrate(t *testing.T, c goredis.UniversalClient) time.Duration {
	t.Helper()
	ctx := context.Background()
	const script = "for i = 1, 20000 do redis.call('SET', KEYS[1], i); redis.call('GET', KEYS[1]) end return 0"
	if err := c.SlowLogReset(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.Eval(ctx, script, []string{"{vm}:calibrate"}).Err(); err != nil {
		t.Fatal(err)
	}
	logs, err := c.SlowLogGet(ctx, 16).Result()
	if err != nil {
		t.Fatal(err)
	}
	var d time.Duration
	for _, l := range logs {
		if len(l.Args) > 0 && strings.HasPrefix(strings.ToLower(l.Args[0]), "eval") {
			d = max(d, l.Duration)
		}
	}
	return d
}

// TestReserveScriptTime reserves the largest batch one write takes
// (volmatch.MaxReserve) several times, each volunteer holding more
// assignments each round (the overlap check reads them), and reads the
// server's own timing of every script call (SLOWLOG with a threshold of
// 0): the longest must stay under maxScript. It logs the figure. A batch
// larger than MaxReserve is refused before any script runs.
func TestReserveScriptTime(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	st := open(t, srv)
	const rounds = 5
	vols := putVolunteers(t, st, "V%05d", volmatch.MaxReserve)
	var shifts []volmatch.Shift
	for r := range rounds {
		sh := dayShift(2, volmatch.MaxReserve)
		sh.ID = fmt.Sprintf("S%d", r)
		sh.Start, sh.End = sh.Start.Add(time.Duration(r)*3*time.Hour), sh.End.Add(time.Duration(r)*3*time.Hour)
		shifts = append(shifts, sh)
	}
	if err := st.CreateNeed(ctx, testNeed("N1", shifts...)); err != nil {
		t.Fatal(err)
	}
	c := st.Client()
	if err := c.ConfigSet(ctx, "slowlog-log-slower-than", "0").Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.ConfigSet(ctx, "slowlog-max-len", "1024").Err(); err != nil {
		t.Fatal(err)
	}
	defer c.ConfigSet(ctx, "slowlog-log-slower-than", "10000")
	var longest, wall, calib time.Duration
	for r := range rounds {
		calib = max(calib, calibrate(t, c))
		rs := make([]volmatch.Reservation, len(vols))
		for i, v := range vols {
			rs[i] = volmatch.Reservation{Need: "N1", Shift: shifts[r].ID, Volunteer: v.ID}
		}
		if err := c.SlowLogReset(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		as, err := st.Reserve(ctx, rs, epoch)
		wall = max(wall, time.Since(start))
		if err != nil || len(as) != len(rs) {
			t.Fatalf("round %d: Reserve of %d = %d, %v", r, len(rs), len(as), err)
		}
		logs, err := c.SlowLogGet(ctx, 1024).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range logs {
			if len(l.Args) > 0 && strings.HasPrefix(strings.ToLower(l.Args[0]), "eval") {
				longest = max(longest, l.Duration)
			}
		}
	}
	t.Logf("Reserve of %d reservations (volunteers holding up to %d each): longest script call %v on the server (%.1f× the calibration script's %v), longest Reserve %v",
		volmatch.MaxReserve, rounds-1, longest, float64(longest)/float64(calib), calib, wall)
	if longest == 0 || calib == 0 {
		t.Fatal("no script call in the slow log")
	}
	// On a quiet machine the calibration takes about 1/maxRatio of
	// maxScript; on a loaded one both slow down alike, so the bound is the
	// ratio (an absolute bound failed whenever the machine was busy).
	if longest > maxScript && float64(longest) > maxRatio*float64(calib) {
		t.Errorf("longest script call %v, want at most %v or %.0f× the calibration script's %v", longest, maxScript, maxRatio, calib)
	}
	rs := make([]volmatch.Reservation, volmatch.MaxReserve+1)
	if _, err := st.Reserve(ctx, rs, epoch); volmatch.ErrorCode(err) != volmatch.EINVALID {
		t.Errorf("Reserve of MaxReserve+1 = %v, want invalid", err)
	}
}
