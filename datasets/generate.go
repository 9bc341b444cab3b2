package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"volmatch"
	"volmatch/geo"
	"volmatch/taxonomy"
)

// GenOptions configure Generate. The zero value gives an empty population
// starting on Monday 2026-11-02 00:00 Beijing time over four weeks.
type GenOptions struct {
	Volunteers int
	Needs      int
	Seed       uint64
	// Start is the beginning of the period the needs' shifts fall in; zero
	// means Monday 2026-11-02 00:00 Beijing time.
	Start time.Time
	// Weeks is the length of the period; zero means 4.
	Weeks int
	// Lean leaves out of every volunteer the hidden preferences and the
	// bio (what only the simulation and the text search read), which are
	// most of a generated volunteer's memory: for matching benchmarks at
	// city scale. The other fields are the same as without it.
	Lean bool
}

// DefaultStart is the default beginning of the generated period: Monday
// 2026-11-02 00:00 Beijing time.
var DefaultStart = time.Date(2026, 11, 2, 0, 0, 0, 0, volmatch.Beijing)

// Population is a generated (or read) set of records.
type Population struct {
	Volunteers []*volmatch.Volunteer
	Needs      []*volmatch.Need
	Pools      []*volmatch.TalentPool
	Stations   []*volmatch.Station
	Projects   []*volmatch.Project // the needs' projects (project.go)
	Teams      []*volmatch.Team    // team.go
}

// Language keys used by the generator: ISO 639 codes where they exist.
const (
	LangPutonghua = "zh"  // 普通话 (every volunteer)
	LangEnglish   = "en"  // 英语
	LangCantonese = "yue" // 粤语
	LangSign      = "csl" // 中国手语 (Chinese Sign Language)
	LangJapanese  = "ja"  // 日语
	LangKorean    = "ko"  // 韩语
	LangFrench    = "fr"  // 法语
	LangRussian   = "ru"  // 俄语
)

// districtPopulation is the resident population of each district in the
// seventh national census (2020), in thousands, rounded: it weights where
// volunteers live and where needs arise.
var districtPopulation = map[string]float64{
	"110101": 709,  // 东城区
	"110102": 1106, // 西城区
	"110105": 3452, // 朝阳区
	"110106": 2019, // 丰台区
	"110107": 568,  // 石景山区
	"110108": 3133, // 海淀区
	"110109": 393,  // 门头沟区
	"110111": 1313, // 房山区
	"110112": 1840, // 通州区
	"110113": 1324, // 顺义区
	"110114": 2269, // 昌平区
	"110115": 1994, // 大兴区
	"110116": 441,  // 怀柔区
	"110117": 457,  // 平谷区
	"110118": 528,  // 密云区
	"110119": 346,  // 延庆区
}

// Generate builds a synthetic Beijing population. The same options give the
// same records, byte for byte, on every machine: every volunteer and every
// need draws from its own PCG stream keyed by the seed and its index (so the
// first thousand volunteers of a 5,000 and of a 200,000 population are the
// same), floating point results are rounded, and work is split in fixed
// chunks whose order does not depend on the number of CPUs.
func Generate(o GenOptions) *Population {
	g := newGenerator(o)
	p := &Population{}
	p.Stations = g.stations()
	p.Volunteers = make([]*volmatch.Volunteer, max(0, o.Volunteers))
	parallel(len(p.Volunteers), func(lo, hi int) {
		src := &rand.PCG{}
		r := rand.New(src)
		for i := lo; i < hi; i++ {
			seed(src, o.Seed, 1, i)
			p.Volunteers[i] = g.volunteer(r, i)
		}
	})
	p.Pools = g.pools(p.Volunteers)
	p.Teams = g.teams(p.Volunteers)
	p.Needs = make([]*volmatch.Need, max(0, o.Needs))
	parallel(len(p.Needs), func(lo, hi int) {
		src := &rand.PCG{}
		r := rand.New(src)
		for i := lo; i < hi; i++ {
			seed(src, o.Seed, 2, i)
			p.Needs[i] = g.need(r, i, p.Stations)
		}
	})
	p.Projects = g.projects(p.Needs)
	return p
}

// parallel runs fn over [0,n) in chunks on the available CPUs.
func parallel(n int, fn func(lo, hi int)) {
	const chunk = 2048
	if n <= chunk {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for lo := 0; lo < n; lo += chunk {
		hi := min(n, lo+chunk)
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			fn(lo, hi)
			<-sem
		}()
	}
	wg.Wait()
}

// seed keys src to record i of a kind (1 volunteers, 2 needs, 3 stations).
func seed(src *rand.PCG, s uint64, kind, i int) {
	src.Seed(splitmix(s^uint64(kind)<<56), splitmix(uint64(i)+uint64(kind)<<40))
}

// splitmix is the SplitMix64 finaliser, spreading nearby seeds apart.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

type generator struct {
	o   GenOptions
	tax *taxonomy.Taxonomy
	// nodes are the taxonomy's nodes by key, domains its domains then
	// services (each by key), trainings its training vocabulary: read once.
	nodes     map[string]*taxonomy.Skill
	domains   []taxonomy.Skill
	trainings []taxonomy.Term
	city      *geo.City
	streets   []geo.Street
	cum       []float64 // cumulative street weights
	cosLat    []float64 // per street, for km -> degrees
	basic     []string  // basic community skills
	basicCum  []float64
	pros      []proSkill
	end       time.Time
}

type proSkill struct{ key, domain, cert string }

// Basic skills that many volunteers hold at level 1–2 besides the service
// skills: everyday abilities under professional domains.
var hobbySkills = []string{"tutoring", "first_aid", "smartphone_teaching", "calligraphy", "singing", "dance",
	"square_dance", "taichi", "photography", "reading_promotion", "health_education", "library_service",
	"cultural_guide", "english_tutoring", "child_activities", "new_media", "math_tutoring"}

