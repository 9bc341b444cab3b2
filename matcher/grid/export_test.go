package grid

// The generators of the internal tests, for the tests of package grid_test.
var (
	FeatVolunteer = featVolunteer
	FeatNeed      = featNeed
)
