package peers

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"volmatch"
	"volmatch/matcher"
	"volmatch/scoring"
	"volmatch/taxonomy"
)

// earthRadiusKm and rad are the figures of volmatch.DistanceKm: the SQL
// haversine repeats its operations in its order, so that the distance, the
// distance gate and the distance score come out as volmatch's.
const (
	earthRadiusKm = 6371.0088
	rad           = math.Pi / 180
)

// PostGIS is the ranking as a PostgreSQL user builds it: volunteers in a
// table with a geography point under a GiST index, every gate a WHERE test,
// the score an SQL expression, ORDER BY the score, LIMIT k. It holds one
// connection and is not safe for concurrent use.
type PostGIS struct {
	conn *pgx.Conn
	sc   *scoring.Scorer
}

// createDatabase makes database volmatch with PostGIS in a fresh cluster.
func (p *Postgres) createDatabase() error {
	ctx := context.Background()
	c, err := pgx.Connect(ctx, p.URL)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE DATABASE volmatch"); err != nil {
		return fmt.Errorf("peers: create database: %w", err)
	}
	c2, err := pgx.Connect(ctx, strings.Replace(p.URL, "/postgres?", "/volmatch?", 1))
	if err != nil {
		return err
	}
	defer c2.Close(ctx)
	if _, err := c2.Exec(ctx, "CREATE EXTENSION postgis"); err != nil {
		return fmt.Errorf("peers: create extension postgis (apt-get install postgresql-15-postgis-3): %w", err)
	}
	return nil
}

// OpenPostGIS connects to the database at url (one with PostGIS, as
// StartPostgres makes) to rank with sc's weights and distance decay.
func OpenPostGIS(ctx context.Context, url string, sc *scoring.Scorer) (*PostGIS, error) {
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("peers: connect: %w", err)
	}
	return &PostGIS{conn: c, sc: sc}, nil
}

// Close closes the connection.
func (g *PostGIS) Close() error { return g.conn.Close(context.Background()) }

const schema = `
DROP TABLE IF EXISTS vol, vcert, vexc, tax, tax_rel;
CREATE TABLE tax (key text COLLATE "C" PRIMARY KEY, domain text COLLATE "C" NOT NULL);
CREATE TABLE tax_rel (a text COLLATE "C", b text COLLATE "C", PRIMARY KEY (a, b));
CREATE TABLE vol (
	id text COLLATE "C" PRIMARY KEY,
	lat float8 NOT NULL,
	lng float8 NOT NULL,
	home geography(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lng, lat), 4326)::geography) STORED,
	max_km float8 NOT NULL,
	skills jsonb NOT NULL,
	trainings text[] NOT NULL,
	languages text[] NOT NULL,
	pref text[] NOT NULL,
	insured_until timestamptz NOT NULL,
	avail bit(168) NOT NULL,
	reliability float8 NOT NULL,
	load int NOT NULL
);
CREATE TABLE vcert (vid text COLLATE "C" NOT NULL, name text NOT NULL, expires timestamptz NOT NULL);
CREATE TABLE vexc (vid text COLLATE "C" NOT NULL, st timestamptz NOT NULL, en timestamptz NOT NULL);
`

const indexes = `
CREATE INDEX vol_home ON vol USING gist (home);
CREATE INDEX vol_skills ON vol USING gin (skills);
CREATE INDEX vcert_vid ON vcert (vid, name);
CREATE INDEX vexc_vid ON vexc (vid);
ANALYZE;
`

