//! Tolerances for comparing a floating-point result with an independent
//! computation of it, each with why it is that size (after statrs's
//! `prec.rs`). Each is relative, `|ours − theirs| ≤ tolerance · |theirs|`
//! (or `· max(|theirs|, 1)` where a value can be 0), or absolute where the
//! values compared are about 1 (a multiplier near 1, shares that sum to 1),
//! which comes to the same. Monte Carlo tolerances
//! are not here: they come from each test's own standard error
//! ([`within`](super::within)).

/// Against R's estimatr: the contract rctsim's estimator keeps (the issue
/// it answers asks for 1e-9 relative on every value).
pub const ESTIMATR: f64 = 1e-9;

/// A value against its closed form, the two computed through different
/// chains of a few `exp`, `ln` and `pow` calls and a few arithmetic
/// operations, each within an ulp or two (1.1e-16 relative): some tens of
/// roundings at most, well below 1e-14.
pub const CLOSED_FORM: f64 = 1e-14;

/// A sum or mean of values of one sign over up to about 4,000 values against
/// the same sum taken in another order or grouping (a plain sum of `n`
/// values is within `(n − 1)·ε/2·Σ|x|` of the exact one, and `Σ|x|` is then
/// the sum itself), or against a reference value another program computed
/// by another algorithm (an `erfc` tail, a series): a few thousand ulps.
pub const REORDERED: f64 = 1e-12;
