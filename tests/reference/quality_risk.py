"""Closed-form values embedded in tests/validation.rs: the chance that a case
manager's quality draw stops a run, and the eligibility share Phi(-3).

Python's math module only, independent of rctsim's normal functions (libm).

    python3 tests/reference/quality_risk.py
"""
from math import erfc, log, sqrt


def upper_tail(z):
    """P(Z > z) for a standard normal Z."""
    return 0.5 * erfc(z / sqrt(2.0))


def risk(sd, case_managers, replicates):
    # A case manager stops a run when q * ln(1e6) > ln(1e100): q past q*.
    q_star = log(1e100) / log(1e6)
    # q = exp(w - sd^2/2), w ~ N(0, sd^2): q > q* when w/sd > z*.
    z_star = (log(q_star) + sd * sd / 2.0) / sd
    p = upper_tail(z_star)
    run = 1.0 - (1.0 - p) ** (replicates * case_managers)
    return q_star, z_star, p, run


# the_chance_that_a_quality_draw_stops_a_run_is_known_before_running:
# quality spread 5, 50 case managers a site at 2 sites, 20 replicates.
q_star, z_star, p, run = risk(5.0, 100, 20)
print("quality", repr(q_star))
print("SDs", repr(z_star))
print("per draw", repr(p))
print("a run of 20 replicates", repr(run))
# The same at spread 2.
print("per draw at spread 2", repr(risk(2.0, 100, 20)[2]))

# a_share_of_1_in_741_allows_about_37_000_rejections: Phi(-3).
print("Phi(-3)", repr(upper_tail(3.0)))