// Load replaces the tables with tax's relations and the volunteers vs
// (COPY, then the indexes). A volunteer's skills are kept as {key: level},
// each at its highest level clamped to 1..3 as the gates read it;
// reliability is stored as the value the scorer takes from the stats.
func (g *PostGIS) Load(ctx context.Context, tax *taxonomy.Taxonomy, vs []*volmatch.Volunteer) error {
	if _, err := g.conn.Exec(ctx, schema); err != nil {
		return fmt.Errorf("peers: schema: %w", err)
	}
	nodes := append(tax.Domains(), tax.Skills()...)
	var taxRows, relRows [][]any
	for _, a := range nodes {
		taxRows = append(taxRows, []any{a.Key, tax.DomainOf(a.Key)})
		for _, b := range nodes {
			if tax.Related(a.Key, b.Key) {
				relRows = append(relRows, []any{a.Key, b.Key})
			}
		}
	}
	if _, err := g.conn.CopyFrom(ctx, pgx.Identifier{"tax"}, []string{"key", "domain"}, pgx.CopyFromRows(taxRows)); err != nil {
		return fmt.Errorf("peers: copy tax: %w", err)
	}
	if _, err := g.conn.CopyFrom(ctx, pgx.Identifier{"tax_rel"}, []string{"a", "b"}, pgx.CopyFromRows(relRows)); err != nil {
		return fmt.Errorf("peers: copy tax_rel: %w", err)
	}
	i := 0
	var certs, excs [][]any
	_, err := g.conn.CopyFrom(ctx, pgx.Identifier{"vol"},
		[]string{"id", "lat", "lng", "max_km", "skills", "trainings", "languages", "pref", "insured_until", "avail", "reliability", "load"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if i == len(vs) {
				return nil, nil
			}
			v := vs[i]
			i++
			skills := map[string]int{}
			for _, s := range v.Skills {
				if l := scoring.ClampLevel(s.Level); l > 0 {
					skills[s.Skill] = max(skills[s.Skill], l)
				}
			}
			for _, c := range v.Certificates {
				certs = append(certs, []any{v.ID, c.Name, c.Expires})
			}
			for _, e := range v.Exceptions {
				excs = append(excs, []any{v.ID, e.Start, e.End})
			}
			return []any{v.ID, v.Home.Lat, v.Home.Lng, v.MaxTravelKm, skills, nonNil(v.Trainings), nonNil(v.Languages),
				nonNil(v.PreferredDomains), v.InsuredUntil, weekBits(v.Availability),
				scoring.ReliabilityValue(v.Stats), v.Stats.Load}, nil
		}))
	if err != nil {
		return fmt.Errorf("peers: copy volunteers: %w", err)
	}
	if _, err := g.conn.CopyFrom(ctx, pgx.Identifier{"vcert"}, []string{"vid", "name", "expires"}, pgx.CopyFromRows(certs)); err != nil {
		return fmt.Errorf("peers: copy certificates: %w", err)
	}
	if _, err := g.conn.CopyFrom(ctx, pgx.Identifier{"vexc"}, []string{"vid", "st", "en"}, pgx.CopyFromRows(excs)); err != nil {
		return fmt.Errorf("peers: copy exceptions: %w", err)
	}
	if _, err := g.conn.Exec(ctx, indexes); err != nil {
		return fmt.Errorf("peers: indexes: %w", err)
	}
	return nil
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

// weekBits is a week as bit(168): hour h is bit h from the left.
func weekBits(w volmatch.Week) pgtype.Bits {
	b := pgtype.Bits{Bytes: make([]byte, volmatch.HoursPerWeek/8), Len: volmatch.HoursPerWeek, Valid: true}
	for h := range volmatch.HoursPerWeek {
		if w[h/64]&(1<<(uint(h)%64)) != 0 {
			b.Bytes[h/8] |= 0x80 >> (h % 8)
		}
	}
	return b
}

// weekText is a week as the text of a bit(168) literal.
func weekText(w volmatch.Week) string {
	var sb strings.Builder
	for h := range volmatch.HoursPerWeek {
		if w[h/64]&(1<<(uint(h)%64)) != 0 {
			sb.WriteByte('1')
		} else {
			sb.WriteByte('0')
		}
	}
	return sb.String()
}

