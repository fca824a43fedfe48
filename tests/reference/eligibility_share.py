"""Closed-form shares of candidates admitted, for src/scenario/eligibility.rs.

Phi is the standard normal distribution function from Python's math.erfc,
independent of rctsim's normal_cdf (libm) and of its draws by inversion.

    python3 tests/reference/eligibility_share.py
"""
from math import erfc, log, sqrt


def phi(x):
    return 0.5 * erfc(-x / sqrt(2.0))


# Ages N(24, 4^2) of at least a fixed first benefit at 20.
print("fixed first benefit 20, ages N(24, 4):", repr(phi(1.0)))
# A fixed age of 21 over a first benefit N(20, 2^2) truncated to [15, 25].
print("fixed age 21, first benefit N(20, 2) on [15, 25]:",
      repr((phi(0.5) - phi(-2.5)) / (phi(2.5) - phi(-2.5))))
# Ages log-normal (median 30, sigma 0.2) at most 30, less those below 10.
print("log-normal ages at most their median, at least 10:", repr(0.5 - phi(log(10 / 30) / 0.2)))
# Uniform ages and first benefits, worked by hand in the test's comment.
print("uniform ages with every rule:", repr(0.85 * 0.85 * 7.25 / 27.0))
