"""Arm shares ever employed at 52 weeks in tests/fixtures/constant_intensity.ron,
computed without rctsim, for tests/statistics.rs
(a_simple_trial_has_the_power_of_the_textbook_formula) and
tests/reference/power_two_proportions.R.

People there are independent and the service's intensity is as good as
constant, so a participant's weekly states form a Markov chain given their
latent readiness u ~ N(0, 1) (docs/model.md): from a stage, the week's move
happens with probability 1 - exp(-L), L the sum of the rates, to destination
j with probability l_j / L. The rates (constant_intensity.ron, with the
default readiness loadings: progress and job +1, regress -1, other exit and
return 0):

  Engagement: progress 0.05 e^u M_p, job 0.002 e^u M_j, other exit 0.003
  Job search: regress 0.01 e^-u, job 0.01 e^u M_j, other exit 0.003
  Other exit: return to benefit 0.02, into Engagement

Employed is absorbing for "ever employed". Everyone starts in Engagement
with probability 0.6, in Job search with 0.4, in own week 0. In the BAU arm
M = 1 (its service has no effects). In the ICS arm (no cap: placed in the
week of arrival, before its move) M_p = 1.6^g and M_j = 1.5^g while in the
service, g = c / (c + 0.5) with c = 50,000 hours / n clients; leaving
benefit other than into work ends the service for good, so after a return
M = 1. n is the background 100,000 plus the trial participants in the
service at that site (about 500 at most, with 2,000 participants, half in
ICS, at two sites): g runs from 0.5 (n = 100,000) to 0.49875 (n = 100,500).
Both ends are computed; the test takes their midpoint and adds half their
gap to its tolerance.

ever_employed at h: Employed in some own week k <= h, so after the moves of
weeks 0..h-1. The integral over u is Gauss-Hermite (probabilists'), 80
nodes; 40 give the same digits.

  python3 tests/reference/constant_intensity_shares.py   # numpy 2.4.6
"""
import numpy as np

H = 52


def step(p, rates):
    """One week of a competing-risk chain: p a state vector, rates a list of
    (from, to, rate)."""
    out = p.copy()
    total = {}
    for f, _, r in rates:
        total[f] = total.get(f, 0.0) + r
    for f, t, r in rates:
        moved = p[f] * -np.expm1(-total[f]) * r / total[f]
        out[f] -= moved
        out[t] += moved
    return out


def ever_employed(u, g):
    """P(ever employed by week H | u) with service share g (None: BAU)."""
    e = np.exp(u)
    # States: 0 Engagement and 1 Job search in the service, 2 and 3 the same
    # out of it, 4 other exit, 5 employed.
    mp, mj = (1.6**g, 1.5**g) if g is not None else (1.0, 1.0)
    rates = []
    for s0, s1, p_mult, j_mult in [(0, 1, mp, mj), (2, 3, 1.0, 1.0)]:
        rates += [(s0, s1, 0.05 * e * p_mult), (s0, 5, 0.002 * e * j_mult), (s0, 4, 0.003),
                  (s1, s0, 0.01 / e), (s1, 5, 0.01 * e * j_mult), (s1, 4, 0.003)]
    rates.append((4, 2, 0.02))
    p = np.zeros(6)
    p[0], p[1] = 0.6, 0.4
    for _ in range(H):
        p = step(p, rates)
    return p[5]


def share(g, nodes=80):
    x, w = np.polynomial.hermite_e.hermegauss(nodes)
    w = w / w.sum()
    return sum(wi * ever_employed(xi, g) for xi, wi in zip(x, w))


def g_of(n):
    c = 50_000 / n
    return c / (c + 0.5)


print(f"numpy {np.__version__}")
print(f"BAU                     {share(None):.7f}")
hi, lo = share(g_of(100_000)), share(g_of(100_500))
print(f"ICS, n = 100,000        {hi:.7f}")
print(f"ICS, n = 100,500        {lo:.7f}")
print(f"ICS midpoint, half gap  {(hi + lo) / 2:.7f} {(hi - lo) / 2:.7f}")
print(f"BAU with 40 nodes       {share(None, 40):.7f}")