func newGenerator(o GenOptions) *generator {
	if o.Start.IsZero() {
		o.Start = DefaultStart
	}
	o.Start = o.Start.In(volmatch.Beijing)
	if o.Weeks <= 0 {
		o.Weeks = 4
	}
	g := &generator{o: o, tax: taxonomy.Load(), city: geo.Beijing()}
	g.domains, g.trainings = g.tax.Domains(), g.tax.Trainings()
	skills := g.tax.Skills()
	g.nodes = make(map[string]*taxonomy.Skill, len(g.domains)+len(skills))
	for _, list := range [][]taxonomy.Skill{g.domains, skills} {
		for i := range list {
			g.nodes[list[i].Key] = &list[i]
		}
	}
	g.end = o.Start.AddDate(0, 0, 7*o.Weeks)
	g.streets = g.city.Streets()
	sum := 0.0
	for _, s := range g.streets {
		sum += streetWeight(s, g.city)
		g.cum = append(g.cum, sum)
		g.cosLat = append(g.cosLat, math.Cos(s.Point.Lat*math.Pi/180))
	}
	wsum := 0.0
	add := func(k string, w float64) {
		g.basic = append(g.basic, k)
		wsum += w
		g.basicCum = append(g.basicCum, wsum)
	}
	for _, s := range g.tax.Skills() {
		if top := g.nodes[g.tax.DomainOf(s.Key)]; top.Kind == taxonomy.KindService {
			add(s.Key, 3)
		}
	}
	for _, k := range hobbySkills {
		add(k, 1)
	}
	for _, s := range g.tax.Skills() {
		top := g.nodes[g.tax.DomainOf(s.Key)]
		if top.Kind == taxonomy.KindDomain && s.Certificate != "" {
			g.pros = append(g.pros, proSkill{s.Key, top.Key, s.Certificate})
		}
	}
	return g
}

// streetWeight shares a district's population among its units: urban
// streets (街道) hold more people than areas (地区) and towns (镇, 乡).
func streetWeight(s geo.Street, city *geo.City) float64 {
	w := 1.0
	switch {
	case strings.HasSuffix(s.Name, "街道办事处"):
		w = 3
	case strings.HasSuffix(s.Name, "地区办事处"):
		w = 2
	case strings.HasSuffix(s.Name, "乡"):
		w = 0.5
	}
	total := 0.0
	for _, t := range city.StreetsIn(s.District) {
		switch {
		case strings.HasSuffix(t.Name, "街道办事处"):
			total += 3
		case strings.HasSuffix(t.Name, "地区办事处"):
			total += 2
		case strings.HasSuffix(t.Name, "乡"):
			total += 0.5
		default:
			total++
		}
	}
	return districtPopulation[s.District] * w / total
}

func pickCum(r *rand.Rand, cum []float64) int {
	x := r.Float64() * cum[len(cum)-1]
	return min(sort.SearchFloat64s(cum, x), len(cum)-1)
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

// round6 rounds to six decimals (about 0.1 m in degrees), so that the
// printed coordinates do not depend on the last bits of the arithmetic.
func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

func round1(x float64) float64 { return math.Round(x*10) / 10 }

// jitter returns a point uniformly within radiusKm of street i's point.
func (g *generator) jitter(r *rand.Rand, i int, radiusKm float64) volmatch.Point {
	var dx, dy float64
	for {
		dx, dy = float64(2*r.Float64()-1), float64(2*r.Float64()-1)
		if float64(dx*dx)+float64(dy*dy) <= 1 {
			break
		}
	}
	p := g.streets[i].Point
	lat := p.Lat + float64(dy*radiusKm)/111.32
	lng := p.Lng + float64(dx*radiusKm)/float64(111.32*g.cosLat[i])
	return volmatch.Point{Lat: round6(lat), Lng: round6(lng)}
}

var surnames = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高",
	"林", "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曹", "袁",
	"邓", "许", "傅", "沈", "曾", "彭", "吕", "苏", "卢", "蒋", "蔡", "贾", "丁", "魏", "薛", "叶", "阎"}

// surnameCum weights the first surnames (the most common) more.
var surnameCum = func() []float64 {
	var c []float64
	s := 0.0
	for i := range surnames {
		s += 1 / (1 + float64(i)/6)
		c = append(c, s)
	}
	return c
}()

var givenF = []string{"芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀", "英", "慧", "婷", "雪", "琳", "欣",
	"悦", "佳", "怡", "梅", "兰", "萍", "玉", "洁", "颖", "晶", "倩", "雅", "思", "涵", "蕾"}
var givenM = []string{"伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "刚", "平", "辉", "鹏", "华",
	"飞", "鑫", "波", "斌", "宇", "浩", "凯", "健", "俊", "帆", "晨", "博", "文", "东", "林"}

var phonePrefixes = []string{"130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
	"155", "156", "157", "158", "159", "166", "176", "177", "180", "181", "182", "185", "186", "187", "188", "189", "199"}

func (g *generator) name(r *rand.Rand, female bool) string {
	given := givenM
	if female {
		given = givenF
	}
	n := surnames[pickCum(r, surnameCum)] + pick(r, given)
	if chance(r, 0.7) {
		n += pick(r, given)
	}
	return n
}

func phone(r *rand.Rand) string {
	return pick(r, phonePrefixes) + fmt.Sprintf("%08d", r.IntN(100000000))
}

func (g *generator) day(d int) time.Time { return g.o.Start.AddDate(0, 0, d) }

// expiry draws a certificate or insurance end: some already past at Start,
// some ending within the period, most valid throughout.
func (g *generator) expiry(r *rand.Rand, pPast, pDuring float64) time.Time {
	days := 7 * g.o.Weeks
	x := r.Float64()
	switch {
	case x < pPast:
		return g.day(-1 - r.IntN(365))
	case x < pPast+pDuring:
		return g.day(1 + r.IntN(days-1))
	default:
		return g.day(days + 1 + r.IntN(4*365))
	}
}

func setHours(w *volmatch.Week, day, from, to int) {
	for h := from; h < to; h++ {
		w.Set(day*24 + h)
	}
}

// maybeHours sets the hours from..to of day with probability p.
func maybeHours(r *rand.Rand, w *volmatch.Week, day int, p float64, from, to int) {
	if chance(r, p) {
		setHours(w, day, from, to)
	}
}

// availability draws a weekly pattern by life stage, leaning to evenings
// (18–21) and weekends.
func availability(r *rand.Rand, birthYear int) volmatch.Week {
	var w volmatch.Week
	switch {
	case chance(r, 0.1): // flexible
		for d := range 7 {
			maybeHours(r, &w, d, 0.6, 8, 21)
		}
	case birthYear >= 2000: // students
		for d := range 5 {
			if chance(r, 0.45) {
				setHours(&w, d, 18, 21+r.IntN(2))
			}
		}
		for d := 5; d < 7; d++ {
			if chance(r, 0.8) {
				setHours(&w, d, 9, 12)
				setHours(&w, d, 13+r.IntN(2), 18)
			}
		}
	case birthYear >= 1966: // working age
		for d := range 5 {
			if chance(r, 0.55) {
				setHours(&w, d, 18, 21+r.IntN(2))
			}
		}
		for d := 5; d < 7; d++ {
			if chance(r, 0.75) {
				maybeHours(r, &w, d, 0.7, 9, 12)
				maybeHours(r, &w, d, 0.7, 14, 18)
				maybeHours(r, &w, d, 0.4, 18, 21)
			}
		}
	default: // retired
		for d := range 7 {
			maybeHours(r, &w, d, 0.7, 8, 12)
			maybeHours(r, &w, d, 0.6, 14, 17)
			maybeHours(r, &w, d, 0.35, 18, 21)
		}
	}
	if w.Count() == 0 {
		setHours(&w, 5+r.IntN(2), 9, 12)
	}
	return w
}

