package engine

import "time"

// SetLeaseRenewal sets how often a running request renews its idempotency
// lease, for the tests; the returned func restores it.
func SetLeaseRenewal(d time.Duration) func() {
	old := leaseRenewal
	leaseRenewal = d
	return func() { leaseRenewal = old }
}
