//! Keyed random draws.
//!
//! Every random number in a run is a pure function of
//! `(seed, replicate, purpose, entity, index)`. Nothing is drawn from a shared
//! sequential stream, so results cannot depend on thread scheduling, on the
//! order in which people are visited, or on how many draws another person used.
//! The same key under two arms gives the same number: a participant's real run
//! and their ghost twins share their draws event by event (common random
//! numbers).
//!
//! The hash is the SplitMix64 finaliser applied after each key word is folded
//! in with a distinct odd multiplier. Each fold is a bijection of the running
//! state, so distinct keys collide only by chance (probability 2⁻⁶⁴ per pair).

use crate::normal::{normal_cdf, normal_quantile};

/// What a draw is for. Distinct purposes never share a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// Covariates of a generated person (entity = ticket, index = attempt × 8 + covariate).
    Covariate = 1,
    /// Arm allocation.
    Allocation = 2,
    /// Site of an arrival.
    Site = 3,
    /// Threshold of the labour-move exponential clock (index = event number).
    LabourClock = 4,
    /// Destination of a labour move (index = event number).
    LabourDestination = 5,
    /// Threshold of the engagement exponential clock (index = event number).
    EngagementClock = 6,
    /// Threshold of the in-work-support end clock (index = event number).
    SupportEndClock = 7,
    /// Case-manager quality (entity = the case manager's place, `Place::key`).
    CaseManagerQuality = 8,
    /// Departures of week-0 clients (entity = the case manager's place, index = week × 2³² + the week's draw number).
    Week0Exit = 9,
    /// Per-site arrival counts (entity = site, index = week × 2²⁰ + the count's draw number).
    Arrivals = 10,
    /// Latent readiness of a generated person.
    Readiness = 11,
}

/// The source of keyed draws for one run.
#[derive(Debug, Clone, Copy)]
pub struct Keyed {
    seed: u64,
    /// The replicate whose key prefixes are kept (see [`Keyed::for_replicate`]).
    replicate: u64,
    /// The hash state after `(seed, replicate, purpose)`, by purpose: the
    /// first three of the five mixing rounds of every draw of that replicate.
    prefix: [u64; PURPOSES],
}

/// One more than the largest [`Purpose`] value.
const PURPOSES: usize = 12;

const ALL_PURPOSES: [Purpose; PURPOSES - 1] = [
    Purpose::Covariate,
    Purpose::Allocation,
    Purpose::Site,
    Purpose::LabourClock,
    Purpose::LabourDestination,
    Purpose::EngagementClock,
    Purpose::SupportEndClock,
    Purpose::CaseManagerQuality,
    Purpose::Week0Exit,
    Purpose::Arrivals,
    Purpose::Readiness,
];

