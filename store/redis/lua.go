package redis

import goredis "github.com/redis/go-redis/v9"

// The scripts take the same five KEYS, all under the store's one hash tag:
// the event counter, the event stream, the change counter, the change
// stream and the Seq from which the events are indexed by type
// (indexEventSrc). The other keys they touch are named in ARGV; they share the hash
// tag, so in Redis Cluster they live in the same slot as KEYS[1].
//
// A script answers "OK" (or a table for reserve), "RETRY" when a
// compare-and-set condition found the state changed since the caller read
// it (the caller reads again and retries), or "E:<code>:<message>" for a
// refusal. Every check runs before the first write, so a refused or retried
// script writes nothing.

// applySrc runs a list of operations given flat in ARGV: first every check
// (absent, present, eq, heq, ex, zempty), then every write in order.
const applySrc = indexEventSrc + `
local a = ARGV
local arity = {absent=4, present=4, eq=3, heq=4, ex=3, zempty=4, fence=4,
  set=3, del=2, hset=4, hdel=3, hincr=5, zadd=3, zrem=3, event=2, change=5}
local n = #a
local i = 1
while i <= n do
  local op = a[i]
  local w = arity[op]
  if w == nil then return redis.error_reply('volmatch: unknown op ' .. tostring(op)) end
  if op == 'absent' then
    if redis.call('EXISTS', a[i+1]) == 1 then return 'E:' .. a[i+2] .. ':' .. a[i+3] end
  elseif op == 'present' then
    if redis.call('EXISTS', a[i+1]) == 0 then return 'E:' .. a[i+2] .. ':' .. a[i+3] end
  elseif op == 'zempty' then
    if redis.call('ZCARD', a[i+1]) ~= 0 then return 'E:' .. a[i+2] .. ':' .. a[i+3] end
  elseif op == 'eq' then
    local v = redis.call('GET', a[i+1]) or ''
    if v ~= a[i+2] then return 'RETRY' end
  elseif op == 'heq' then
    local v = redis.call('HGET', a[i+1], a[i+2]) or ''
    if v ~= a[i+3] then return 'RETRY' end
  elseif op == 'ex' then
    if redis.call('EXISTS', a[i+1]) ~= tonumber(a[i+2]) then return 'RETRY' end
  elseif op == 'fence' then
    if (redis.call('HGET', a[i+1], 'nonce') or '') ~= a[i+2] then return 'E:conflict:' .. a[i+3] end
  end
  i = i + w
end
i = 1
while i <= n do
  local op = a[i]
  if op == 'set' then
    redis.call('SET', a[i+1], a[i+2])
  elseif op == 'del' then
    redis.call('DEL', a[i+1])
  elseif op == 'hset' then
    redis.call('HSET', a[i+1], a[i+2], a[i+3])
  elseif op == 'hdel' then
    redis.call('HDEL', a[i+1], a[i+2])
  elseif op == 'hincr' then
    local v = redis.call('HINCRBY', a[i+1], a[i+2], a[i+3])
    if v == 0 and a[i+4] == '1' then redis.call('HDEL', a[i+1], a[i+2]) end
  elseif op == 'zadd' then
    redis.call('ZADD', a[i+1], 0, a[i+2])
  elseif op == 'zrem' then
    redis.call('ZREM', a[i+1], a[i+2])
  elseif op == 'event' then
    local s = redis.call('INCR', KEYS[1])
    redis.call('XADD', KEYS[2], s .. '-0', 'e', '{"seq":' .. s .. string.sub(a[i+1], 9))
    indexEvent(s, a[i+1])
  elseif op == 'change' then
    local s = redis.call('INCR', KEYS[3])
    if a[i+4] == '1' then
      redis.call('XADD', KEYS[4], s .. '-0', 'k', a[i+1], 'i', a[i+2], 'd', a[i+3], 'x', '1')
    else
      redis.call('XADD', KEYS[4], s .. '-0', 'k', a[i+1], 'i', a[i+2], 'd', a[i+3])
    end
  elseif op == 'fence' then
    if redis.call('HGET', a[i+1], 'state') == 'pending' then redis.call('HSET', a[i+1], 'state', 'committed') end
  end
  i = i + arity[op]
end
return 'OK'
`

// reserveWidth is the number of ARGV entries per reservation.
const reserveWidth = 19

