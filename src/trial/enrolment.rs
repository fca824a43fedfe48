//! When and where participants arrive.

use crate::rng::{Keyed, Purpose, pick_cumulative};
use crate::scenario::{EnrolmentModel, MAX_ARRIVALS_PER_WEEK, Model};

/// Arrivals `(week, site)` of one replicate, in ticket order: by week, then
/// (for `PerSite` enrolment; under `Total` each ticket's site is drawn) by
/// site, then order of arrival. Drawn as they are read, so that a check of the
/// first few need not draw them all.
pub fn arrivals<'a>(model: &'a Model, keyed: &'a Keyed, replicate: u64) -> Box<dyn Iterator<Item = (u32, u16)> + 'a> {
    match &model.enrolment {
        EnrolmentModel::Total { n, weeks } => Box::new((0..u64::from(*n)).map(move |i| {
            let week = (i * u64::from(*weeks) / u64::from(*n)) as u32;
            let u = keyed.uniform(replicate, Purpose::Site, i, 0);
            (week, pick_cumulative(&model.site_weights, u) as u16)
        })),
        EnrolmentModel::PerSite { weeks, weekly } => Box::new((0..*weeks).flat_map(move |week| {
            weekly.iter().enumerate().flat_map(move |(site, &rate)| {
                // A week's pieces (of rate 16 at most) are numbered in 20 bits.
                const _: () = assert!(MAX_ARRIVALS_PER_WEEK / 16.0 < (1 << 20) as f64);
                let count = poisson(rate, |piece| {
                    keyed.uniform(replicate, Purpose::Arrivals, site as u64, (u64::from(week) << 20) | piece)
                });
                std::iter::repeat_n((week, site as u16), count as usize)
            })
        })),
    }
}

/// A Poisson(`rate`) count by inversion, summing pieces of rate at most 16 so
/// that `exp(−rate)` never underflows; `uniform(piece)` gives each piece's draw.
pub fn poisson(rate: f64, uniform: impl Fn(u64) -> f64) -> u64 {
    let pieces = (rate / 16.0).ceil().max(1.0) as u64;
    let lambda = rate / pieces as f64;
    let limit = (lambda + 40.0 * lambda.sqrt() + 40.0) as u64;
    let mut total = 0;
    for piece in 0..pieces {
        let u = uniform(piece);
        let mut p = libm::exp(-lambda);
        let mut cdf = p;
        let mut k = 0;
        while u > cdf && k < limit {
            k += 1;
            p *= lambda / k as f64;
            cdf += p;
        }
        total += k;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_inversion_matches_the_distribution_function() {
        // The count is the smallest k with u ≤ P(≤ k): just below each
        // hand-worked P(≤ k) it is k, just above k + 1 (1e-12 relative,
        // far above the rounding of either side's sum, far below any error
        // in the distribution function).
        let e = |x: f64| x.exp();
        for (rate, k, cdf) in [
            (2.0, 0, e(-2.0)),                        // P(0) = e⁻²
            (2.0, 1, 3.0 * e(-2.0)),                  // P(≤ 1) = 3e⁻²
            (2.0, 2, 5.0 * e(-2.0)),                  // P(≤ 2) = 5e⁻²
            (0.5, 2, 1.625 * e(-0.5)),                // P(≤ 2) = (1 + ½ + ⅛)e^(−½)
            (0.5, 3, (1.625 + 1.0 / 48.0) * e(-0.5)), // P(≤ 3)
        ] {
            assert_eq!(poisson(rate, |_| cdf * (1.0 - 1e-12)), k, "Poisson({rate}) below P(≤ {k})");
            assert_eq!(poisson(rate, |_| cdf * (1.0 + 1e-12)), k + 1, "Poisson({rate}) above P(≤ {k})");
        }
        assert_eq!(poisson(0.0, |_| 0.99), 0);
        assert_eq!(poisson(0.0, |_| 1.0), 0);
    }

    #[test]
    fn poisson_mean_and_variance_for_a_large_rate() {
        let keyed = Keyed::new(3);
        let n = 20_000;
        let xs: Vec<f64> =
            (0..n).map(|i| poisson(50.0, |p| keyed.uniform(0, Purpose::Arrivals, i, p)) as f64).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n as f64 - 1.0);
        // SE of the mean √(50/20000) = 0.05; of the variance
        // √((λ + 2λ²)/n) = √(5050/20000) = 0.5025.
        assert!((mean - 50.0).abs() < 4.0 * 0.05, "{mean}");
        assert!((var - 50.0).abs() < 4.0 * 0.5025, "{var}");
    }
}
