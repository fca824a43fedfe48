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

  python3 tests/reference/welch_size_binary.py   # numpy 2.4.6, scipy
"""
import numpy as np
from scipy import stats

N, P = 200, 0.3627340


def size_given(n1):
    n2 = N - n1
    x1 = np.arange(n1 + 1)[:, None]
    x2 = np.arange(n2 + 1)[None, :]
    w = stats.binom.pmf(x1, n1, P) * stats.binom.pmf(x2, n2, P)
    p1, p2 = x1 / n1, x2 / n2
    v1 = p1 * (1 - p1) * n1 / (n1 - 1) / n1     # s1^2 / n1, s^2 over n - 1
    v2 = p2 * (1 - p2) * n2 / (n2 - 1) / n2
    se2 = v1 + v2
    ok = se2 > 0
    se2s = np.where(ok, se2, 1.0)
    t = (p1 - p2) / np.sqrt(se2s)
    # Welch-Satterthwaite; with a standard error, one arm's variance at least
    # is positive, so the denominator is too.
    df = se2s**2 / np.where(ok, v1**2 / (n1 - 1) + v2**2 / (n2 - 1), 1.0)
    pval = 2 * stats.t.sf(np.abs(t), df)
    reject = ok & (pval < 0.05)
    return (w * reject).sum(), (w * ok).sum()


num = den = 0.0
for n1 in range(2, N - 1):
    wn = stats.binom.pmf(n1, N, 0.5)
    r, t = size_given(n1)
    num += wn * r
    den += wn * t
print(f"P(reject | a p-value) = {num / den:.6f}  (P(a p-value) = {den:.12f})")