// reserveSrc reserves a batch of slots, all or none. ARGV[1] is the key
// prefix, ARGV[2] the number of reservations, then reserveWidth entries
// each, then the idempotency fence: the key of its record and its nonce
// ("" and "" for none):
//
//	+1 invitation ID ("" for a direct reservation)   +2 its JSON as read
//	+3 its JSON once accepted                          +4 its live-index field
//	+5 need ID   +6 need version as read   +7 shift ID   +8 slots
//	+9 shift start  +10 shift end (fixed-width sortable digits)
//	+11 volunteer ID  +12 code for a missing volunteer
//	+13 refusal found by the caller before the volunteer check
//	    ("code/reason:msg", see scriptRefusal)
//	+14 refusal found by the caller after it (the need's status)
//	+15 assignment JSON up to its ID   +16 after its ID
//	+17 event JSON up to the assignment ID   +18 after it
//	+19 the volunteer's JSON as the caller's checks read it, after "="
//	    ("-": they found no volunteer; "": nothing to compare)
//
// The checks are those of volmatch.CheckReservation and then
// volmatch.CheckSessions (the seats of tenr:V, training.go) in the order
// of store/bolt, each reservation counting the ones before it in the
// batch. It
// answers a table: "OK" followed by the new assignment IDs.
const reserveSrc = indexEventSrc + `
local P = ARGV[1]
local k = tonumber(ARGV[2])
local W = 19
local addFill = {}
local addHeld = {}
local fkey, fnon = ARGV[3 + k * W], ARGV[4 + k * W]
if fkey ~= '' and (redis.call('HGET', fkey, 'nonce') or '') ~= fnon then
  return 'E:-1:conflict:' .. ARGV[5 + k * W]
end
for j = 0, k - 1 do
  local b = 2 + j * W
  local inv, need, shift, vol = ARGV[b+1], ARGV[b+5], ARGV[b+7], ARGV[b+11]
  local st, en = ARGV[b+9], ARGV[b+10]
  local slots = tonumber(ARGV[b+8])
  local function refuse(code, msg) return 'E:' .. j .. ':' .. code .. ':' .. msg end
  local vr = ARGV[b+19]
  local icur, cur = false, false -- the invitation's and the volunteer's JSON, when compared
  if inv ~= '' and vr ~= '' then
    local m = redis.call('MGET', P .. 'inv:' .. inv, P .. 'vol:' .. vol)
    icur, cur = m[1], m[2]
  elseif inv ~= '' then
    icur = redis.call('GET', P .. 'inv:' .. inv)
  elseif vr ~= '' then
    cur = redis.call('GET', P .. 'vol:' .. vol)
  end
  if inv ~= '' and (icur or '') ~= ARGV[b+2] then return 'RETRY' end
  if (redis.call('HGET', P .. 'nver', need) or '') ~= ARGV[b+6] then return 'RETRY' end
  if vr ~= '' then
    if vr == '-' then
      if cur then return 'RETRY' end
    elseif not cur or '=' .. cur ~= vr then
      return 'RETRY'
    end
  end
  if ARGV[b+13] ~= '' then return 'E:' .. j .. ':' .. ARGV[b+13] end
  if string.sub(vr, 1, 1) ~= '=' and redis.call('EXISTS', P .. 'vol:' .. vol) == 0 then
    return refuse(ARGV[b+12], 'volunteer ' .. vol .. ' not found')
  end
  if ARGV[b+14] ~= '' then return 'E:' .. j .. ':' .. ARGV[b+14] end
  local fk = need .. '\t' .. shift
  local filled = tonumber(redis.call('HGET', P .. 'fill:' .. need, shift) or '0') + (addFill[fk] or 0)
  if filled >= slots then
    return refuse('conflict/slot_full', 'shift ' .. shift .. ' of need ' .. need .. ' is full (' .. filled .. ' of ' .. slots .. ' slots)')
  end
  local h = redis.call('HGETALL', P .. 'held:' .. vol)
  local ids, byid = {}, {}
  for x = 1, #h, 2 do ids[#ids+1] = h[x]; byid[h[x]] = h[x+1] end
  table.sort(ids)
  local list = {}
  for _, id in ipairs(ids) do list[#list+1] = byid[id] end
  for _, v in ipairs(addHeld[vol] or {}) do list[#list+1] = v end
  for _, v in ipairs(list) do
    local hn, hs, hst, hen = string.match(v, '^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)$')
    if hn == need and hs == shift then
      return refuse('conflict/already_held', 'volunteer already holds a slot of shift ' .. shift)
    end
    if hst < en and st < hen then
      return refuse('conflict/shift_clash', 'volunteer already serves shift ' .. hs .. ' of need ' .. hn .. ' at that time')
    end
  end
  local te = redis.call('HGETALL', P .. 'tenr:' .. vol)
  for x = 2, #te, 2 do
    local tc, ts, tst, ten = string.match(te[x], '^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)$')
    if tst < en and st < ten then
      return refuse('conflict/shift_clash', 'volunteer is enrolled in session ' .. ts .. ' of course ' .. tc .. ' at that time')
    end
  end
  addFill[fk] = (addFill[fk] or 0) + 1
  addHeld[vol] = addHeld[vol] or {}
  table.insert(addHeld[vol], need .. '\t' .. shift .. '\t' .. st .. '\t' .. en)
end
local out = {'OK'}
if fkey ~= '' and redis.call('HGET', fkey, 'state') == 'pending' then
  redis.call('HSET', fkey, 'state', 'committed')
end
local function changes(need, vol)
  local s = redis.call('INCRBY', KEYS[3], 2)
  redis.call('XADD', KEYS[4], (s - 1) .. '-0', 'k', 'need', 'i', need, 'd', '0', 'x', '1')
  redis.call('XADD', KEYS[4], s .. '-0', 'k', 'volunteer', 'i', vol, 'd', '0', 'x', '1')
end
for j = 0, k - 1 do
  local b = 2 + j * W
  local inv, need, shift, vol = ARGV[b+1], ARGV[b+5], ARGV[b+7], ARGV[b+11]
  local aid = string.format('A%012d', redis.call('INCR', P .. 'seq:asg'))
  if inv ~= '' then
    redis.call('MSET', P .. 'asg:' .. aid, ARGV[b+15] .. aid .. ARGV[b+16], P .. 'inv:' .. inv, ARGV[b+3])
    redis.call('HDEL', P .. 'live', ARGV[b+4])
  else
    redis.call('SET', P .. 'asg:' .. aid, ARGV[b+15] .. aid .. ARGV[b+16])
  end
  redis.call('ZADD', P .. 'ids:asg', 0, aid)
  redis.call('ZADD', P .. 'ix:asgvol:' .. vol, 0, aid)
  redis.call('ZADD', P .. 'ix:asgshift:' .. need .. ':' .. shift, 0, aid)
  redis.call('ZADD', P .. 'ix:asgneed:' .. need, 0, aid)
  redis.call('HINCRBY', P .. 'fill:' .. need, shift, 1)
  redis.call('HSET', P .. 'held:' .. vol, aid, need .. '\t' .. shift .. '\t' .. ARGV[b+9] .. '\t' .. ARGV[b+10])
  redis.call('HINCRBY', P .. 'vst:' .. vol, 'load', 1)
  changes(need, vol)
  local s = redis.call('INCR', KEYS[1])
  redis.call('XADD', KEYS[2], s .. '-0', 'e', '{"seq":' .. s .. string.sub(ARGV[b+17], 9) .. aid .. ARGV[b+18])
  indexEvent(s, ARGV[b+17])
  out[#out+1] = aid
end
return out
`

