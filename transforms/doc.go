// Package transforms reads partner feeds — the canonical CSV folder, FHIR R4
// (bulk NDJSON and Bundles) and Synthea CSV — into the canonical model,
// validating every record and sending rejects to quarantine with a named
// reason, never with their values. Subpackages hold one format each.
package transforms
