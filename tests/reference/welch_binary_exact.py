"""The exact rejection rate of the 5% two-sided Welch test (the difference in
means with HC2 standard error and Welch-Satterthwaite df) for a 0/1 outcome
with no effect, for tests/statistics.rs
(with_no_effect_the_test_rejects_five_percent_of_the_time).

The scenario: tests/fixtures/null_effect.ron, 200 participants randomised
1:1 by simple randomisation (n1 ~ Binomial(200, 1/2)), both arms the same
service, outcome ever_employed at 52 weeks. Its people are independent (the
service has no effects, so caseloads change nothing), and every one is ever
employed with the same probability, 0.3627340: the BAU share computed by
tests/reference/constant_intensity_shares.py for the same population and
stages. So the two arms' counts are independent binomials, and the
rejection rate is a finite sum: over n1, and over every count in each arm,
of the probability of the counts where the test rejects. A replicate whose
estimate has no p-value (an arm of fewer than 2, or a standard error of 0:
every outcome equal in both arms) is not among those the power is over, so
the rate is conditional on a p-value existing.

The same sum gives the exact coverage of the 95% interval for
tests/statistics.rs (with_a_real_effect_and_constant_intensity_intervals_cover_the_pate):
tests/fixtures/constant_intensity.ron, 200 participants, whose ICS arm is
ever employed with probability 0.4134508 (that script's midpoint; its
intensity moves with the caseload by under 0.2%, which moves the share by
at most 0.0000648) and BAU 0.3627340, people again independent; the
interval is taken to contain the true difference 0.0507168.

  python3 tests/reference/welch_binary_exact.py   # numpy 2.4.6, scipy 1.17.1
"""
import numpy as np
from scipy import stats

N = 200
BAU, ICS = 0.3627340, 0.4134508


def counts_given(n1, p1, p2):
    """Every pair of counts of arms of n1 and N - n1, with its probability,
    the difference in means, its HC2 standard error and Welch df (arm 1 is
    the treatment)."""
    n2 = N - n1
    x1 = np.arange(n1 + 1)[:, None]
    x2 = np.arange(n2 + 1)[None, :]
    w = stats.binom.pmf(x1, n1, p1) * stats.binom.pmf(x2, n2, p2)
    m1, m2 = x1 / n1, x2 / n2
    v1 = m1 * (1 - m1) / (n1 - 1)     # s1^2 / n1, s^2 over n - 1
    v2 = m2 * (1 - m2) / (n2 - 1)
    se2 = v1 + v2
    ok = se2 > 0
    se2s = np.where(ok, se2, 1.0)
    # Welch-Satterthwaite; with a standard error, one arm's variance at least
    # is positive, so the denominator is too.
    df = se2s**2 / np.where(ok, v1**2 / (n1 - 1) + v2**2 / (n2 - 1), 1.0)
    return w, m1 - m2, np.sqrt(se2s), df, ok


def over_arm_sizes(event, p1, p2):
    """P(event | a p-value) over n1 ~ Binomial(N, 1/2)."""
    num = den = 0.0
    for n1 in range(2, N - 1):
        wn = stats.binom.pmf(n1, N, 0.5)
        w, d, se, df, ok = counts_given(n1, p1, p2)
        num += wn * (w * (ok & event(d, se, df))).sum()
        den += wn * (w * ok).sum()
    return num / den, den


size, tested = over_arm_sizes(lambda d, se, df: 2 * stats.t.sf(np.abs(d / se), df) < 0.05, BAU, BAU)
print(f"size: P(reject | a p-value) = {size:.6f}  (P(a p-value) = {tested:.12f})")
truth = ICS - BAU
covered = lambda d, se, df: np.abs(d - truth) <= stats.t.ppf(0.975, df) * se
coverage, _ = over_arm_sizes(covered, ICS, BAU)
print(f"coverage of {truth:.7f}: {coverage:.6f}")