#[inline]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Keyed {
    /// A draw source for `seed`.
    pub fn new(seed: u64) -> Self {
        Self { seed, replicate: 0, prefix: [0; PURPOSES] }.for_replicate(0)
    }

    /// The same draws, computed faster for `replicate`: the part of every
    /// key's hash that depends only on the seed, the replicate and the purpose
    /// is kept. Draws of other replicates are unchanged and cost as before.
    pub fn for_replicate(mut self, replicate: u64) -> Self {
        self.replicate = replicate;
        for p in ALL_PURPOSES {
            self.prefix[p as usize] = self.prefix_of(replicate, p);
        }
        self
    }

    #[inline]
    fn prefix_of(&self, replicate: u64, purpose: Purpose) -> u64 {
        let h = mix(self.seed.wrapping_add(0x9e37_79b9_7f4a_7c15));
        let h = mix(h ^ replicate.wrapping_mul(0xd1b5_4a32_d192_ed03));
        mix(h ^ (purpose as u64).wrapping_mul(0xaef1_7502_108e_f2d9))
    }

    /// The 64-bit hash of a key.
    #[inline]
    pub fn bits(&self, replicate: u64, purpose: Purpose, entity: u64, index: u64) -> u64 {
        self.entity(replicate, purpose, entity).bits(index)
    }

    /// The draws of one entity for one purpose, by index. Drawing several
    /// numbers of the same entity through it hashes the entity once, not once
    /// per draw; the numbers are those of [`Keyed::bits`] and the draws built on it.
    #[inline]
    pub fn entity(&self, replicate: u64, purpose: Purpose, entity: u64) -> EntityDraws {
        let h = if replicate == self.replicate {
            self.prefix[purpose as usize]
        } else {
            self.prefix_of(replicate, purpose)
        };
        EntityDraws { state: mix(h ^ entity.wrapping_mul(0xf135_7aea_2e62_a9c5)) }
    }

    /// A uniform number in (0, 1]: never 0, so `-ln u` is finite.
    #[inline]
    pub fn uniform(&self, replicate: u64, purpose: Purpose, entity: u64, index: u64) -> f64 {
        self.entity(replicate, purpose, entity).uniform(index)
    }

    /// A standard exponential number, `-ln u`.
    #[inline]
    pub fn exponential(&self, replicate: u64, purpose: Purpose, entity: u64, index: u64) -> f64 {
        -libm::log(self.uniform(replicate, purpose, entity, index))
    }

    /// A standard normal number by inversion (see [`normal_quantile`]).
    pub fn normal(&self, replicate: u64, purpose: Purpose, entity: u64, index: u64) -> f64 {
        normal_quantile(below_one(self.uniform(replicate, purpose, entity, index)))
    }
}

/// The keyed draws of one `(seed, replicate, purpose, entity)`: the hash
/// state after the first four of the five mixing rounds (see [`Keyed::entity`]).
#[derive(Debug, Clone, Copy)]
pub struct EntityDraws {
    state: u64,
}

impl EntityDraws {
    /// The 64-bit hash of the key with this `index`.
    #[inline]
    pub fn bits(&self, index: u64) -> u64 {
        mix(self.state ^ index.wrapping_mul(0x2545_f491_4f6c_dd1d))
    }

    /// A uniform number in (0, 1]: never 0, so `-ln u` is finite.
    #[inline]
    pub fn uniform(&self, index: u64) -> f64 {
        unit_interval(self.bits(index))
    }
}

