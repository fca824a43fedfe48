"""Draws of truncated covariates at u = 1e-12, 1/2 and 1 - 1e-12 (as doubles), to 20 digits.

A truncated normal N(mean, sd) on [lo, hi] is drawn by inversion:
z = Phi^-1(Phi(a) + u (Phi(b) - Phi(a))), a = (lo - mean)/sd, b = (hi - mean)/sd;
a truncated log-normal is exp(mu + sigma z) with a, b = (ln lo - mu)/sigma, ...
Computed with mpmath at 600 digits (enough to hold Phi(a) = 1 - 5e-198 at
a = 30 with digits to spare), independently of rctsim's normal_cdf and
normal_quantile. The values are embedded, rounded to the nearest double, in
tests/validation.rs (a_truncated_covariate_draws_...), src/scenario/model.rs's
and src/rng.rs's unit tests.

    python3 tests/reference/truncated_ends.py   # mpmath 1.3
"""
from mpmath import mp, mpf, ncdf, erfinv, sqrt, log, exp

mp.dps = 600
# The doubles the tests pass: 1e-12 and 1 - 1e-12 as f64, not the decimals.
U = [mpf(1e-12), mpf(0.5), mpf(1.0 - 1e-12)]


def z(a, b, u):
    p = ncdf(a) + u * (ncdf(b) - ncdf(a))
    return sqrt(2) * erfinv(2 * p - 1)


def normal(name, mean, sd, lo, hi):
    a, b = (mpf(lo) - mean) / sd, (mpf(hi) - mean) / sd
    print(name, [mp.nstr(mean + sd * z(a, b, u), 20) for u in U])


def log_normal(name, median, sigma, lo, hi):
    mu, sigma = log(mpf(median)), mpf(sigma)
    a, b = (log(mpf(lo)) - mu) / sigma, (log(mpf(hi)) - mu) / sigma
    print(name, [mp.nstr(exp(mu + sigma * z(a, b, u)), 20) for u in U])


normal("validation.rs age: Normal(mean: 24, sd: 4, min: 18, max: 39)", 24, 4, 18, 39)
log_normal("validation.rs weeks: LogNormal(median: 60, sigma: 0.8, min: 10, max: 600)", 60, "0.8", 10, 600)
normal("model.rs: Normal(mean: 20, sd: 3, min: 18, max: 25)", 20, 3, 18, 25)
log_normal("model.rs: LogNormal(median: 10, sigma: 0.5, min: 5, max: 40)", 10, "0.5", 5, 40)
# Ranges far in the upper tail, where Phi(a) itself is 1 to a double.
normal("rng.rs: standard normal on [8.5, 20]", 0, 1, "8.5", 20)
normal("rng.rs: standard normal on [30, 40]", 0, 1, 30, 40)
normal("rng.rs: standard normal on [0, inf)", 0, 1, 0, "inf")