var communityNames = []string{"和平里", "幸福", "光明", "建设", "团结", "花园", "新华", "明珠", "阳光", "安华",
	"和谐", "春晖", "长安", "丰收", "青年", "北苑", "南湖", "西园", "东坝", "育新"}

// shortStreet drops the office suffix: 建外街道办事处 -> 建外街道.
func shortStreet(name string) string { return strings.TrimSuffix(name, "办事处") }

func addDomain(ds []string, d string) []string {
	for _, x := range ds {
		if x == d {
			return ds
		}
	}
	return append(ds, d)
}

func (g *generator) volunteer(r *rand.Rand, i int) *volmatch.Volunteer {
	si := pickCum(r, g.cum)
	st := g.streets[si]
	female := chance(r, 0.58)
	v := &volmatch.Volunteer{
		ID:        fmt.Sprintf("BJ%08d", i+1),
		Name:      g.name(r, female),
		Phone:     phone(r),
		Gender:    "m",
		Home:      g.jitter(r, si, 1.5),
		District:  st.District,
		Street:    st.Code,
		Languages: []string{LangPutonghua},
		UpdatedAt: g.o.Start,
	}
	if female {
		v.Gender = "f"
	}
	v.BirthYear = birthYear(r)
	v.MaxTravelKm = maxTravelKm(r)
	held, pro := g.volunteerSkills(r, v)
	g.volunteerCertificates(r, v, held)
	v.Trainings = g.volunteerTrainings(r, v, pro)
	v.InsuredUntil = g.insuredUntil(r)
	v.Languages = volunteerLanguages(r, v.Languages, held)
	v.PreferredDomains = g.preferredDomains(r, v)
	v.Availability = availability(r, v.BirthYear)
	if chance(r, 0.1) {
		d := r.IntN(7 * g.o.Weeks)
		v.Exceptions = []volmatch.Exception{{Start: g.day(d), End: g.day(d + 1 + r.IntN(7))}}
	}
	if chance(r, 0.4) {
		v.Teams = []string{"team-" + st.Code[:9] + "-" + strconv.Itoa(1+r.IntN(3))}
	}
	v.Consent.ShareContact = chance(r, 0.9)
	pEm := 0.3
	if g.tax.DomainOf(firstSkill(v)) == "emergency" || pro != nil && pro.domain == "emergency" {
		pEm = 0.8
	}
	v.Consent.Emergency = chance(r, pEm)
	if !g.o.Lean {
		v.Bio = g.bio(v)
		v.Hidden = g.hidden(r, v)
	}
	return v
}

// birthYear draws a volunteer's birth year: a quarter students and young
// adults, most of working age, the rest retired.
func birthYear(r *rand.Rand) int {
	switch x := r.Float64(); {
	case x < 0.25:
		return 2000 + r.IntN(8)
	case x < 0.7:
		return 1966 + r.IntN(34)
	default:
		return 1945 + r.IntN(21)
	}
}

// maxTravelKm draws how far a volunteer will travel: mostly 3–10 km in
// half steps, sometimes 10.5–20 km.
func maxTravelKm(r *rand.Rand) float64 {
	if chance(r, 0.85) {
		return float64(6+r.IntN(15)) / 2
	}
	return float64(21+r.IntN(20)) / 2
}

// volunteerSkills draws v's skills, sorted: 1–3 basic community skills,
// and for ~5% a professional skill (see professional). It returns the
// skills held and the professional skill, nil if none.
func (g *generator) volunteerSkills(r *rand.Rand, v *volmatch.Volunteer) (map[string]bool, *proSkill) {
	held := map[string]bool{}
	for range 1 + r.IntN(3) {
		k := g.basic[pickCum(r, g.basicCum)]
		if held[k] {
			continue
		}
		held[k] = true
		lvl := 1
		if chance(r, 0.35) {
			lvl = 2
		}
		v.Skills = append(v.Skills, volmatch.SkillLevel{Skill: k, Level: lvl})
	}
	var pro *proSkill
	if chance(r, 0.05) {
		p := pick(r, g.pros)
		pro = &p
		g.professional(r, v, held, p)
	}
	sort.Slice(v.Skills, func(a, b int) bool { return v.Skills[a].Skill < v.Skills[b].Skill })
	return held, pro
}

// professional gives v the professional skill p at level 3, often one of
// its related skills at level 2, its domain's pool and its certificate.
func (g *generator) professional(r *rand.Rand, v *volmatch.Volunteer, held map[string]bool, p proSkill) {
	if held[p.key] {
		for j := range v.Skills {
			if v.Skills[j].Skill == p.key {
				v.Skills[j].Level = 3
			}
		}
	} else {
		held[p.key] = true
		v.Skills = append(v.Skills, volmatch.SkillLevel{Skill: p.key, Level: 3})
	}
	for _, rel := range g.nodes[p.key].Related {
		if rs, ok := g.nodes[rel]; ok && rs.Kind == taxonomy.KindSkill && !held[rel] && chance(r, 0.5) {
			held[rel] = true
			v.Skills = append(v.Skills, volmatch.SkillLevel{Skill: rel, Level: 2})
			break
		}
	}
	v.Pools = []string{"pool-" + p.domain}
	v.Certificates = append(v.Certificates, volmatch.Certificate{Name: p.cert, Expires: g.expiry(r, 0.05, 0.05)})
}

