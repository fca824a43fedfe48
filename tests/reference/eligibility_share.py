"""Closed-form shares of candidates admitted, for src/scenario/eligibility_share.rs.

Phi is the standard normal distribution function from Python's math.erfc,
independent of rctsim's normal_cdf (libm) and of its draws by inversion;
the last value is an integral by mpmath's quadrature (mpmath 1.3).

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


def generator_test_share():
    """tests/validation.rs (the_share_admitted_is_the_generators_acceptance_rate):
    age LogNormal(median 24, sigma 0.2) truncated to [16, 40], admitted on
    [18, 30]; first benefit N(19, 2.5^2), at most 21 and at most age; work
    ready (0.7) and health no condition or common mental (0.5 + 0.3)."""
    from mpmath import mp, mpf, quad, ncdf, npdf
    from mpmath import log as mlog
    mp.dps = 30
    mu, s = mlog(24), mpf("0.2")
    z = ncdf((mlog(40) - mu) / s) - ncdf((mlog(16) - mu) / s)
    density = lambda a: npdf((mlog(a) - mu) / s) / (s * a) / z
    first = lambda x: ncdf((x - 19) / mpf("2.5"))
    ages = quad(lambda a: density(a) * first(min(21, a)), [18, 21, 30])
    return ages * mpf("0.7") * mpf("0.8")


def tiny_share():
    """src/scenario/eligibility_share.rs (a_tiny_share_is_bounded_but_not_precise):
    ages uniform on [18, 39], admitted up to 22; first benefit N(30, 1^2)."""
    from mpmath import mp, quad, ncdf
    mp.dps = 40
    return quad(lambda a: ncdf(a - 30), [18, 22]) / 21


print("generator test's scenario:", generator_test_share())
print("a tiny share:", tiny_share())
