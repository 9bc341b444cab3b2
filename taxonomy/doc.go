// Package taxonomy holds the skill taxonomy volmatch matches on, embedded
// (taxonomy.json) and parsed once by Load: the 13 professional domains
// (kind "domain"), the community service types (kind "service") and the
// skills under them (kind "skill"), each with an English key, Chinese and
// English names, synonyms and related keys; plus the certificate and
// training vocabularies. Records carry keys; people search with Chinese
// words:
//
//	tax := taxonomy.Load()
//	key, _ := tax.Lookup("心理咨询")       // "psych_counseling" (named 心理疏导)
//	tax.DomainOf("cpr")                   // "emergency" (cpr < first_aid < emergency)
//	tax.Related("first_aid", "cpr")       // true: parent and child
//	v.CheckSkills(tax.Has)                // validates a volunteer's keys
//
// Related is symmetric: two different nodes are related when either lists
// the other or one is the other's parent. Siblings are not related; compare
// DomainOf for that. SynonymGroups feeds the text index's synonyms, so
// that a search for 心理咨询 finds 心理疏导.
package taxonomy
