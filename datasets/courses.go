package datasets

import (
	"fmt"
	"math/rand/v2"
	"time"

	"volmatch"
	"volmatch/taxonomy"
)

// trainingCourse is what the generator knows of a training's courses: an
// English name, the domain and the hours.
var trainingCourse = map[string]struct {
	en, domain string
	hours      float64
}{
	"general_orientation":      {"Volunteer orientation", "social_work", 2},
	"elderly_care_training":    {"Elderly care service", "elderly_disability", 6},
	"emergency_training":       {"Emergency rescue basics", "emergency", 8},
	"psych_first_aid":          {"Psychological first aid", "psychology", 6},
	"child_protection":         {"Child protection", "education", 4},
	"disability_assist":        {"Assisting people with disabilities", "elderly_disability", 4},
	"first_aid_training":       {"First aid skills", "health", 8},
	"fire_safety_training":     {"Fire safety", "emergency", 3},
	"garbage_sorting_training": {"Garbage sorting guide", "social_work", 2},
	"legal_aid_training":       {"Legal aid volunteering", "law", 6},
	"hotline_training":         {"Hotline answering", "psychology", 4},
	"large_event_training":     {"Large-event volunteering", "social_work", 3},
	"privacy_training":         {"Personal information protection", "internet", 2},
	"pairing_training":         {"One-to-one pairing support", "social_work", 3},
	"sign_language_training":   {"Sign language basics", "language", 8},
}

// providers are the course providers' names (a street's prefix goes first).
var providers = []string{"社区学院", "志愿者协会", "红十字会培训点", "社会工作服务中心"}

// Courses returns the course library of the city p: for each training of
// the taxonomy two courses, each by the organisation of a station's street
// (the same "org-" names the needs carry), with four sessions of the
// course's hours at stations on days of the period (evenings and
// weekends), 20 to 40 seats each. It is drawn from o.Seed alone, so the
// same options give the same library.
func Courses(o GenOptions, p *Population) []*volmatch.Course {
	if len(p.Stations) == 0 {
		return nil
	}
	if o.Start.IsZero() {
		o.Start = DefaultStart
	}
	o.Start = o.Start.In(volmatch.Beijing)
	if o.Weeks <= 0 {
		o.Weeks = 4
	}
	tax := taxonomy.Load()
	src := &rand.PCG{}
	seed(src, o.Seed, 7, 0)
	r := rand.New(src)
	var out []*volmatch.Course
	for i, t := range tax.Trainings() {
		info, ok := trainingCourse[t.Key]
		if !ok {
			info.en, info.domain, info.hours = t.Key, "social_work", 3
		}
		for j := range 2 {
			home := p.Stations[r.IntN(len(p.Stations))]
			c := &volmatch.Course{
				ID:          fmt.Sprintf("C%03d", 2*i+j+1),
				Org:         "org-" + home.Street[:9],
				Provider:    shortStreet(home.Name) + providers[r.IntN(len(providers))],
				Name:        t.Name,
				NameEn:      info.en,
				Domain:      info.domain,
				Description: fmt.Sprintf("%s：%s，结业后获得“%s”培训记录，可参加要求该培训的志愿服务。", t.Name, info.en, t.Name),
				Hours:       info.hours,
				Training:    t.Key,
				ValidMonths: 24,
				UpdatedAt:   o.Start,
			}
			if j == 1 {
				c.Name += "（周末班）"
			}
			length := time.Duration(min(info.hours, 8) * float64(time.Hour))
			for k := range 4 {
				st := p.Stations[r.IntN(len(p.Stations))]
				if k == 0 {
					st = home
				}
				day := o.Start.AddDate(0, 0, r.IntN(7*o.Weeks))
				hour := 19
				if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday || length > 3*time.Hour {
					hour = 9
				}
				start := time.Date(day.Year(), day.Month(), day.Day(), hour, 0, 0, 0, volmatch.Beijing)
				c.Sessions = append(c.Sessions, volmatch.Session{
					ID: fmt.Sprintf("s%d", k+1), Start: start, End: start.Add(length),
					Place: st.Name, Point: st.Point, District: st.District, Street: st.Street,
					Seats: 20 + r.IntN(21),
				})
			}
			out = append(out, c)
		}
	}
	return out
}
