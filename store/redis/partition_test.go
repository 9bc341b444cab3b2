package redis_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"volmatch/store/redis/redistest"
)

// This file simulates the national design of docs/scale-out.md on a real
// three-node Redis Cluster: each city is a partition with its own hash
// tag ({bj}, {tj}, {sjz}), and a volunteer of one city reserves a slot of
// another's need (a Tianjin volunteer serving in Beijing). No script may
// touch two partitions, so the reservation is three atomic steps, each on
// one partition and idempotent under the reservation's ID:
//
//  1. slot, on the need's partition: a pending slot with a lease (pending
//     and confirmed together never exceed the slots);
//  2. hold, on the volunteer's home partition: the shift enters their
//     schedule as tentative unless it overlaps one they hold (tentative
//     ones included);
//  3. confirm, on the need's partition: the pending slot becomes
//     confirmed, with its event, unless its lease ran out (then it is
//     tombstoned, and a late confirm fails).
//
// A refusal at step 2 or 3 undoes the steps before it; a coordinator that
// dies between steps leaves a lease that runs out and a tentative hold that
// the home partition's sweeper settles by asking the need's partition,
// which answers confirmed, pending, or aborted (tombstoning it so that the
// answer cannot change).

// xSlotScript: KEYS pending, confirmed, aborted; ARGV res, slots, now, lease-until.
var xSlotScript = goredis.NewScript(`
if redis.call('SISMEMBER', KEYS[3], ARGV[1]) == 1 then return 'aborted' end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 or redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 'ok' end
local p = redis.call('HGETALL', KEYS[1])
for i = 1, #p, 2 do
  if tonumber(p[i+1]) <= tonumber(ARGV[3]) then
    redis.call('HDEL', KEYS[1], p[i]); redis.call('SADD', KEYS[3], p[i])
  end
end
if redis.call('HLEN', KEYS[1]) + redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[2]) then return 'full' end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
return 'ok'`)

// xHoldScript: KEYS held; ARGV res, start, end, where (city/shift).
var xHoldScript = goredis.NewScript(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 'ok' end
local h = redis.call('HGETALL', KEYS[1])
for i = 1, #h, 2 do
  local s, e = string.match(h[i+1], '^(%d+) (%d+)')
  if tonumber(s) < tonumber(ARGV[3]) and tonumber(ARGV[2]) < tonumber(e) then return 'clash' end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ' ' .. ARGV[3] .. ' t ' .. ARGV[4])
