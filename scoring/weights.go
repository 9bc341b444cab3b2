package scoring

import (
	"math"

	"volmatch"
)

// Names of the soft scores (breakdown components), in breakdown order.
const (
	ComponentSkillFit          = "skill_fit"
	ComponentDistance          = "distance"
	ComponentAvailabilitySlack = "availability_slack"
	ComponentReliability       = "reliability"
	ComponentLoad              = "load"
	ComponentDomainPreference  = "domain_preference"
)

// NumComponents is the number of soft scores, the length of a breakdown and
// of a weight vector.
const NumComponents = 6

// Names returns the component names in breakdown order: the order of
// Weights.Vector, of Values and of every breakdown the Scorer returns.
func Names() []string {
	return []string{ComponentSkillFit, ComponentDistance, ComponentAvailabilitySlack,
		ComponentReliability, ComponentLoad, ComponentDomainPreference}
}

// Weights are the multipliers of the soft scores. With the defaults they sum
// to 1, so a score lies in [0,1].
type Weights struct {
	SkillFit          float64 `json:"skill_fit"`
	Distance          float64 `json:"distance"`
	AvailabilitySlack float64 `json:"availability_slack"`
	Reliability       float64 `json:"reliability"`
	Load              float64 `json:"load"`
	DomainPreference  float64 `json:"domain_preference"`
}

// DefaultWeights returns the hand-set weights used until weights are fitted
// from outcomes: skill fit and distance first, then reliability, then
// slack, fairness and domain preference.
func DefaultWeights() Weights {
	return Weights{SkillFit: 0.30, Distance: 0.25, AvailabilitySlack: 0.10,
		Reliability: 0.15, Load: 0.10, DomainPreference: 0.10}
}

// Vector returns the weights in the order of Names.
func (w Weights) Vector() []float64 {
	a := w.array()
	return a[:]
}

func (w Weights) array() [NumComponents]float64 {
	return [NumComponents]float64{w.SkillFit, w.Distance, w.AvailabilitySlack, w.Reliability, w.Load, w.DomainPreference}
}

// WeightsFromVector returns the weights of a vector in the order of Names.
// It returns EINVALID unless x has NumComponents finite, non-negative
// entries.
func WeightsFromVector(x []float64) (Weights, error) {
	if len(x) != NumComponents {
		return Weights{}, volmatch.FieldError("weights", "need %d values (%v), got %d", NumComponents, Names(), len(x))
	}
	w := Weights{SkillFit: x[0], Distance: x[1], AvailabilitySlack: x[2], Reliability: x[3], Load: x[4], DomainPreference: x[5]}
	return w, w.Validate()
}

// Validate returns EINVALID naming the first weight that is negative, NaN
// or infinite.
func (w Weights) Validate() error {
	names := Names()
	for i, x := range w.array() {
		if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
			return volmatch.FieldError("weights."+names[i], "must be a finite non-negative number, got %v", x)
		}
	}
	return nil
}

// IsZero reports whether every weight is 0.
func (w Weights) IsZero() bool { return w == Weights{} }

// Values returns the values of a breakdown in the order of Names, looking
// components up by name (a missing one is 0): the feature vector for
// fitting.
func Values(breakdown []volmatch.Component) []float64 {
	out := make([]float64, NumComponents)
	for i, name := range Names() {
		for _, c := range breakdown {
			if c.Name == name {
				out[i] = c.Value
				break
			}
		}
	}
	return out
}

// Total returns the sum of a breakdown's contributions, added in order.
func Total(breakdown []volmatch.Component) float64 {
	t := 0.0
	for _, c := range breakdown {
		t += c.Contribution()
	}
	return t
}