/// The number in (0, 1] that the top 53 of 64 random bits stand for: those
/// bits as a whole number `k`, and `(k + 1)·2⁻⁵³`. Every value is a multiple
/// of 2⁻⁵³, equally likely, and never 0, so `-ln u` is finite.
#[inline]
fn unit_interval(bits: u64) -> f64 {
    ((bits >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// The smallest and largest uniforms an inversion is given: [`below_one`] of
/// a keyed uniform, `(k + 1)·2⁻⁵³` for `k` below 2⁵³, lies in
/// `[2⁻⁵³, 1 − 2⁻⁵³]`. Every draw by inversion rises with its uniform, so its
/// values at these two bound every value a run can draw (validation bounds
/// rate multipliers with them).
pub const UNIFORM_REACH: (f64, f64) = (f64::EPSILON / 2.0, 1.0 - f64::EPSILON / 2.0);

/// The largest standard normal a run draws, `Φ⁻¹(1 − 2⁻⁵³)`, about 8.21:
/// what validation and the quality check take as the furthest draw up.
pub fn largest_normal_draw() -> f64 {
    normal_quantile(UNIFORM_REACH.1)
}

/// A uniform in (0, 1] moved into (0, 1), for an inversion that is infinite
/// at 1 (a normal quantile): the single value 1 becomes the largest number
/// below it, 1 − 2⁻⁵³.
#[inline]
pub fn below_one(u: f64) -> f64 {
    u.min(1.0 - f64::EPSILON / 2.0)
}

/// A plain sequential SplitMix64 stream, for numerical methods whose draws
/// never reach a simulated life (the analysis's bootstrap). Started from a
/// fixed seed, it makes their results deterministic functions of their
/// inputs.
#[derive(Debug, Clone)]
pub struct Stream(u64);

impl Stream {
    /// A stream starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// A whole number uniform on `0..n` (multiply-shift: its bias is below
    /// `n / 2⁶⁴`).
    #[inline]
    pub fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        ((u128::from(mix(self.0)) * n as u128) >> 64) as usize
    }
}

/// The first index whose cumulative weight reaches `target`: a categorical
/// draw when `target` is a uniform number times the total weight. Weights need
/// not be normalised. Should rounding leave `target` above the last cumulative
/// sum, the last index with positive weight is returned.
#[inline]
pub fn pick_cumulative(weights: &[f64], target: f64) -> usize {
    let mut acc = 0.0;
    for (i, w) in weights.iter().enumerate() {
        acc += w;
        if target <= acc {
            return i;
        }
    }
    weights.iter().rposition(|&w| w > 0.0).unwrap_or(0)
}

/// How far from 0 a standard normal draw by inversion can fall: `Φ⁻¹` is only
/// ever given `p` in `[f64::MIN_POSITIVE, 1 − ε/2]`, where it runs from about
/// −37.5 to 8.2. Validation relies on it to know the largest value a
/// distribution can draw.
pub const NORMAL_REACH: f64 = 40.0;

/// A standard normal truncated to `[lo, hi]` (infinite ends allowed), drawn
/// by inversion so that no draw is rejected. `Φ(lo)` and `Φ(hi)` are computed
/// once, not at every draw.
///
/// A range from 0 up is drawn in the upper tail, from `1 − Φ(x) = Φ(−x)`:
/// `Φ(lo)` itself rounds to 1 once `lo` passes about 8.3, which would make
/// every draw `lo`, where `Φ(−lo)` keeps its digits down to about −37.5.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TruncatedNormal {
    lo: f64,
    hi: f64,
    /// `Φ(lo)` and `Φ(hi)`, or `Φ(−lo)` and `Φ(−hi)` for a range from 0 up.
    cdf_lo: f64,
    cdf_hi: f64,
    /// Whether the range starts at or above 0, so the tail probabilities are kept.
    upper: bool,
}

impl TruncatedNormal {
    /// The standard normal truncated to `[lo, hi]`.
    pub fn new(lo: f64, hi: f64) -> Self {
        let upper = lo >= 0.0;
        let sign = if upper { -1.0 } else { 1.0 };
        Self { lo, hi, cdf_lo: normal_cdf(sign * lo), cdf_hi: normal_cdf(sign * hi), upper }
    }

    /// The value at uniform `u ∈ (0, 1)`: `Φ⁻¹(Φ(lo) + u·(Φ(hi) − Φ(lo)))`,
    /// or for a range from 0 up `−Φ⁻¹(Φ(−lo) + u·(Φ(−hi) − Φ(−lo)))`, the
    /// same value; kept in range. Either way draws rise with `u`, to a
    /// rounding or two of `Φ⁻¹`.
    ///
    /// In the upper tail `p` falls from `Φ(−lo)` to `Φ(−hi)`, far smaller, as
    /// `u` rises, so above `u = ½` it is measured from that end, as
    /// `Φ(−hi) + (1 − u)·(Φ(−lo) − Φ(−hi))` (`1 − u` is exact there): from
    /// the other, its rounding error would be that of `Φ(−lo)`, and at
    /// `u = 1 − 10⁻¹²` on [8.5, 20] it would move the draw by 6·10⁻⁶.
    pub fn draw(&self, u: f64) -> f64 {
        let (a, b) = (self.cdf_lo, self.cdf_hi);
        let p = if self.upper && u > 0.5 { b + (1.0 - u) * (a - b) } else { a + u * (b - a) };
        let p = below_one(p.max(f64::MIN_POSITIVE));
        let z = if self.upper { -normal_quantile(p) } else { normal_quantile(p) };
        z.clamp(self.lo, self.hi)
    }

    /// The smallest and largest values [`Self::draw`] can return: `[lo, hi]`,
    /// narrowed to ±[`NORMAL_REACH`] where the range goes further.
    pub fn reach(&self) -> (f64, f64) {
        let within = |z: f64| z.max(self.lo).min(self.hi);
        (within(-NORMAL_REACH), within(NORMAL_REACH))
    }
}

#[cfg(test)]
#[allow(clippy::excessive_precision)] // reference values as R prints them
mod tests {
    use super::*;

    #[test]
    fn keyed_uniforms_moved_below_one_reach_exactly_the_uniform_reach() {
        let (lo, hi) = UNIFORM_REACH;
        assert_eq!((below_one(unit_interval(0)), below_one(unit_interval(u64::MAX))), (lo, hi));
        assert_eq!((lo, hi), (2f64.powi(-53), 1.0 - 2f64.powi(-53)));
        // The largest standard normal a run draws: about 8.2.
        assert!((8.1..8.3).contains(&normal_quantile(hi)) && normal_quantile(lo) == -normal_quantile(hi));
    }

    #[test]
    fn pinned_values_do_not_change() {
        // If this fails, every published result changes: bump the major version.
        // Each key is drawn with its replicate's prefixes kept and without.
        for k in [Keyed::new(42), Keyed::new(42).for_replicate(7), Keyed::new(42).for_replicate(3)] {
            assert_eq!(k.bits(0, Purpose::LabourClock, 0, 0), 0x5582_dda1_d3be_a5ac);
            assert_eq!(k.bits(7, Purpose::Allocation, 3, 1), 0xe1e1_c560_c243_894f);
            assert_eq!(k.entity(7, Purpose::Allocation, 3).bits(1), 0xe1e1_c560_c243_894f);
        }
    }

    #[test]
    fn every_purpose_has_a_kept_prefix() {
        let cached = Keyed::new(5).for_replicate(9);
        let other = Keyed::new(5);
        for p in ALL_PURPOSES {
            assert_eq!(cached.bits(9, p, 11, 13), other.bits(9, p, 11, 13), "{p:?}");
        }
        assert_eq!(ALL_PURPOSES.iter().map(|&p| p as usize).max(), Some(PURPOSES - 1));
    }

    /// Ranges in the upper tail, two where `Φ(lo)` is 1 to a double, against
    /// mpmath (`tests/reference/truncated_ends.py`). Near `x` in the upper
    /// tail `Φ(−x)` is held to a few roundings relative, which moves the draw
    /// by that over `x` standard deviations, far below one ulp of `x`; so
    /// what remains is the rounding of `Φ⁻¹`'s own arithmetic in `x`: 4e-14
    /// is about 45 ulps of 7, 20 of 8.5 and 10 of 30.
    #[test]
    fn a_range_far_in_the_upper_tail_is_drawn_across_it() {
        const TOL: f64 = 4e-14;
        let cases = [
            ((8.5, 20.0), [8.500_000_000_000_116, 8.580_094_356_783_986, 11.267_638_548_829_88]),
            ((30.0, 40.0), [30.000_000_000_000_032, 30.023_070_467_827_31, 30.906_353_479_883_143]),
            // From the mean up: the half-normal, whose top the lower tail's
            // formula would put 1.5e-5 low at u = 1 − 10⁻¹².
            ((0.0, f64::INFINITY), [1.253_314_137_315_500_2e-12, 0.674_489_750_196_081_7, 7.130_509_892_879_272]),
        ];
        for ((lo, hi), expected) in cases {
            let z = TruncatedNormal::new(lo, hi);
            for (u, expected) in [1e-12, 0.5, 1.0 - 1e-12].into_iter().zip(expected) {
                let got = z.draw(u);
                assert!((got - expected).abs() <= TOL, "[{lo}, {hi}] at u = {u}: {got}, expected {expected}");
            }
        }
    }

    #[test]
    fn no_draw_by_inversion_passes_the_normal_reach() {
        assert!(normal_quantile(f64::MIN_POSITIVE) > -NORMAL_REACH);
        assert!(normal_quantile(1.0 - f64::EPSILON / 2.0) < NORMAL_REACH);
        let z = TruncatedNormal::new(f64::NEG_INFINITY, 3.0);
        assert_eq!(z.reach(), (-NORMAL_REACH, 3.0));
        assert_eq!(TruncatedNormal::new(50.0, 60.0).reach(), (50.0, 50.0), "beyond the reach, the bound nearest it");
        assert_eq!(TruncatedNormal::new(50.0, 60.0).draw(0.5), 50.0);
    }

    /// The ends and middle of the map from bits to (0, 1], worked by hand:
    /// `k = bits >> 11`, `u = (k + 1)/2⁵³`.
    #[test]
    fn bits_map_to_multiples_of_two_to_the_minus_53_from_it_to_one() {
        let step = 2f64.powi(-53);
        assert_eq!(unit_interval(0), step);
        assert_eq!(unit_interval((1 << 11) - 1), step, "the low 11 bits are dropped");
        assert_eq!(unit_interval(1 << 11), 2.0 * step);
        assert_eq!(unit_interval(1 << 63), 0.5 + step);
        assert_eq!(unit_interval(u64::MAX), 1.0);
    }

    #[test]
    fn below_one_moves_only_one_and_keeps_the_normal_quantile_finite() {
        assert_eq!(below_one(1.0), 1.0 - 2f64.powi(-53));
        assert_eq!(below_one(1.0 - 2f64.powi(-53)), 1.0 - 2f64.powi(-53));
        assert_eq!(below_one(0.5), 0.5);
        assert_eq!(below_one(2f64.powi(-53)), 2f64.powi(-53));
        // Φ⁻¹(1 − 2⁻⁵³) (Python: -statistics.NormalDist().inv_cdf(2**-53)).
        let z = normal_quantile(below_one(1.0));
        assert!((z - 8.209_536_151_601_386).abs() < 1e-13 * z, "{z}");
    }

    #[test]
    fn uniform_is_in_half_open_unit_interval_and_flat() {
        let k = Keyed::new(1);
        let n = 200_000;
        let mut bins = [0u32; 10];
        for i in 0..n {
            let u = k.uniform(0, Purpose::LabourClock, i, 0);
            assert!(u > 0.0 && u <= 1.0);
            bins[((u * 10.0) as usize).min(9)] += 1;
        }
        // Chi-square with 9 df: the 0.999 quantile is 27.88.
        let e = n as f64 / 10.0;
        let chi2: f64 = bins.iter().map(|&o| (o as f64 - e).powi(2) / e).sum();
        assert!(chi2 < 27.88, "chi2 = {chi2}");
    }

    #[test]
    fn pick_cumulative_picks_by_cumulative_weight() {
        let w = [0.2, 0.0, 0.8];
        assert_eq!(pick_cumulative(&w, 0.1), 0);
        assert_eq!(pick_cumulative(&w, 0.2), 0);
        assert_eq!(pick_cumulative(&w, 0.21), 2);
        assert_eq!(pick_cumulative(&w, 1.0), 2);
        assert_eq!(pick_cumulative(&w, 1.5), 2, "rounding past the end");
        assert_eq!(pick_cumulative(&[2.0, 6.0], 0.5 * 8.0), 1);
        assert_eq!(pick_cumulative(&[0.2, 0.8, 0.0], 1.5), 1, "past the end, never a weight of 0");
    }

    /// An untruncated draw at `u` = 0 or 1 is the quantile at the ends of
    /// what inversion is given, `f64::MIN_POSITIVE` and 1 − 2⁻⁵³: finite, and
    /// within [`NORMAL_REACH`].
    #[test]
    fn a_draw_at_either_end_is_the_quantile_at_the_end_of_the_range_given() {
        let z = TruncatedNormal::new(f64::NEG_INFINITY, f64::INFINITY);
        assert_eq!(z.draw(1.0), normal_quantile(1.0 - 2f64.powi(-53)));
        assert_eq!(z.draw(0.0), normal_quantile(f64::MIN_POSITIVE));
        assert!(z.draw(0.0) > -NORMAL_REACH && z.draw(1.0) < NORMAL_REACH);
    }
}