return 'ok'`)

// xConfirmScript: KEYS pending, confirmed, aborted, events; ARGV res, now, volunteer.
var xConfirmScript = goredis.NewScript(`
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return 'ok' end
if redis.call('SISMEMBER', KEYS[3], ARGV[1]) == 1 then return 'aborted' end
local exp = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
if not exp or tonumber(exp) <= tonumber(ARGV[2]) then
  redis.call('SADD', KEYS[3], ARGV[1]); return 'aborted'
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('XADD', KEYS[4], '*', 'type', 'invite.accepted', 'reservation', ARGV[1], 'volunteer', ARGV[3])
return 'ok'`)

// xResolveScript: KEYS pending, confirmed, aborted; ARGV res, now. The
// fate of a reservation for the sweeper; "aborted" is final.
var xResolveScript = goredis.NewScript(`
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return 'confirmed' end
local exp = redis.call('HGET', KEYS[1], ARGV[1])
if exp and tonumber(exp) > tonumber(ARGV[2]) then return 'pending' end
redis.call('HDEL', KEYS[1], ARGV[1]); redis.call('SADD', KEYS[3], ARGV[1])
return 'aborted'`)

// xReleaseScript: KEYS pending, confirmed, aborted; ARGV res. The
// coordinator gives a pending slot back (and tombstones the reservation).
var xReleaseScript = goredis.NewScript(`
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return 'confirmed' end
redis.call('HDEL', KEYS[1], ARGV[1]); redis.call('SADD', KEYS[3], ARGV[1])
return 'aborted'`)

// xSettleScript: KEYS held; ARGV res, verdict (confirmed: tentative ->
// final; aborted: removed).
var xSettleScript = goredis.NewScript(`
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return 'gone' end
if ARGV[2] == 'aborted' then redis.call('HDEL', KEYS[1], ARGV[1]); return 'removed' end
redis.call('HSET', KEYS[1], ARGV[1], (string.gsub(v, ' t ', ' f ', 1)))
return 'final'`)

// xShift is a shift of a need in a city's partition.
type xShift struct {
	city, id   string
	slots      int
	start, end int64 // unix seconds
}

func (s xShift) keys(suffix ...string) []string {
	p := "{" + s.city + "}:x"
	out := []string{p + "pending:" + s.id, p + "confirmed:" + s.id, "{" + s.city + "}:xaborted"}
	for _, x := range suffix {
		out = append(out, "{"+s.city+"}:"+x)
	}
	return out
}

func heldKey(home, vol string) string { return "{" + home + "}:xheld:" + vol }

// xCoordinator runs reservations against the cluster with an injected
// clock (milliseconds) and lease.
type xCoordinator struct {
	c     *goredis.ClusterClient
	now   *atomic.Int64
	lease int64
}

var errCrash = errors.New("coordinator crashed")

// reserve runs the three steps for reservation res; crash (0: none, 1..3)
// stops the coordinator after that step, as a process dying would.
func (x *xCoordinator) reserve(ctx context.Context, res, home, vol string, s xShift, crash int) (string, error) {
	now := x.now.Load()
	r, err := xSlotScript.Run(ctx, x.c, s.keys(), res, s.slots, now, now+x.lease).Text()
	if err != nil || r != "ok" {
		return r, err
	}
	if crash == 1 {
		return "", errCrash
	}
	where := s.city + "/" + s.id
	r, err = xHoldScript.Run(ctx, x.c, []string{heldKey(home, vol)}, res, s.start, s.end, where).Text()
	if err != nil {
		return "", err
	}
	if r == "clash" {
		// give the slot back, for good
		if _, err := xReleaseScript.Run(ctx, x.c, s.keys(), res).Text(); err != nil {
			return "", err
		}
		return "clash", nil
	}
	if crash == 2 {
		return "", errCrash
	}
	r, err = xConfirmScript.Run(ctx, x.c, s.keys("xevents"), res, x.now.Load(), vol).Text()
	if err != nil {
		return "", err
	}
	verdict := "confirmed"
	if r != "ok" {
		verdict = "aborted"
	}
	if crash == 3 {
		return "", errCrash
	}
	if _, err := xSettleScript.Run(ctx, x.c, []string{heldKey(home, vol)}, res, verdict).Text(); err != nil {
		return "", err
	}
	return r, nil
}

// sweep settles every tentative hold of the volunteers of home by asking
// the need's partition; it returns how many it settled.
func (x *xCoordinator) sweep(ctx context.Context, home string, vols []string, shifts map[string]xShift) (int, error) {
	n := 0
	for _, v := range vols {
		h, err := x.c.HGetAll(ctx, heldKey(home, v)).Result()
		if err != nil {
			return n, err
		}
		for res, val := range h {
			f := strings.Fields(val)
			if f[2] != "t" {
				continue
			}
			verdict, err := xResolveScript.Run(ctx, x.c, shifts[f[3]].keys(), res, x.now.Load()).Text()
			if err != nil {
				return n, err
			}
			if verdict == "pending" {
				continue
			}
			if _, err := xSettleScript.Run(ctx, x.c, []string{heldKey(home, v)}, res, verdict).Text(); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// TestCrossPartitionReservation: three cities on a three-node Redis
// Cluster, each its own hash tag; volunteers of every city reserve slots of
// every city's shifts concurrently, coordinators dying between steps. After
// the leases run out and the sweepers ran: no shift holds more confirmed
// volunteers than slots, no volunteer holds two overlapping shifts, every
// confirmed reservation is in its volunteer's schedule and nothing else
// is, and nothing is left pending or tentative.
func TestCrossPartitionReservation(t *testing.T) {
	ctx := context.Background()
	nodes := redistest.StartClusterN(t, 3)
	c := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: []string{nodes[0].Addr()}, MaxRedirects: 8})
	defer c.Close()
	cities := []string{"bj", "tj", "sjz"}

	// the partitions are on different nodes, and one script cannot span two
	masters := map[string]bool{}
	for _, city := range cities {
		m, err := c.MasterForKey(ctx, "{"+city+"}:x")
		if err != nil {
			t.Fatal(err)
		}
		masters[m.Options().Addr] = true
	}
	if len(masters) < 2 {
		t.Errorf("the three cities' hash tags landed on %d node(s), want them spread", len(masters))
	}
	cross := goredis.NewScript(`return redis.call('GET', KEYS[1]) or redis.call('GET', KEYS[2])`)
	err := cross.Run(ctx, c, []string{"{bj}:xfill:s1", "{tj}:xheld:V1"}).Err()
	if err == nil || !strings.Contains(err.Error(), "CROSSSLOT") {
		t.Fatalf("a script over {bj} and {tj} = %v, want CROSSSLOT: a reservation cannot be one script", err)
	}

	// shifts: each city 12 shifts of 3 slots, on one day in 2-hour steps of
	// 3 hours, so that neighbours overlap
	day := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC).Unix()
	shifts := map[string]xShift{}
	var shiftList []xShift
	for _, city := range cities {
		for i := range 12 {
			s := xShift{city: city, id: fmt.Sprintf("s%02d", i), slots: 3,
				start: day + int64(i%6)*7200, end: day + int64(i%6)*7200 + 3*3600}
			shifts[city+"/"+s.id] = s
			shiftList = append(shiftList, s)
		}
	}
	vols := map[string][]string{}
	for _, city := range cities {
		for i := range 15 {
			vols[city] = append(vols[city], fmt.Sprintf("V%s%02d", city, i))
		}
	}
	now := &atomic.Int64{}
	now.Store(day * 1000)
	x := &xCoordinator{c: c, now: now, lease: 30_000}

	var wg sync.WaitGroup
	var mu sync.Mutex
	outcomes := map[string]int{}
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for i := range 80 {
				home := cities[r.IntN(len(cities))]
				vol := vols[home][r.IntN(len(vols[home]))]
				s := shiftList[r.IntN(len(shiftList))]
				crash := 0
				if r.IntN(10) == 0 {
					crash = 1 + r.IntN(3)
				}
				res := fmt.Sprintf("R%d-%d", w, i)
				out, err := x.reserve(ctx, res, home, vol, s, crash)
				if errors.Is(err, errCrash) {
					out = "crash"
				} else if err != nil {
					t.Errorf("reserve %s: %v", res, err)
					return
				}
				if r.IntN(3) == 0 && crash == 0 {
					// a retry of a reservation that succeeded succeeds again and
					// takes nothing more; one refused for a clash stays refused
					again, err := x.reserve(ctx, res, home, vol, s, 0)
					if err != nil || (out == "ok" && again != "ok") || (out == "clash" && again != "aborted") {
						t.Errorf("retry of %s = %q, %v; first %q", res, again, err, out)
					}
				}
				if i%20 == 0 {
					now.Add(1000) // time moves; leases of crashed coordinators run out later
				}
				mu.Lock()
				outcomes[out]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	t.Logf("outcomes: %v", outcomes)
	if outcomes["ok"] == 0 || outcomes["crash"] == 0 || outcomes["full"]+outcomes["clash"] == 0 {
		t.Fatalf("outcomes %v: the run did not exercise success, crashes and refusals", outcomes)
	}

	// every lease runs out; the sweepers settle what the crashes left
	now.Add(x.lease + 1)
	settled := 0
	for _, city := range cities {
		n, err := x.sweep(ctx, city, vols[city], shifts)
		if err != nil {
			t.Fatal(err)
		}
		settled += n
	}
	t.Logf("settled by the sweepers: %d", settled)

	// the invariants
	confirmedOf := map[string][]string{} // volunteer -> reservations
	for _, s := range shiftList {
		keys := s.keys()
		if _, err := xSlotScript.Run(ctx, c, keys, "probe-"+s.city+s.id, 1<<30, now.Load(), 0).Text(); err != nil {
			t.Fatal(err) // purges expired pending slots (the probe's own lease is already over)
		}
		if _, err := xResolveScript.Run(ctx, c, keys, "probe-"+s.city+s.id, now.Load()).Text(); err != nil {
			t.Fatal(err)
		}
		if n := c.HLen(ctx, keys[0]).Val(); n != 0 {
			t.Errorf("%s/%s: %d pending slots left after the leases ran out", s.city, s.id, n)
		}
		conf := c.HGetAll(ctx, keys[1]).Val()
		if len(conf) > s.slots {
			t.Errorf("%s/%s: %d confirmed, %d slots", s.city, s.id, len(conf), s.slots)
		}
		for res, vol := range conf {
			confirmedOf[vol] = append(confirmedOf[vol], res)
		}
	}
	for _, city := range cities {
		for _, v := range vols[city] {
			h := c.HGetAll(ctx, heldKey(city, v)).Val()
			type iv struct{ s, e int64 }
			var ivs []iv
			var held []string
			for res, val := range h {
				f := strings.Fields(val)
				if f[2] != "f" {
					t.Errorf("%s: reservation %s still %q after the sweep", v, res, val)
				}
				s, _ := strconv.ParseInt(f[0], 10, 64)
				e, _ := strconv.ParseInt(f[1], 10, 64)
				ivs = append(ivs, iv{s, e})
				held = append(held, res)
			}
			sort.Slice(ivs, func(i, j int) bool { return ivs[i].s < ivs[j].s })
			for i := 1; i < len(ivs); i++ {
				if ivs[i].s < ivs[i-1].e {
					t.Errorf("%s holds overlapping shifts %v and %v", v, ivs[i-1], ivs[i])
				}
			}
			want := confirmedOf[v]
			sort.Strings(want)
			sort.Strings(held)
			if strings.Join(want, ",") != strings.Join(held, ",") {
				t.Errorf("%s: schedule holds %v, the need partitions confirmed %v", v, held, want)
			}
		}
	}
	// each confirmation wrote its event on the need's partition
	events := 0
	for _, city := range cities {
		events += int(c.XLen(ctx, "{"+city+"}:xevents").Val())
	}
	total := 0
	for _, rs := range confirmedOf {
		total += len(rs)
	}
	if events != total {
		t.Errorf("%d accepted events, %d confirmed reservations", events, total)
	}

	// A coordinator paused past its lease (a GC pause, a partition of the
	// network) does not confirm: its slot went to another volunteer.
	p := xShift{city: "bj", id: "pause", slots: 1, start: day, end: day + 3600}
	if out, err := x.reserve(ctx, "Rslow", "tj", "Vslow", p, 2); !errors.Is(err, errCrash) {
		t.Fatalf("slow coordinator's first steps = %q, %v", out, err)
	}
	now.Add(x.lease + 1)
	if out, err := x.reserve(ctx, "Rfast", "sjz", "Vfast", p, 0); out != "ok" || err != nil {
		t.Fatalf("a reservation after the lease ran out = %q, %v; want ok", out, err)
	}
	if out, err := xConfirmScript.Run(ctx, c, p.keys("xevents"), "Rslow", now.Load(), "Vslow").Text(); out != "aborted" || err != nil {
		t.Errorf("the paused coordinator's confirm = %q, %v; want aborted", out, err)
	}
	if n, err := x.sweep(ctx, "tj", []string{"Vslow"}, map[string]xShift{"bj/pause": p}); n != 1 || err != nil {
		t.Errorf("sweep of the paused reservation settled %d, %v; want 1", n, err)
	}
	if h := c.HLen(ctx, heldKey("tj", "Vslow")).Val(); h != 0 {
		t.Errorf("the paused reservation is still in the volunteer's schedule (%d)", h)
	}
	if conf := c.HGetAll(ctx, p.keys()[1]).Val(); len(conf) != 1 || conf["Rfast"] != "Vfast" {
		t.Errorf("the one slot is confirmed to %v, want Rfast only", conf)
	}
}
