//! The standard normal distribution: `Φ` and `Φ⁻¹`.
//!
//! Kept apart from the keyed draws ([`crate::rng`]) that invert it, because
//! the analysis (the t distribution's limit at infinite degrees of freedom)
//! and the checks on case managers' quality read it too. Both are computed with
//! `libm`, so that they are bit for bit the same on every machine.

/// The standard normal distribution function, `Φ(x)`, computed with `libm::erfc`.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// The standard normal quantile `Φ⁻¹(p)` for `p ∈ (0, 1)`.
///
/// # Formula
/// Acklam's rational approximation (relative error 1.15e-9) followed by one
/// Halley step on `Φ(x) − p`, which brings it to about machine precision.
/// Above ½ it is `−Φ⁻¹(1 − p)` (`1 − p` is exact there): near 1, `Φ(x)`
/// lies within a rounding step of 1, and the Halley step divides that step
/// by a density as small as 1e-16 (moving `Φ⁻¹(1 − 2⁻⁵³)` by up to 0.1).
pub fn normal_quantile(p: f64) -> f64 {
    if p > 0.5 { -lower_quantile(1.0 - p) } else { lower_quantile(p) }
}

/// [`normal_quantile`] for `p ≤ ½`, where `Φ(x) − p` loses nothing to
/// cancellation.
fn lower_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] =
        [7.784_695_709_041_462e-3, 3.224_671_290_700_398e-1, 2.445_134_137_142_996, 3.754_408_661_907_416];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    let x = if p < 0.02425 {
        tail(libm::sqrt(-2.0 * libm::log(p)))
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    };
    let e = normal_cdf(x) - p;
    let u = e * libm::sqrt(2.0 * std::f64::consts::PI) * libm::exp(x * x / 2.0);
    x - u / (1.0 + x * u / 2.0)
}

#[cfg(test)]
#[allow(clippy::excessive_precision)] // reference values as R and Python print them
mod tests {
    use super::*;

    #[test]
    fn normal_quantile_inverts_the_cdf() {
        // Reference values: R qnorm().
        assert!((normal_quantile(0.975) - 1.959_963_984_540_053_6).abs() < 1e-14);
        assert!((normal_quantile(1e-10) + 6.361_340_902_404_055_7).abs() < 1e-12);
        assert!((normal_quantile(0.3) + 0.524_400_512_708_040_67).abs() < 1e-14);
        assert_eq!(normal_quantile(0.5), 0.0);
        // The upper tail as accurately as the lower, at tail areas 2⁻³³,
        // 2⁻⁴⁶ and 2⁻⁵³ (whose 1 − q is exact); Python's
        // statistics.NormalDist().inv_cdf(q), Wichura's AS 241.
        for (k, z) in [(33, 6.337_957_754_553_789), (46, 7.605_312_131_948_748), (53, 8.209_536_151_601_386)] {
            let q = 2f64.powi(-k);
            let x = normal_quantile(1.0 - q);
            assert!((x - z).abs() < 1e-13 * z, "upper {q}: {x}, expected {z}");
            assert!((normal_quantile(q) + z).abs() < 1e-13 * z, "lower {q}");
        }
    }
}
