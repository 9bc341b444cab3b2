package datasets

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"volmatch"
)

// teams forms the generated city's volunteer teams (志愿服务团队) from its
// volunteers, on their own seeded stream: in every street with at least
// twelve volunteers, a service team (助老服务队) of four to eight who live
// there; and the standing emergency teams of §7 from volunteers who
// consented to emergency mobilisation: a street team in one street in
// three, a district team in each district, and three city teams. A
// volunteer joins at most one service team and one emergency team. A
// team belongs to the organisation of its home street (the one that posts
// the street's needs).
func (g *generator) teams(vs []*volmatch.Volunteer) []*volmatch.Team {
	src := &rand.PCG{}
	seed(src, g.o.Seed, 4, 0)
	r := rand.New(src)
	byStreet := map[string][]*volmatch.Volunteer{}
	byDistrict := map[string][]*volmatch.Volunteer{}
	for _, v := range vs {
		byStreet[v.Street] = append(byStreet[v.Street], v)
		byDistrict[v.District] = append(byDistrict[v.District], v)
	}
	inService, inEmergency := map[string]bool{}, map[string]bool{}
	var out []*volmatch.Team
	add := func(st int, name, domain, desc string, tier volmatch.TeamTier, pool []*volmatch.Volunteer, size int) {
		street := g.streets[st]
		taken := inService
		if tier != "" {
			taken = inEmergency
		}
		var ms []string
		for _, k := range r.Perm(len(pool)) {
			v := pool[k]
			if taken[v.ID] || tier != "" && !v.Consent.Emergency {
				continue
			}
			ms = append(ms, v.ID)
			if len(ms) == size {
				break
			}
		}
		if len(ms) < volmatch.MinTeamMembers {
			return
		}
		for _, m := range ms {
			taken[m] = true
		}
		t := &volmatch.Team{ID: fmt.Sprintf("TM%05d", len(out)+1), Name: name, Org: "org-" + street.Code[:9],
			Leader: ms[0], Members: ms, District: street.District, Street: street.Code, Domain: domain,
			Description: desc, Emergency: tier != "", Tier: tier, UpdatedAt: g.o.Start}
		out = append(out, t)
	}
	for si, st := range g.streets {
		pool := byStreet[st.Code]
		if len(pool) >= 12 {
			add(si, shortStreet(st.Name)+"助老服务队", "elderly_care", "就近陪伴独居老人、代购送餐、协助就医，整队参加社区集中服务。", "", pool, 4+r.IntN(5))
		}
		if len(pool) >= 12 && si%3 == 0 {
			add(si, shortStreet(st.Name)+"应急救援队", "emergency", "街道级应急队伍：防汛、疏散、急救和秩序维护，接到召集就近出动。", volmatch.TierStreet, pool, 5+r.IntN(4))
		}
	}
	districts := make([]string, 0, len(byDistrict))
	for d := range byDistrict {
		districts = append(districts, d)
	}
	slices.Sort(districts)
	firstStreet := func(district string) int {
		for si, st := range g.streets {
			if st.District == district {
				return si
			}
		}
		return 0
	}
	for _, d := range districts {
		si := firstStreet(d)
		add(si, g.streets[si].DistrictName+"应急志愿服务队", "emergency", "区级应急队伍：跨街道支援防汛抗灾、疏散安置与急救。", volmatch.TierDistrict, byDistrict[d], 8+r.IntN(5))
	}
	if len(districts) == 0 {
		return out
	}
	for k, name := range []string{"北京市应急救援志愿服务总队", "北京市心理援助应急队", "北京市医疗急救志愿服务队"} {
		d := districts[(k*5)%len(districts)]
		si := firstStreet(d)
		domain := []string{"emergency", "psychology", "health"}[k]
		add(si, name, domain, "市级应急队伍：重大突发事件中全市调派，提供专业救援、心理疏导与医疗急救。", volmatch.TierCity, byDistrict[d], 10+r.IntN(6))
	}
	return out
}
