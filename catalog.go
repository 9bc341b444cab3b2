package volmatch

// Catalogue records are what volunteers and social workers look up besides
// needs and volunteers: talent pools, service stations, and the teams,
// courses and projects of issue 16. Search sees each as one CatalogDoc:
// its public name and description, its place and keys, and who may find
// it. A CatalogDoc never holds a person's data (a pool's member count, not
// its members).

// CatalogDoc is what search indexes and returns of a catalogue record.
type CatalogDoc struct {
	Kind ChangeKind `json:"kind"`
	ID   string     `json:"id"`
	// Org is the owning organisation ("" for a city-wide record).
	Org string `json:"org,omitempty"`
	// Restricted records are found only by their organisation's staff and
	// by admins; the others by everyone who may search.
	Restricted bool `json:"restricted,omitempty"`
	// Name and Text are the searchable words: the record's name and its
	// description (services, goal, qualification ...), Chinese first.
	Name string `json:"name"`
	Text string `json:"text,omitempty"`
	// District and Street are codes of the record's place; Point its
	// point (nil for a record without one, such as a pool).
	District string `json:"district,omitempty"`
	Street   string `json:"street,omitempty"`
	Point    *Point `json:"point,omitempty"`
	// Domain is a service domain key; Keys are taxonomy keys the record
	// concerns (a course's training, a team's skills), read by the
	// Domain and Skill filters of a search.
	Domain string   `json:"domain,omitempty"`
	Keys   []string `json:"keys,omitempty"`
	// Count is a size shown beside the name: a pool's or team's members,
	// a course's seats. Never who they are.
	Count int `json:"count,omitempty"`
}

// catalogKinds are the kinds searched as CatalogDocs.
var catalogKinds = []ChangeKind{ChangePool, ChangeStation, ChangeTeam, ChangeCourse, ChangeProject}

// CatalogKinds returns the kinds searched as CatalogDocs.
func CatalogKinds() []ChangeKind { return append([]ChangeKind(nil), catalogKinds...) }

// IsCatalogKind reports whether records of kind k are searched as
// CatalogDocs.
func IsCatalogKind(k ChangeKind) bool {
	for _, c := range catalogKinds {
		if c == k {
			return true
		}
	}
	return false
}

// CatalogDoc returns what search sees of the pool: its name, domain,
// description and member count.
func (p *TalentPool) CatalogDoc() CatalogDoc {
	return CatalogDoc{Kind: ChangePool, ID: p.ID, Name: p.Name, Text: p.Description, Domain: p.Domain, Count: len(p.Members)}
}

// CatalogDoc returns what search sees of the station: its name, type and
// place.
func (s *Station) CatalogDoc() CatalogDoc {
	pt := s.Point
	return CatalogDoc{Kind: ChangeStation, ID: s.ID, Name: s.Name, Text: s.Type, District: s.District, Street: s.Street, Point: &pt}
}