// volunteerCertificates adds to v's certificates besides a professional's
// own (first aid, more often for those who know it; a driving licence; a
// rare other one), then sorts them.
func (g *generator) volunteerCertificates(r *rand.Rand, v *volmatch.Volunteer, held map[string]bool) {
	hasCert := func(k string) bool {
		for _, c := range v.Certificates {
			if c.Name == k {
				return true
			}
		}
		return false
	}
	pFirstAid := 0.1
	if held["first_aid"] || held["cpr"] {
		pFirstAid = 0.6
	}
	if !hasCert("first_aid_cert") && chance(r, pFirstAid) {
		v.Certificates = append(v.Certificates, volmatch.Certificate{Name: "first_aid_cert", Expires: g.expiry(r, 0.12, 0.08)})
	}
	if v.BirthYear < 2006 && chance(r, 0.3) {
		v.Certificates = append(v.Certificates, volmatch.Certificate{Name: "driver_license", Expires: g.expiry(r, 0.03, 0.02)})
	}
	if chance(r, 0.03) {
		c := pick(r, []string{"elderly_care_cert", "lifeguard_cert", "fire_safety_cert", "sports_instructor_cert", "guide_cert", "mediator_cert"})
		if !hasCert(c) {
			v.Certificates = append(v.Certificates, volmatch.Certificate{Name: c, Expires: g.expiry(r, 0.1, 0.08)})
		}
	}
	sort.Slice(v.Certificates, func(a, b int) bool { return v.Certificates[a].Name < v.Certificates[b].Name })
}

