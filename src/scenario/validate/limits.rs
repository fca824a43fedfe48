//! The limits a scenario must keep within, each with the reason it is set
//! where it is: most keep a number the engine forms finite, or a count
//! within the type the engine keeps it in.

/// The largest weekly rate, and the largest multiplier on one, a scenario
/// may declare. Far beyond any real rate (a move at 50 a week happens within
/// the week with certainty), it keeps every product the engine forms (base
/// rate × person multiplier × service multiplier × Navigator factor) finite:
/// see [`MAX_MULTIPLIER`](crate::scenario::MAX_MULTIPLIER).
pub const MAX_RATE: f64 = 1e6;

/// The most client-facing hours a week. More than a week's 168 can stand for
/// contact without limit (a test device); the bound keeps `hours / caseload +
/// half` of a saturating intensity curve finite.
pub(super) const MAX_HOURS: f64 = 1e6;

/// The largest SD of case managers' log quality. Quality `exp(w − σ²/2)`
/// stays finite (a draw reaches at most about 8.3 σ); at σ = 10 the median
/// case manager's quality is already e⁻⁵⁰.
pub(super) const MAX_QUALITY_SD: f64 = 10.0;

/// The largest weekly benefit rate: outcomes summed over people and weeks
/// stay far from overflow, and their squares (the variances) too.
pub const MAX_BENEFIT_RATE: f64 = 1e6;

/// The smallest weekly benefit rate above 0. Below it the squares of
/// `benefit_paid`'s deviations (in its variance) and of its variance (in the
/// Welch degrees of freedom) would underflow: at 1e-160 a week the degrees
/// of freedom came out as 0/0, at 1e-200 the standard error as 0. From here
/// to [`MAX_BENEFIT_RATE`], both stay in range.
pub const MIN_BENEFIT_RATE: f64 = 1e-6;

/// The most horizons: the engine finds a week's horizon in a `u8` index,
/// `u8::MAX` meaning none.
pub(super) const MAX_HORIZONS: usize = 100;
const _: () = assert!(MAX_HORIZONS < u8::MAX as usize);

/// The most stages: a life's state is a `u8` numbering the stages, then
/// Employed and OtherExit.
pub(super) const MAX_STAGES: usize = 100;
const _: () = assert!(MAX_STAGES + 2 <= u8::MAX as usize);

/// The most arms: a participant's arm is a `u8`, and each contrast adds
/// columns to the outputs (`persons.csv` has a set per arm).
pub(super) const MAX_ARMS: usize = 64;
const _: () = assert!(MAX_ARMS <= u8::MAX as usize + 1);

/// The longest horizon, in weeks. With [`MAX_ENROLMENT_WEEKS`] it bounds
/// every calendar and own week a trial has (7,000), which the engine keeps
/// in 16 bits and compares with its clocks' [`FAR`](crate::engine::life::FAR).
pub const MAX_HORIZON: u32 = 2000;

/// The longest enrolment window, in weeks (see [`MAX_HORIZON`]).
pub const MAX_ENROLMENT_WEEKS: u32 = 5000;

/// The last `from_week` of a piecewise rate (job loss by tenure, return to
/// benefit by weeks off it): its table holds a value for every week up to
/// it. An intensity curve's points are hours per client, not weeks, and have
/// no such bound.
pub(super) const MAX_FROM_WEEK: u32 = 5000;

/// The most services, sites, and case managers per site of a service. A
/// case manager's place holds them in 16, 20 and 20 bits, and the key of its
/// draws packs them side by side (see
/// [`Place::key`](crate::engine::capacity::Place::key)).
pub const MAX_SERVICES: usize = 1_000;
/// See [`MAX_SERVICES`].
pub const MAX_SITES: usize = 10_000;
/// See [`MAX_SERVICES`].
pub const MAX_CASE_MANAGERS_PER_SITE: u32 = 10_000;

/// The most case managers in all (sites × case managers per site, summed
/// over services).
pub(super) const MAX_CASE_MANAGERS: u64 = 100_000;

/// The most participants a replicate may enrol, or expect to under
/// `PerSite`; also the bound on case managers × calendar weeks (the engine
/// keeps each case manager's weekly caseload) and on the week-0 clients
/// expected to leave (each costs a draw).
pub(super) const MAX_PARTICIPANTS: u32 = 50_000_000;

/// The most arrivals a week a site may expect under `PerSite` enrolment.
/// The keys of a week's arrival draws number Poisson pieces of rate 16 in
/// 20 bits, far more than this needs.
pub const MAX_ARRIVALS_PER_WEEK: f64 = 10_000.0;

/// Largest caseload a case manager may carry (background, week-0 clients or cap).
pub(super) const MAX_CASELOAD: u32 = 1_000_000;
