package main

import (
	"github.com/spf13/cobra"

	"volmatch/engine"
)

// addLedgerFlags registers the earning rules of points and time savings
// (engine.LedgerRules), which the admin running the deployment sets.
func addLedgerFlags(cmd *cobra.Command, r *engine.LedgerRules) {
	cmd.Flags().IntVar(&r.PointsPerHour, "points-per-hour", 10, "service points an hour of completed service earns")
	cmd.Flags().IntVar(&r.MinutesPerHour, "minutes-per-hour", 60, "minutes of time savings an hour of completed service earns")
	cmd.Flags().IntVar(&r.EmergencyBonus, "emergency-bonus", 50, "percent more points for service to an emergency need (negative: none)")
	cmd.Flags().StringToIntVar(&r.DomainBonus, "domain-bonus", nil, "percent more points by the need's domain, e.g. emergency_rescue=20,legal_aid=10")
}