// acceptViewSrc reads, for an accept, invitation ARGV[2] (ARGV[1] is the
// key prefix) and the records it names, in one round trip: an empty table
// when the invitation is missing; otherwise its JSON, its need's version,
// the need's JSON when ARGV[4] is "1" ("-" when not asked and the need
// exists), the need's fill counts (HGETALL) and, when ARGV[3] is "1", the
// volunteer's JSON ("" for what is missing). Only the invitation's JSON
// when it names no need or volunteer. The caller asks for the need's JSON
// only when it has not cached the need (needCache): an accept's need is
// usually one accepted before.
const acceptViewSrc = `
local P = ARGV[1]
local raw = redis.call('GET', P .. 'inv:' .. ARGV[2])
if not raw then return {} end
local ok, d = pcall(cjson.decode, raw)
if not ok or type(d) ~= 'table' or type(d['need']) ~= 'string' or type(d['volunteer']) ~= 'string' then
  return {raw}
end
local need = d['need']
local vol = ''
if ARGV[3] == '1' then vol = redis.call('GET', P .. 'vol:' .. d['volunteer']) or '' end
local nj
if ARGV[4] == '1' then
  nj = redis.call('GET', P .. 'need:' .. need) or ''
elseif redis.call('EXISTS', P .. 'need:' .. need) == 1 then
  nj = '-'
else
  nj = ''
end
return {raw, redis.call('HGET', P .. 'nver', need) or '', nj, redis.call('HGETALL', P .. 'fill:' .. need), vol}
`

