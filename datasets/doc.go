// Package datasets holds the data volmatch is built and measured on: a
// synthetic population generator with an outcome simulation, JSONL and CSV
// import and export, and readers of benchmark instances (OR-Library,
// DIMACS). The reference data read at run time lives apart: Beijing's
// districts and streets in package geo, the skill taxonomy in package
// taxonomy.
//
// # Population
//
// Generate builds volunteers, needs, talent pools and stations, deterministic
// for a seed (the same bytes on every machine; each record depends only on
// the seed and its index):
//
//	p := datasets.Generate(datasets.GenOptions{Volunteers: 20000, Needs: 500, Seed: 1})
//	err := datasets.WriteDir("pop", p) // volunteers.jsonl, needs.jsonl, pools.jsonl, stations.jsonl
//
// Volunteers live near real street points, weighted by the 2020 census
// population of their district; they have IDs BJ00000001..., synthetic
// Chinese names and phone numbers, one to three basic community skills (about
// 5% are professionals at level 3 with the matching certificate, listed in
// their domain's pool "pool-<domain>"), certificates that expire (some before
// the period, some during it), trainings, insurance, languages ("zh" always;
// "en", "yue" Cantonese, "csl" Chinese Sign Language, "ja", "ko", "fr",
// "ru"), preferred domains, weekly availability leaning to evenings and
// weekends, a few dated exceptions, teams and consent flags. Stats are zero.
//
// Hidden preferences (Volunteer.Hidden) are what a simulation uses to decide
// outcomes: DomainAffinity is high for most preferred domains and moderate
// for the domains of the skills held, with noise (a preferred domain may be
// lukewarm, another a hidden favourite; a missing domain means low
// affinity); DistanceTolKm is 0.5–1.2 times MaxTravelKm; Responsiveness is
// the base chance of accepting; Flakiness (mostly 1–10%, for a tenth of
// volunteers 20–45%) is the chance of not turning up, which the reliability
// statistic will reveal; Quality is the rating tendency. So acceptance can
// be made to depend on what the scorer sees: distance, domain preference,
// availability slack and reliability.
//
// Needs (N000001...) are posted by one organisation per street office
// ("org-110105001"), from templates of the community service types and
// professional domains, with one to four shifts (s1, s2, ...) in the weeks
// after Start, leaning to evenings and weekends; about 10% are pairing needs
// with weekly visits, 3% emergencies and 10% urgent; about 30% require a
// skill, 10% a certificate, 15% a training and 20% insurance.
//
// # Import and export
//
// ReadFile reads one file, its kind from its name (volunteers*, needs*,
// pools*, stations*) and its format from its extension (.jsonl, .csv). JSONL
// is strict (unknown fields are errors); the CSV layout is documented in
// csv.go. Every row is validated; all bad rows come back in an *ImportError
// (FILE:ROW: FIELD: REASON each) and nothing is returned, so a file is
// imported whole or not at all. WriteVolunteers and WriteNeeds write either
// format; export then import gives equal records.
package datasets
