package volmatch

// Component is one named part of a score: a soft constraint's value in [0,1]
// and the weight that multiplies it. The breakdown is both the explanation a
// social worker sees and the feature vector evaluation learns from.
type Component struct {
	Name   string  `json:"name"`
	Value  float64 `json:"value"`
	Weight float64 `json:"weight"`
}

// Contribution returns Value × Weight.
func (c Component) Contribution() float64 { return c.Value * c.Weight }

// Match is a ranked candidate: a volunteer for a need's shift, with the total
// score (the sum of the breakdown's contributions) and its parts.
type Match struct {
	Volunteer  string      `json:"volunteer"`
	Need       string      `json:"need"`
	Shift      string      `json:"shift"`
	Rank       int         `json:"rank"` // 1-based
	Score      float64     `json:"score"`
	DistanceKm float64     `json:"distance_km"`
	Breakdown  []Component `json:"breakdown"`
}

// Exclusions counts, by hard gate name, the volunteers a gate excluded. A
// volunteer is counted under the first gate that excluded them.
type Exclusions map[string]int