// indexEventSrc defines indexEvent(s, json): it adds event s to the stream
// of its type, {ns}:evt:TYPE (entries SEQ-0, no payload), and records in
// KEYS[5] the first Seq so indexed. The type is read from the head of the
// JSON (volmatch.EventTypeOf's pattern; PrepareEvents admits no type it
// cannot read). The events before KEYS[5] (a log written before the
// index) are read by scanning them (eventsScanSrc).
const indexEventSrc = `
local indexFrom = false
local function indexEvent(s, json)
  local t = string.match(json, '^{"seq":%d+,"type":"([^"\\]*)"')
  if not t then return end
  if not indexFrom then
    redis.call('SET', KEYS[5], s, 'NX')
    indexFrom = true
  end
  local p = string.sub(KEYS[2], 1, #KEYS[2] - 6)
  redis.call('XADD', p .. 'evt:' .. t, s .. '-0', 'x', '')
end
`

// eventsIndexedSrc reads up to ARGV[2] events of the types ARGV[3..] with
// a Seq above ARGV[1] from the type streams (indexEventSrc). It answers
// the Seq the index starts from (KEYS[5], 0 for none) and the newest Seq;
// then, when the index covers everything above ARGV[1], the ID and JSON of
// each event found, in Seq order. The events are read from the event stream
// by runs of consecutive Seqs, one XRANGE per run.
const eventsIndexedSrc = `
local after, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local from = tonumber(redis.call('GET', KEYS[5]) or '0')
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
local out = {from, last}
if from == 0 or after + 1 < from then return out end
local p = string.sub(KEYS[2], 1, #KEYS[2] - 6)
local seqs = {}
for i = 3, #ARGV do
  local es = redis.call('XRANGE', p .. 'evt:' .. ARGV[i], (after + 1) .. '-0', '+', 'COUNT', limit)
  for _, x in ipairs(es) do seqs[#seqs+1] = tonumber(string.match(x[1], '^(%d+)')) end
end
table.sort(seqs)
local n = math.min(#seqs, limit)
local j = 1
while j <= n do
  -- a run of consecutive Seqs (a burst of accepts, say) is one XRANGE
  local r = j
  while r < n and seqs[r+1] == seqs[r] + 1 do r = r + 1 end
  local es = redis.call('XRANGE', KEYS[2], seqs[j] .. '-0', seqs[r] .. '-0')
  for _, e in ipairs(es) do
    local f, v = e[2], ''
    for k = 1, #f, 2 do if f[k] == 'e' then v = f[k+1] end end
    out[#out+1] = e[1]
    out[#out+1] = v
  end
  j = r + 1
end
return out
`

// eventsScanSrc reads up to ARGV[2] entries of the event stream (KEYS[2])
// from entry ID ARGV[1] to ARGV[3] ("+": the end) and answers the ID of
// the last one read ("" for none), how many it read, then the ID and JSON
// of each entry whose type is one of ARGV[4..] or cannot be read from the
// head of its JSON (the caller decodes those to tell), so a typed read
// does not carry the other events over the wire. The pattern is
// volmatch.EventTypeOf's. It reads the events written before the type
// index (eventsIndexedSrc) began.
const eventsScanSrc = `
local want = {}
for i = 4, #ARGV do want[ARGV[i]] = true end
local es = redis.call('XRANGE', KEYS[2], ARGV[1], ARGV[3], 'COUNT', tonumber(ARGV[2]))
local out = {'', #es}
for _, x in ipairs(es) do
  local id, f, e = x[1], x[2], ''
  for j = 1, #f, 2 do if f[j] == 'e' then e = f[j+1] end end
  out[1] = id
  local t = string.match(e, '^{"seq":%d+,"type":"([^"\\]*)"')
  if t == nil or want[t] then
    out[#out+1] = id
    out[#out+1] = e
  end
end
return out
`

var (
	eventsIndexedScript = goredis.NewScript(eventsIndexedSrc)
	eventsScanScript    = goredis.NewScript(eventsScanSrc)
	applyScript         = goredis.NewScript(applySrc)
	reserveScript       = goredis.NewScript(reserveSrc)
	acceptViewScript    = goredis.NewScript(acceptViewSrc)
)