// volunteerTrainings draws v's trainings, sorted: the general orientation
// for most, the training of the domains of their skills for many (always
// for a professional's domain), and sometimes another.
func (g *generator) volunteerTrainings(r *rand.Rand, v *volmatch.Volunteer, pro *proSkill) []string {
	trained := map[string]bool{}
	if chance(r, 0.75) {
		trained["general_orientation"] = true
	}
	for _, s := range v.Skills {
		top := g.nodes[g.tax.DomainOf(s.Skill)]
		if top.Training != "" && chance(r, 0.55) {
			trained[top.Training] = true
		}
	}
	if pro != nil {
		if top := g.nodes[pro.domain]; top.Training != "" {
			trained[top.Training] = true
		}
	}
	if chance(r, 0.15) {
		trained[pick(r, g.trainings).Key] = true
	}
	var out []string
	for k := range trained {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// insuredUntil draws the end of a volunteer's insurance: most insured
// through the period, some lapsing during it, some uninsured (zero).
func (g *generator) insuredUntil(r *rand.Rand) time.Time {
	switch x := r.Float64(); {
	case x < 0.08:
		return time.Time{}
	case x < 0.12:
		return g.day(-1 - r.IntN(200))
	case x < 0.2:
		return g.day(1 + r.IntN(7*g.o.Weeks-1))
	default:
		return g.day(7*g.o.Weeks + 1 + r.IntN(365))
	}
}

// volunteerLanguages adds to langs the languages a volunteer speaks, some
// drawn, some following the language skills held; sorted, without
// repeats.
func volunteerLanguages(r *rand.Rand, langs []string, held map[string]bool) []string {
	if chance(r, 0.25) || held["english_translation"] || held["english_tutoring"] && chance(r, 0.8) {
		langs = append(langs, LangEnglish)
	}
	if chance(r, 0.03) || held["cantonese"] {
		langs = append(langs, LangCantonese)
	}
	if chance(r, 0.015) || held["sign_language"] {
		langs = append(langs, LangSign)
	}
	for k, l := range map[string]string{"japanese_translation": LangJapanese, "korean_translation": LangKorean,
		"french_translation": LangFrench, "russian_translation": LangRussian} {
		if held[k] {
			langs = append(langs, l)
		}
	}
	if chance(r, 0.02) {
		langs = append(langs, pick(r, []string{LangJapanese, LangKorean, LangFrench, LangRussian}))
	}
	return dedupSorted(langs)
}

// preferredDomains draws v's preferred domains, at most three, sorted:
// mostly the domains of their skills, sometimes another.
func (g *generator) preferredDomains(r *rand.Rand, v *volmatch.Volunteer) []string {
	var ds []string
	for _, s := range v.Skills {
		if chance(r, 0.7) {
			ds = addDomain(ds, g.tax.DomainOf(s.Skill))
		}
	}
	if len(ds) == 0 || chance(r, 0.2) {
		ds = addDomain(ds, pick(r, g.domains).Key)
	}
	if len(ds) > 3 {
		ds = ds[:3]
	}
	sort.Strings(ds)
	return ds
}

func firstSkill(v *volmatch.Volunteer) string {
	if len(v.Skills) == 0 {
		return ""
	}
	return v.Skills[0].Skill
}

func dedupSorted(xs []string) []string {
	sort.Strings(xs)
	out := xs[:0]
	for i, x := range xs {
		if i == 0 || x != xs[i-1] {
			out = append(out, x)
		}
	}
	return out
}

func (g *generator) bio(v *volmatch.Volunteer) string {
	var names []string
	for _, s := range v.Skills {
		names = append(names, g.nodes[s.Skill].Name)
	}
	return "擅长" + strings.Join(names, "、")
}

// hidden draws the true preferences. They tie acceptance to what a scorer
// can see: affinity follows the preferred domains and the domains of the
// skills held (with noise: a preferred domain can be lukewarm, another domain
// a hidden favourite); distance tolerance follows MaxTravelKm; flakiness is
// what reliability will reveal. A domain missing from DomainAffinity has a
// low affinity (the simulator may take 0.1).
func (g *generator) hidden(r *rand.Rand, v *volmatch.Volunteer) *volmatch.HiddenPreferences {
	h := &volmatch.HiddenPreferences{DomainAffinity: map[string]float64{}}
	for _, s := range v.Skills {
		h.DomainAffinity[g.tax.DomainOf(s.Skill)] = round2(0.3 + 0.4*r.Float64())
	}
	for _, d := range v.PreferredDomains {
		if chance(r, 0.85) {
			h.DomainAffinity[d] = round2(0.6 + 0.4*r.Float64())
		} else {
			h.DomainAffinity[d] = round2(0.2 + 0.3*r.Float64())
		}
	}
	if chance(r, 0.3) {
		h.DomainAffinity[pick(r, g.domains).Key] = round2(0.5 + 0.5*r.Float64())
	}
	h.DistanceTolKm = round1(v.MaxTravelKm * (0.5 + 0.7*r.Float64()))
	h.Responsiveness = round2(0.2 + 0.7*r.Float64())
	if chance(r, 0.1) {
		h.Flakiness = round2(0.2 + 0.25*r.Float64())
	} else {
		h.Flakiness = round2(0.01 + 0.09*r.Float64())
	}
	h.Quality = round2(0.5 + 0.5*r.Float64())
	return h
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

func (g *generator) pools(vs []*volmatch.Volunteer) []*volmatch.TalentPool {
	var out []*volmatch.TalentPool
	by := map[string]*volmatch.TalentPool{}
	for _, d := range g.domains {
		if d.Kind != taxonomy.KindDomain {
			continue
		}
		p := &volmatch.TalentPool{ID: "pool-" + d.Key, Name: d.Name + "专业志愿者人员库", Domain: d.Key,
			Description: d.Name + "领域经资质认证的专业志愿者（分领域专业志愿者人员库）", Members: []string{}, UpdatedAt: g.o.Start}
		by[p.ID] = p
		out = append(out, p)
	}
	for _, v := range vs {
		for _, id := range v.Pools {
			if p := by[id]; p != nil {
				p.Members = append(p.Members, v.ID)
			}
		}
	}
	return out
}

var stationTypes = []struct {
	name   string
	weight float64
	days   []int // weekdays open, Monday = 0
	from   int
	to     int
}{
	{"党群服务中心", 0.45, []int{0, 1, 2, 3, 4, 5}, 9, 18},
	{"图书馆", 0.15, []int{1, 2, 3, 4, 5, 6}, 9, 20},
	{"博物馆", 0.1, []int{1, 2, 3, 4, 5, 6}, 9, 17},
	{"公园", 0.15, []int{0, 1, 2, 3, 4, 5, 6}, 6, 21},
	{"政务服务窗口", 0.15, []int{0, 1, 2, 3, 4}, 9, 17},
}

// stationCount is the number of generated stations, about a quarter of
// Beijing's 760 city stations.
const stationCount = 200

func (g *generator) stations() []*volmatch.Station {
	src := &rand.PCG{}
	seed(src, g.o.Seed, 3, 0)
	r := rand.New(src)
	var cum []float64
	s := 0.0
	for _, t := range stationTypes {
		s += t.weight
		cum = append(cum, s)
	}
	out := make([]*volmatch.Station, 0, stationCount)
	for i := range stationCount {
		si := pickCum(r, g.cum)
		st := g.streets[si]
		t := stationTypes[pickCum(r, cum)]
		var w volmatch.Week
		for _, d := range t.days {
			setHours(&w, d, t.from, t.to)
		}
		out = append(out, &volmatch.Station{
			ID:        fmt.Sprintf("ST%04d", i+1),
			Name:      shortStreet(st.Name) + t.name + "志愿服务站",
			Type:      t.name,
			Point:     g.jitter(r, si, 1),
			District:  st.District,
			Street:    st.Code,
			Hours:     w,
			UpdatedAt: g.o.Start,
		})
	}
	return out
}

// needTemplate is a kind of community need. Modes lists the service modes
// it is posted in: 'm' menu, 'c' concentrated, 'p' pairing.
type needTemplate struct {
	domain    string
	title     string
	desc      string
	target    string
	modes     string
	skills    []string // skills a post may require, the first most often
	cert      string   // certificate a post may require
	training  string   // training a post may require ("" = the domain's)
	language  string   // language a post may require
	weight    float64
	emergency bool // may be posted as an emergency
}

// needTemplates follow the community service types of the Beijing measures
// (§3) and the professional domains (§4).
var needTemplates = []needTemplate{
	{domain: "elderly_care", title: "为独居老人上门探访", desc: "{community}有独居老人需要定期上门探访：了解生活需求、陪伴聊天，发现异常及时报告社区。", target: volmatch.TargetElderly, modes: "mp", skills: []string{"home_visit", "chatting_companion"}, weight: 4},
	{domain: "elderly_care", title: "老年餐桌助餐送餐", desc: "协助{community}老年餐桌分餐，并为行动不便的老人送餐到户。", target: volmatch.TargetElderly, modes: "mc", skills: []string{"meal_delivery"}, weight: 3},
	{domain: "elderly_care", title: "陪同老人就医", desc: "为{community}行动不便的老人提供陪诊服务：挂号、取药、陪同检查。", target: volmatch.TargetElderly, modes: "mp", skills: []string{"escort_medical"}, cert: "driver_license", weight: 2},
	{domain: "elderly_care", title: "教老年人使用智能手机", desc: "在{place}开设智能手机课堂，教老年人视频通话、网上挂号，识别电信诈骗。", target: volmatch.TargetElderly, modes: "mc", skills: []string{"smartphone_teaching", "anti_fraud"}, weight: 3},
	{domain: "elderly_care", title: "为老人义务理发", desc: "在{place}为辖区老年人义务理发。", target: volmatch.TargetElderly, modes: "c", skills: []string{"haircut"}, weight: 1},
	{domain: "childcare", title: "困境儿童课业辅导", desc: "为{community}困境儿童提供课业辅导和陪伴，每周固定时间。", target: volmatch.TargetDifficult, modes: "mp", skills: []string{"tutoring", "math_tutoring", "english_tutoring"}, weight: 3},
	{domain: "childcare", title: "社区四点半课堂托管", desc: "在{place}看护放学后的孩子，辅导作业，组织游戏。", target: volmatch.TargetChildren, modes: "mc", skills: []string{"child_care", "tutoring"}, weight: 3},
	{domain: "childcare", title: "亲子阅读活动", desc: "在{place}组织亲子阅读和手工活动。", target: volmatch.TargetChildren, modes: "c", skills: []string{"reading_promotion", "child_activities"}, weight: 2},
	{domain: "childcare", title: "儿童防溺水安全教育", desc: "为{community}儿童讲解防溺水和居家安全知识。", target: volmatch.TargetChildren, modes: "c", skills: []string{"child_safety", "first_aid"}, weight: 1},
	{domain: "disability_help", title: "助残陪伴与出行协助", desc: "陪伴{community}的残疾人出行、购物和参加社区活动。", target: volmatch.TargetDisabled, modes: "mp", skills: []string{"disability_companion", "barrier_free_assist"}, weight: 2},
	{domain: "language", title: "手语翻译服务", desc: "为{community}听障居民办事和就医提供手语翻译。", target: volmatch.TargetDisabled, modes: "m", skills: []string{"sign_language"}, cert: "sign_language_cert", language: LangSign, weight: 1},
	{domain: "disability_help", title: "视障人士助盲出行", desc: "陪同{community}视障人士出行，协助过马路、乘车。", target: volmatch.TargetDisabled, modes: "mp", skills: []string{"guide_for_blind"}, weight: 1},
	{domain: "legal_aid", title: "法律咨询进社区", desc: "在{place}为居民解答婚姻家庭、劳动、物业等法律问题。", target: volmatch.TargetResidents, modes: "mc", skills: []string{"legal_consultation", "legal_aid_reception"}, cert: "lawyer_license", weight: 2},
	{domain: "law", title: "普法宣传活动", desc: "在{place}开展普法宣传，发放资料，解答居民疑问。", target: volmatch.TargetResidents, modes: "c", skills: []string{"legal_education"}, weight: 1},
	{domain: "law", title: "劳动纠纷法律咨询", desc: "为{community}务工人员提供劳动合同和欠薪问题的法律咨询。", target: volmatch.TargetResidents, modes: "m", skills: []string{"labor_law", "legal_consultation"}, cert: "lawyer_license", weight: 1},
	{domain: "employment", title: "就业指导与简历辅导", desc: "为{community}求职居民提供就业指导和简历修改。", target: volmatch.TargetResidents, modes: "m", skills: []string{"job_counseling", "resume_writing"}, weight: 1},
	{domain: "garbage_sorting", title: "垃圾分类桶前值守", desc: "在{community}垃圾投放点桶前值守，指导居民正确分类投放。", target: volmatch.TargetResidents, modes: "mc", skills: []string{"garbage_classification"}, weight: 5},
	{domain: "garbage_sorting", title: "垃圾分类入户宣传", desc: "入户宣传垃圾分类知识，发放分类指引。", target: volmatch.TargetResidents, modes: "c", skills: []string{"garbage_classification", "recycling"}, weight: 2},
	{domain: "safety_patrol", title: "社区治安巡逻", desc: "在{community}开展平安巡逻，排查安全隐患。", target: volmatch.TargetResidents, modes: "mc", skills: []string{"patrol"}, weight: 3},
	{domain: "safety_patrol", title: "路口文明交通劝导", desc: "在{street}主要路口开展文明交通劝导。", target: volmatch.TargetResidents, modes: "mc", skills: []string{"traffic_guidance", "civility_guide"}, weight: 2},
	{domain: "safety_patrol", title: "反诈宣传进社区", desc: "在{place}向老年人宣传防范电信网络诈骗。", target: volmatch.TargetElderly, modes: "c", skills: []string{"anti_fraud"}, weight: 1},
	{domain: "emergency_response", title: "社区应急演练保障", desc: "{community}开展应急疏散演练，需要志愿者引导疏散、维持秩序、保障物资。", target: volmatch.TargetResidents, modes: "c", skills: []string{"evacuation_guide", "first_aid", "emergency_logistics"}, cert: "first_aid_cert", weight: 1, emergency: true},
	{domain: "emergency_response", title: "暴雨天气应急值守", desc: "暴雨预警期间在{street}值守，转移群众、分发物资。", target: volmatch.TargetResidents, modes: "c", skills: []string{"emergency_logistics", "shelter_management"}, weight: 1, emergency: true},
	{domain: "emergency_response", title: "应急物资分发", desc: "在{place}协助分发应急物资。", target: volmatch.TargetResidents, modes: "c", skills: []string{"emergency_logistics"}, weight: 1, emergency: true},
	{domain: "emergency", title: "急救知识培训进社区", desc: "在{place}为居民讲授心肺复苏和AED使用。", target: volmatch.TargetResidents, modes: "c", skills: []string{"first_aid", "cpr"}, cert: "first_aid_cert", weight: 1},
	{domain: "emergency", title: "山区搜救支援", desc: "协助专业队伍在{district}山区开展搜救。", target: volmatch.TargetResidents, modes: "c", skills: []string{"search_rescue", "first_aid"}, cert: "rescue_cert", weight: 0.3, emergency: true},
	{domain: "environment", title: "河道巡护与清洁", desc: "沿{street}河道巡护，清理垃圾，劝阻违规垂钓。", target: volmatch.TargetResidents, modes: "mc", skills: []string{"river_patrol", "cleanup"}, weight: 2},
	{domain: "environment", title: "社区植树绿化", desc: "在{community}开展植树和绿地养护。", target: volmatch.TargetResidents, modes: "c", skills: []string{"tree_planting"}, weight: 1},
	{domain: "mediation", title: "邻里纠纷调解", desc: "协助{community}调解邻里和物业纠纷。", target: volmatch.TargetResidents, modes: "m", skills: []string{"dispute_mediation", "legal_consultation"}, cert: "mediator_cert", weight: 1},
	{domain: "psychology", title: "心理疏导热线值守", desc: "在{place}值守心理援助热线，为来电居民提供心理疏导。", target: volmatch.TargetResidents, modes: "m", skills: []string{"psych_hotline", "psych_counseling"}, cert: "psych_counselor_cert", training: "hotline_training", weight: 1},
	{domain: "psych_support", title: "独居老人心理慰藉", desc: "定期陪伴{community}独居老人，倾听烦恼，给予精神慰藉。", target: volmatch.TargetElderly, modes: "mp", skills: []string{"emotional_listening", "elderly_solace", "chatting_companion"}, weight: 2},
	{domain: "psychology", title: "青少年心理健康讲座", desc: "在{place}为青少年和家长讲解心理健康知识。", target: volmatch.TargetChildren, modes: "c", skills: []string{"child_psychology", "psych_counseling"}, cert: "psych_counselor_cert", weight: 1},
	{domain: "community_governance", title: "社区议事协商会服务", desc: "协助{community}组织居民议事协商会：签到、记录、秩序。", target: volmatch.TargetResidents, modes: "c", skills: []string{"meeting_facilitation", "data_entry"}, weight: 1},
	{domain: "community_governance", title: "入户走访调查", desc: "入户走访{community}居民，了解需求并登记信息。", target: volmatch.TargetResidents, modes: "mc", skills: []string{"resident_survey", "data_entry"}, weight: 2},
	{domain: "health", title: "社区义诊活动", desc: "在{place}开展义诊，测量血压血糖，提供健康咨询。", target: volmatch.TargetElderly, modes: "c", skills: []string{"medical_consultation", "vital_signs_check"}, cert: "doctor_license", weight: 1},
	{domain: "health", title: "老年人血压血糖测量", desc: "为{community}老年人测量血压血糖并建立记录。", target: volmatch.TargetElderly, modes: "mc", skills: []string{"vital_signs_check", "nursing"}, cert: "nurse_license", weight: 1},
	{domain: "health", title: "健康知识讲座", desc: "在{place}讲授慢病防治和健康生活知识。", target: volmatch.TargetResidents, modes: "c", skills: []string{"health_education"}, weight: 1},
	{domain: "culture", title: "博物馆志愿讲解", desc: "在{district}博物馆为观众提供志愿讲解。", target: volmatch.TargetResidents, modes: "m", skills: []string{"museum_guide", "cultural_guide"}, weight: 1},
	{domain: "culture", title: "胡同文化导览", desc: "带领居民和游客走读{street}胡同，讲述老北京故事。", target: volmatch.TargetResidents, modes: "mc", skills: []string{"hutong_history", "cultural_guide"}, weight: 1},
	{domain: "culture", title: "图书馆图书整理", desc: "在{place}整理图书、协助借阅。", target: volmatch.TargetResidents, modes: "m", skills: []string{"library_service"}, weight: 1},
	{domain: "sports", title: "社区健身指导", desc: "在{community}广场带领居民科学健身、练习太极拳。", target: volmatch.TargetElderly, modes: "mc", skills: []string{"fitness_coaching", "taichi"}, weight: 1},
	{domain: "sports", title: "青少年足球训练", desc: "为{community}孩子组织周末足球训练。", target: volmatch.TargetChildren, modes: "c", skills: []string{"youth_football"}, weight: 0.5},
	{domain: "science", title: "青少年科普实验课", desc: "在{place}为孩子们开设动手科学实验课。", target: volmatch.TargetChildren, modes: "c", skills: []string{"stem_education", "science_lecture"}, weight: 1},
	{domain: "arts", title: "春节写春联送福字", desc: "在{place}为居民义写春联、福字。", target: volmatch.TargetResidents, modes: "c", skills: []string{"calligraphy"}, weight: 0.5},
	{domain: "arts", title: "社区合唱团排练指导", desc: "指导{community}老年合唱团排练。", target: volmatch.TargetElderly, modes: "m", skills: []string{"singing", "instrumental_music"}, weight: 0.5},
	{domain: "language", title: "外籍居民翻译协助", desc: "为{community}外籍居民办事提供英语翻译。", target: volmatch.TargetResidents, modes: "m", skills: []string{"english_translation"}, language: LangEnglish, weight: 0.5},
	{domain: "internet", title: "社区公众号运营", desc: "为{community}运营公众号，拍摄和撰写活动报道。", target: volmatch.TargetResidents, modes: "m", skills: []string{"new_media", "photography"}, weight: 0.5},
	{domain: "social_work", title: "困难家庭个案走访", desc: "配合社工走访{community}困难家庭，评估需求，链接资源。", target: volmatch.TargetDifficult, modes: "mp", skills: []string{"case_management", "needs_assessment"}, cert: "social_worker_cert", weight: 1},
	{domain: "large_events", title: "大型赛会志愿服务", desc: "在{district}大型活动现场提供引导、咨询和检票服务。", target: volmatch.TargetResidents, modes: "c", skills: []string{"event_reception", "info_desk", "ticket_checking"}, training: "large_event_training", weight: 1},
	{domain: "large_events", title: "马拉松赛事补给站服务", desc: "在{street}补给站为选手分发补给、维持秩序。", target: volmatch.TargetResidents, modes: "c", skills: []string{"sports_event_service", "event_reception"}, weight: 0.5},
}

var (
	templateCum   []float64
	pairingIdx    []int
	emergencyIdx  []int
	templatesOnce sync.Once
)

func templateTables() {
	templatesOnce.Do(func() {
		s := 0.0
		for i, t := range needTemplates {
			s += t.weight
			templateCum = append(templateCum, s)
			if strings.ContainsRune(t.modes, 'p') {
				pairingIdx = append(pairingIdx, i)
			}
			if t.emergency {
				emergencyIdx = append(emergencyIdx, i)
			}
		}
	})
}

var pairingNotes = []string{"老人耳背，说话请慢一些", "希望每周固定时间上门", "希望志愿者性格开朗、有耐心",
	"家中养猫，对猫过敏者慎选", "老人喜欢下象棋", "孩子数学基础较弱"}

// shiftTimes returns a start hour and length (hours) for a shift on a day,
// leaning to weekday evenings and weekends.
func shiftTimes(r *rand.Rand, weekend bool) (int, int) {
	if weekend {
		if chance(r, 0.55) {
			return 9 + r.IntN(2), 2 + r.IntN(2)
		}
		return 14 + r.IntN(2), 2 + r.IntN(3)
	}
	switch x := r.Float64(); {
	case x < 0.6:
		h := 18 + r.IntN(2)
		return h, 2 + r.IntN(21-h)
	case x < 0.8:
		return 9, 2 + r.IntN(2)
	default:
		return 14, 2 + r.IntN(2)
	}
}

func (g *generator) need(r *rand.Rand, i int, stations []*volmatch.Station) *volmatch.Need {
	templateTables()
	n := &volmatch.Need{ID: fmt.Sprintf("N%06d", i+1), Status: volmatch.NeedOpen, Urgency: volmatch.UrgencyNormal}
	t := needKind(r, n)
	n.Domain = t.domain
	n.TargetGroup = t.target
	g.needSite(r, n, t, stations)
	g.needShifts(r, n)
	n.PostedAt = postedAt(r, n)
	n.UpdatedAt = n.PostedAt
	g.needRequirements(r, n, t)
	if n.Mode == volmatch.ModePairing && chance(r, 0.5) {
		n.Recipient = recipientPreferences(r, n.Shifts)
	}
	return n
}

// needKind draws the urgency and mode of n and the template it follows:
// ~3% emergencies (concentrated), ~10% pairings, the rest by template
// weight in one of the template's other modes, ~11% of them urgent.
func needKind(r *rand.Rand, n *volmatch.Need) needTemplate {
	var t needTemplate
	switch x := r.Float64(); {
	case x < 0.03:
		n.Urgency = volmatch.UrgencyEmergency
		t = needTemplates[pick(r, emergencyIdx)]
		n.Mode = volmatch.ModeConcentrated
	case x < 0.13:
		t = needTemplates[pick(r, pairingIdx)]
		n.Mode = volmatch.ModePairing
	default:
		t = needTemplates[pickCum(r, templateCum)]
		modes := strings.ReplaceAll(t.modes, "p", "")
		switch {
		case modes == "c":
			n.Mode = volmatch.ModeConcentrated
		case modes == "m":
			n.Mode = volmatch.ModeMenu
		case chance(r, 0.6):
			n.Mode = volmatch.ModeMenu
		default:
			n.Mode = volmatch.ModeConcentrated
		}
		if chance(r, 0.11) {
			n.Urgency = volmatch.UrgencyUrgent
		}
	}
	return t
}

// needSite draws where n is: a street by population, a point in it or, for
// a quarter, a station of the street; then the organisation, the title and
// description filled in from t, and the radius (wider for an emergency).
func (g *generator) needSite(r *rand.Rand, n *volmatch.Need, t needTemplate, stations []*volmatch.Station) {
	si := pickCum(r, g.cum)
	st := g.streets[si]
	n.Org = "org-" + st.Code[:9]
	n.District, n.Street = st.District, st.Code
	n.Point = g.jitter(r, si, 1)
	place := shortStreet(st.Name) + "社区服务站"
	if chance(r, 0.25) {
		// A station of the same street, when there is one.
		for _, s := range stations {
			if s.Street == st.Code {
				n.Station, n.Point, place = s.ID, s.Point, s.Name
				break
			}
		}
	}
	community := shortStreet(st.Name) + pick(r, communityNames) + "社区"
	repl := strings.NewReplacer("{community}", community, "{street}", shortStreet(st.Name),
		"{district}", st.DistrictName, "{place}", place)
	n.Title = shortStreet(st.Name) + "｜" + t.title
	n.Description = repl.Replace(t.desc)
	n.RadiusKm = float64(3 + r.IntN(8))
	if n.Urgency == volmatch.UrgencyEmergency {
		n.RadiusKm = float64(10 + r.IntN(11))
	}
}

// needShifts draws n's shifts within the period: 1–4 (1–2 when
// concentrated, 1 in an emergency), or a pairing's weekly ones.
func (g *generator) needShifts(r *rand.Rand, n *volmatch.Need) {
	nShifts := 1 + r.IntN(4)
	if n.Mode == volmatch.ModeConcentrated {
		nShifts = 1 + r.IntN(2)
	}
	if n.Urgency == volmatch.UrgencyEmergency {
		nShifts = 1
	}
	if n.Mode == volmatch.ModePairing {
		g.pairingShifts(r, n)
		return
	}
	g.dayShifts(r, n, nShifts)
}

// pairingShifts gives n a lasting tie: the same hours every week, for up
// to four weeks, one slot each.
func (g *generator) pairingShifts(r *rand.Rand, n *volmatch.Need) {
	nShifts := min(4, g.o.Weeks)
	d := r.IntN(7)
	h, l := shiftTimes(r, d >= 5)
	for k := range nShifts {
		s := g.day(d + 7*k).Add(time.Duration(h) * time.Hour)
		n.Shifts = append(n.Shifts, volmatch.Shift{ID: "s" + strconv.Itoa(k+1), Start: s, End: s.Add(time.Duration(l) * time.Hour), Slots: 1})
	}
}

// dayShifts gives n up to nShifts shifts on distinct days of the period
// (twenty draws at most), in order of start, with their slots: more for
// an emergency or a concentrated need.
func (g *generator) dayShifts(r *rand.Rand, n *volmatch.Need, nShifts int) {
	days := 7 * g.o.Weeks
	ds := map[int]bool{}
	for k := 0; len(n.Shifts) < nShifts && k < 20; k++ {
		// Weekends drawn about as often as the five weekdays together.
		var d int
		if chance(r, 0.45) {
			d = 7*r.IntN(g.o.Weeks) + 5 + r.IntN(2)
		} else {
			d = 7*r.IntN(g.o.Weeks) + r.IntN(5)
		}
		if ds[d] || d >= days {
			continue
		}
		ds[d] = true
		h, l := shiftTimes(r, d%7 >= 5)
		slots := 1 + r.IntN(5)
		switch {
		case n.Urgency == volmatch.UrgencyEmergency:
			slots = 5 + r.IntN(16)
		case n.Mode == volmatch.ModeConcentrated:
			slots = 3 + r.IntN(28)
		}
		s := g.day(d).Add(time.Duration(h) * time.Hour)
		n.Shifts = append(n.Shifts, volmatch.Shift{Start: s, End: s.Add(time.Duration(l) * time.Hour), Slots: slots})
	}
	sort.Slice(n.Shifts, func(a, b int) bool { return n.Shifts[a].Start.Before(n.Shifts[b].Start) })
	for k := range n.Shifts {
		n.Shifts[k].ID = "s" + strconv.Itoa(k+1)
	}
}

// postedAt draws when n was posted: an emergency two to eleven hours
// before its first shift, any other need during office hours one to seven
// days before.
func postedAt(r *rand.Rand, n *volmatch.Need) time.Time {
	first := n.Shifts[0].Start
	if n.Urgency == volmatch.UrgencyEmergency {
		return first.Add(-time.Duration(2+r.IntN(10)) * time.Hour)
	}
	d := time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, volmatch.Beijing)
	return d.AddDate(0, 0, -1-r.IntN(7)).Add(time.Duration(9*60+r.IntN(9*60)) * time.Minute)
}

// needRequirements draws what n requires, following t: sometimes a skill
// (at a level), a certificate, a training, insurance; t's language always.
func (g *generator) needRequirements(r *rand.Rand, n *volmatch.Need, t needTemplate) {
	if chance(r, 0.3) {
		lvl := 1
		if x := r.Float64(); x < 0.3 {
			lvl = 2
		} else if x < 0.35 && t.cert != "" {
			lvl = 3
		}
		k := t.skills[0]
		if len(t.skills) > 1 && chance(r, 0.4) {
			k = pick(r, t.skills)
		}
		n.Requires.Skills = []volmatch.SkillLevel{{Skill: k, Level: lvl}}
	}
	if chance(r, 0.1) {
		c := t.cert
		if c == "" {
			c = "first_aid_cert"
		}
		n.Requires.Certificates = []string{c}
	}
	if chance(r, 0.15) {
		tr := t.training
		if tr == "" {
			tr = g.nodes[t.domain].Training
		}
		if tr == "" {
			tr = "general_orientation"
		}
		n.Requires.Trainings = []string{tr}
	}
	n.Requires.Insurance = chance(r, 0.2)
	if t.language != "" {
		n.Requires.Languages = []string{t.language}
	}
}

// recipientPreferences draws a pairing recipient's preferences: sometimes
// a gender, a maximum age, a language and a note; always the weekly hours
// of the shifts.
func recipientPreferences(r *rand.Rand, shifts []volmatch.Shift) *volmatch.RecipientPreferences {
	rp := &volmatch.RecipientPreferences{}
	if chance(r, 0.4) {
		rp.Gender = pick(r, []string{"f", "m"})
	}
	if chance(r, 0.2) {
		rp.MaxAge = 50 + 10*r.IntN(3)
	}
	if chance(r, 0.1) {
		rp.Languages = []string{pick(r, []string{LangCantonese, LangEnglish, LangSign})}
	}
	for _, s := range shifts {
		h := volmatch.ShiftHours(s.Start, s.End)
		rp.Weekly = volmatch.Week{rp.Weekly[0] | h[0], rp.Weekly[1] | h[1], rp.Weekly[2] | h[2]}
	}
	if chance(r, 0.5) {
		rp.Notes = pick(r, pairingNotes)
	}
	return rp
}
