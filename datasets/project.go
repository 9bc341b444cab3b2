package datasets

import (
	"fmt"
	"sort"
	"strings"

	"volmatch"
)

// Projects of the generated city (项目库): an organisation's needs of one
// kind (the same template title) recur, and every other such recurring
// activity of at least minProjectNeeds needs is made a street-grade
// project with those needs in it; the others stay loose, for the
// suggestions to find. Psychology activities (心理) become projects from
// two needs, so that the library always has some to show.

const minProjectNeeds = 3

// projectCategory maps a need domain to the library's category.
var projectCategory = map[string]string{
	"elderly_care": "elderly_disabled", "disability_help": "elderly_disabled", "childcare": "children",
	"legal_aid": "legal", "law": "legal", "employment": "governance", "garbage_sorting": "environment",
	"safety_patrol": "safety", "emergency_response": "emergency", "emergency": "emergency",
	"environment": "environment", "mediation": "neighbourhood", "psychology": "psychology",
	"psych_support": "psychology", "community_governance": "governance", "health": "health",
	"culture": "culture", "sports": "culture", "science": "culture", "arts": "culture",
	"language": "neighbourhood", "internet": "governance", "social_work": "neighbourhood",
	"large_events": "events",
}

// projects groups the needs into recurring activities, makes every other
// one a project (in the order of their keys, so the same needs give the
// same projects) and sets the needs' Project.
func (g *generator) projects(needs []*volmatch.Need) []*volmatch.Project {
	groups := map[string][]*volmatch.Need{}
	for _, n := range needs {
		_, kind, _ := strings.Cut(n.Title, "｜")
		k := n.Org + "\x00" + kind
		groups[k] = append(groups[k], n)
	}
	keys := make([]string, 0, len(groups))
	for k, ns := range groups {
		psych := projectCategory[ns[0].Domain] == "psychology"
		if len(ns) >= minProjectNeeds || psych && len(ns) >= 2 {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []*volmatch.Project
	for i, k := range keys {
		ns := groups[k]
		psych := projectCategory[ns[0].Domain] == "psychology"
		if i%2 == 1 && !psych {
			continue // left loose: a candidate for the suggestions
		}
		n := ns[0]
		street, kind, _ := strings.Cut(n.Title, "｜")
		p := &volmatch.Project{
			ID: fmt.Sprintf("PJ%04d", len(out)+1), Org: n.Org, Name: street + kind,
			Goal:        "常态化开展" + kind + "，每月固定服务，形成可持续的志愿服务品牌。",
			Description: n.Description, Domain: n.Domain, District: n.District, Street: n.Street,
			Grade: volmatch.GradeStreet, Category: projectCategory[n.Domain], Status: volmatch.ProjectActive,
			CreatedAt: g.o.Start, UpdatedAt: g.o.Start,
		}
		if p.Category == "" {
			p.Category = "neighbourhood"
		}
		for _, m := range ns {
			m.Project = p.ID
		}
		out = append(out, p)
	}
	return out
}
