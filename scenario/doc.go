// Package scenario is carecast's planning-scenario model: from a run's
// activity and population, the demand a commissioner must plan for under
// stated, uncertain assumptions — and the beds, clinic sessions and
// clinician time it takes.
//
// A scenario file (docs/scenarios.md) gives a baseline year, a horizon and,
// for each service (optionally for some places or age bands), ranges for
// non-demographic growth, activity avoided, shares moved to other settings
// and length-of-stay change, plus the demographic variants and capacity
// parameters. The model draws every parameter 1,000 times (Monte-Carlo,
// seeded, deterministic) and applies, for each place, service, age band and
// sex, in this order:
//
//  1. demographic growth: the drawn variant's population in the year over
//     the baseline year's (the run's population model, its high and low
//     variants, or a projection file in the ONS subnational layout);
//  2. non-demographic growth, compounded yearly: (1+g)^t;
//  3. activity avoided: × (1 − a·φ), φ the share of the phase-in reached;
//  4. moves to other settings: × (1 − Σ m·φ), the moved activity added to
//     its setting;
//  5. length of stay (bed-days only): × (1 + l·φ).
//
// Results are the 10th, 50th and 90th percentiles over the draws by place,
// ICB and region, service and year; the change of the median from the
// baseline is attributed to the factors step by step (each factor's part is
// how far the median moved when it was applied), so the parts add up to the
// change; capacity is computed draw by draw.
package scenario