// Query returns the SQL and its arguments that rank the top k volunteers
// for n's open shifts. The query is written for the need's requirements
// (one test per required skill and certificate), as a query builder would.
func (g *PostGIS) Query(n *volmatch.Need, k int) (string, []any) {
	shifts := matcher.OpenShifts(n, "")
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	var sids, hours, around []string
	var starts, ends []any
	var aroundN []int32
	for _, s := range shifts {
		sids = append(sids, s.ID)
		starts = append(starts, s.Start)
		ends = append(ends, s.End)
		hours = append(hours, weekText(volmatch.ShiftHours(s.Start, s.End)))
		a := g.sc.SlackWindow(s)
		around = append(around, weekText(a))
		aroundN = append(aroundN, int32(a.Count()))
	}
	lng, lat, r := arg(n.Point.Lng), arg(n.Point.Lat), arg(rad)
	w := g.sc.Weights().Vector()
	var q strings.Builder
	fmt.Fprintf(&q, `WITH nd AS (
	SELECT %[1]s::text AS dom, coalesce((SELECT domain FROM tax WHERE key = %[1]s), %[1]s::text) AS top
), sh AS (
	SELECT * FROM unnest(%[2]s::text[], %[3]s::timestamptz[], %[4]s::timestamptz[], %[5]s::text[], %[6]s::text[], %[7]s::int[])
		AS s(sid, st, en, hours, around, around_n)
), cand AS (
	SELECT v.id, v.skills, v.pref, v.avail, v.insured_until, v.reliability, v.load, g.d
	FROM vol v CROSS JOIN LATERAL (SELECT 2 * %[11]s::float8 * asin(least(1, sqrt(
		sin((%[8]s - v.lat) * %[10]s / 2) * sin((%[8]s - v.lat) * %[10]s / 2) +
		cos(v.lat * %[10]s) * cos(%[8]s * %[10]s) * sin((%[9]s - v.lng) * %[10]s / 2) * sin((%[9]s - v.lng) * %[10]s / 2)))) AS d) g
	WHERE ST_DWithin(v.home, ST_SetSRID(ST_MakePoint(%[9]s, %[8]s), 4326)::geography, %[12]s, false)
	AND g.d <= least(%[13]s::float8, v.max_km)`,
		arg(n.Domain), arg(sids), arg(starts), arg(ends), arg(hours), arg(around), arg(aroundN), lat, lng, r,
		arg(earthRadiusKm),
		// the GiST filter: the sphere of PostGIS (mean radius 6371008.8 m)
		// with a margin, the exact haversine gate after it
		arg(n.RadiusKm*1000*1.001+50), arg(n.RadiusKm))
	req := n.Requires
	for _, s := range req.Skills {
		fmt.Fprintf(&q, "\n\tAND v.skills ? %[1]s AND (v.skills ->> %[1]s)::int >= %d", arg(s.Skill), scoring.ClampMin(s.Level))
	}
	if len(req.Trainings) > 0 {
		fmt.Fprintf(&q, "\n\tAND v.trainings @> %s::text[]", arg(req.Trainings))
	}
	if len(req.Languages) > 0 {
		fmt.Fprintf(&q, "\n\tAND v.languages && %s::text[]", arg(req.Languages))
	}
	// skill_fit: per required skill, the credit of the level held plus half
	// the best related skill's level for the rest; the domain fit when none
	var fit string
	if len(req.Skills) == 0 {
		fit = `coalesce((SELECT max(CASE
		WHEN coalesce(t.domain, j.key) = nd.top THEN j.value::int::float8 / 3
		WHEN EXISTS (SELECT 1 FROM tax_rel x WHERE x.a = j.key AND x.b = nd.dom)
			OR EXISTS (SELECT 1 FROM tax_rel x WHERE x.a = coalesce(t.domain, j.key) AND x.b = nd.top)
			OR (nd.top <> nd.dom AND EXISTS (SELECT 1 FROM tax_rel x WHERE x.a = coalesce(t.domain, j.key) AND x.b = nd.dom))
		THEN 0.5::float8 * j.value::int::float8 / 3
		ELSE 0::float8 END)
		FROM jsonb_each_text(c.skills) j LEFT JOIN tax t ON t.key = j.key), 0::float8)`
	} else {
		terms := make([]string, len(req.Skills))
		for i, s := range req.Skills {
			m := scoring.ClampMin(s.Level)
			key := arg(s.Skill)
			base := fmt.Sprintf("(((c.skills ->> %s)::int - %d + 1)::float8 / %d::float8)", key, m, 4-m)
			rel := fmt.Sprintf(`(coalesce((SELECT max(j.value::int) FROM jsonb_each_text(c.skills) j
			WHERE j.key <> %[1]s AND EXISTS (SELECT 1 FROM tax_rel x WHERE x.a = j.key AND x.b = %[1]s)), 0)::float8 / 3)`, key)
			terms[i] = fmt.Sprintf("(%[1]s + (1 - %[1]s) * 0.5::float8 * %[2]s)", base, rel)
		}
		fit = fmt.Sprintf("((%s) / %d::float8)", strings.Join(terms, "\n\t\t+ "), len(req.Skills))
	}
	pref := `coalesce((SELECT max(CASE WHEN d = nd.dom THEN 1::float8 WHEN d = nd.top THEN 0.75::float8
		WHEN EXISTS (SELECT 1 FROM tax_rel x WHERE x.a = d AND (x.b = nd.dom OR x.b = nd.top)) THEN 0.5::float8
		ELSE 0::float8 END) FROM unnest(c.pref) d), 0::float8)`
	fmt.Fprintf(&q, `
), scored AS (
	SELECT c.id, s.sid, s.st, c.d,
		%s * %s::float8
		+ power(2::float8, -c.d / %s::float8) * %s::float8
		+ (CASE WHEN s.around_n = 0 THEN 1::float8 ELSE bit_count(c.avail & s.around::bit(168))::float8 / s.around_n::float8 END) * %s::float8
		+ c.reliability * %s::float8
		+ (1::float8 / (1 + greatest(c.load, 0))::float8) * %s::float8
		+ %s * %s::float8 AS score
	FROM cand c CROSS JOIN sh s CROSS JOIN nd
	WHERE (c.avail & s.hours::bit(168)) = s.hours::bit(168)
	AND NOT EXISTS (SELECT 1 FROM vexc e WHERE e.vid = c.id AND e.st < s.en AND s.st < e.en)`,
		fit, arg(w[0]), arg(g.sc.DistanceHalfKm()), arg(w[1]), arg(w[2]), arg(w[3]), arg(w[4]), pref, arg(w[5]))
	for _, name := range req.Certificates {
		fmt.Fprintf(&q, "\n\tAND EXISTS (SELECT 1 FROM vcert x WHERE x.vid = c.id AND x.name = %s AND x.expires > s.en)", arg(name))
	}
	if req.Insurance {
		q.WriteString("\n\tAND c.insured_until > s.en")
	}
	fmt.Fprintf(&q, `
), best AS (
	SELECT DISTINCT ON (id) id, sid, score, d FROM scored ORDER BY id, score DESC, st, sid COLLATE "C"
)
SELECT id, sid, score, d FROM best ORDER BY score DESC, id LIMIT %s`, arg(k))
	return q.String(), args
}

// Rank returns the top k volunteers for n's open shifts (matcher.Rank's
// order: score, then volunteer ID; each at their best shift: score, then
// start, then shift ID), without breakdowns.
func (g *PostGIS) Rank(ctx context.Context, n *volmatch.Need, k int) ([]volmatch.Match, error) {
	if len(matcher.OpenShifts(n, "")) == 0 {
		return []volmatch.Match{}, nil
	}
	sql, args := g.Query(n, k)
	rows, err := g.conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("peers: rank %s: %w", n.ID, err)
	}
	out := []volmatch.Match{}
	for rows.Next() {
		m := volmatch.Match{Need: n.ID, Rank: len(out) + 1}
		if err := rows.Scan(&m.Volunteer, &m.Shift, &m.Score, &m.DistanceKm); err != nil {
			rows.Close()
			return nil, fmt.Errorf("peers: rank %s: %w", n.ID, err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("peers: rank %s: %w", n.ID, err)
	}
	return out, nil
}
