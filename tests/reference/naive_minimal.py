#!/usr/bin/env python3
"""Reference values for tests/naive_reference.rs: an independent, plain
week-by-week simulation of tests/fixtures/minimal.ron.

It is written from the model as docs/model.md and docs/scenarios.md state it,
not from the engine's code: no sleeping lives, no keyed draws, no ghosts
(only real participants, so only what real lives show is compared: each
arm's outcome means, the mean difference in means and take-up). numpy's
generator draws every number; the two simulations share only the model.

Rerun from the repo root (about 4 minutes here):
    python3 tests/reference/naive_minimal.py
Needs numpy (pip install numpy). Writes (overwrites)
tests/reference/naive_minimal.csv:
    quantity,arm,outcome,horizon,value,se
- mean: the arm's outcome mean pooled over replicates (sum over sum of
  participants), with its ratio-estimator Monte Carlo SE over replicates;
- estimate: the mean over replicates of the difference in means (ics − bau),
  with sd/√R;
- take_up: the share of the ics arm that started ICS before week 52 (pooled).
"""
import os
import numpy as np
from naive_common import Records, replicate_sums, write_reference

REPLICATES = 100_000
BATCH = 5_000
SEED = 20261123

# ---------------- scenario (minimal.ron, transcribed by hand) ----------------
N = 200                 # Total(n: 200, weeks: 20)
ENROL_WEEKS = 20
HORIZONS = [26, 52]
H = max(HORIZONS)
N_SITES = 2             # equal weights
# stages: 0 = Engagement, 1 = Job search
PROGRESS = [0.05, 0.0]
REGRESS = [0.0, 0.01]
JOB = [0.002, 0.01]
OTHER = [0.003, 0.003]
EMPLOYED, OTHEREXIT = 2, 3
REENTRY = 1             # "Job search"
def job_loss_rate(tenure):          # by tenure (0 in the first week in work)
    return np.where(tenure >= 13, 0.016, 0.024)
def return_rate(weeks_off):         # by weeks off benefit (0 in first week)
    return np.full(weeks_off.shape, 0.02)
START_STAGE_P = [0.6, 0.4]
READINESS_SD = 1.0
# default readiness loadings
L_PROG, L_REG, L_JOB, L_OTH, L_JL, L_RET = 1.0, -1.0, 1.0, 0.0, -1.0, 0.0
BENEFIT_RATE = 210.13   # work_ready (everyone)

# services
BAU_CMS, BAU_HOURS, BAU_BG, BAU_HALF = 2, 30.0, 150, 0.5   # no effects
ICS_CMS, ICS_CAP, ICS_HOURS, ICS_HALF = 1, 20, 30.0, 0.5
ICS_M_PROG, ICS_M_JOB = 1.6, 1.5
# ICS exit: default in_work_support Weeks(0), no max_weeks, no disengagement
# (engagement default disengage 0 -> always engaged), fidelity Full, q = 1.
assert ICS_CMS == 1  # placement code below relies on one ICS CM per site

ARM_BAU, ARM_ICS = 0, 1
T = (ENROL_WEEKS - 1) + H + 1      # calendar weeks 0..T-1 (last cohort reaches own week H)


def simulate(R, rng):
    """Per-replicate, per-arm outcome sums, participant counts and take-up counts of R replicates."""
    # ---------------- people ----------------
    rand_week = (np.arange(N) * ENROL_WEEKS) // N            # floor(i*W/n)
    site = rng.integers(0, N_SITES, size=(R, N))
    arm = rng.integers(0, 2, size=(R, N))                     # ratio 1:1, independent
    u = rng.normal(0.0, READINESS_SD, size=(R, N))
    # (age / age at first benefit / covariates: all coefficients 0 -> no effect;
    #  rejection of afb > age redraws an independent candidate -> u, stage unchanged in law)
    state = np.where(rng.random((R, N)) < START_STAGE_P[0], 0, 1)
    mult_prog, mult_reg = np.exp(L_PROG * u), np.exp(L_REG * u)
    mult_job, mult_oth = np.exp(L_JOB * u), np.exp(L_OTH * u)
    mult_jl, mult_ret = np.exp(L_JL * u), np.exp(L_RET * u)

    tenure = np.zeros((R, N), dtype=np.int64)     # consecutive Employed weeks before this week
    weeks_off = np.zeros((R, N), dtype=np.int64)  # weeks in current OtherExit spell before this week
    arrived = np.zeros((R, N), dtype=bool)
    fb_cm = np.full((R, N), -1, dtype=np.int64)   # fallback BAU CM index (0..1) at own site
    waiting = np.zeros((R, N), dtype=bool)
    in_service = np.zeros((R, N), dtype=bool)     # holds an ICS slot
    start_week = np.full((R, N), -1, dtype=np.int64)  # own week service started (BAU: 0)

    # ---------------- outcome accumulators (per person) ----------------
    records = Records(HORIZONS, R, N)

    rows = np.arange(R)[:, None]

    def g_sat(c, half):
        return c / (c + half)

    def bau_loads():
        """Caseload of every BAU CM: background + participants on benefit, not in
        service, whose fallback is that CM.  shape (R, sites, cms)."""
        on_ben = arrived & (state <= 1) & ~in_service
        loads = np.full((R, N_SITES, BAU_CMS), float(BAU_BG))
        for s in range(N_SITES):
            for m in range(BAU_CMS):
                loads[:, s, m] += np.sum(on_ben & (site == s) & (fb_cm == m), axis=1)
        return loads

    def ics_loads():
        loads = np.zeros((R, N_SITES))
        for s in range(N_SITES):
            loads[:, s] = np.sum(in_service & (site == s), axis=1)
        return loads

    for t in range(T):
        # ---- step 1: arrivals (fallback CM = least-loaded BAU CM at site, lowest index on ties)
        for i in np.nonzero(rand_week == t)[0]:
            loads = bau_loads()
            ls = loads[np.arange(R), site[:, i], :]            # (R, cms)
            fb_cm[:, i] = np.argmin(ls, axis=1)                 # argmin -> lowest index on ties
            arrived[:, i] = True
            is_ics = arm[:, i] == ARM_ICS
            waiting[:, i] = is_ics
            start_week[:, i] = np.where(is_ics, -1, 0)          # control: started in week 0

        # ---- step 2: fill free ICS slots from the waitlist in ticket order
        il = ics_loads()
        for s in range(N_SITES):
            free = np.maximum(ICS_CAP - il[:, s], 0)             # (R,)
            w = waiting & (site == s)
            rank = np.cumsum(w, axis=1)                          # 1-based rank in ticket order
            place = w & (rank <= free[:, None])
            k_own = t - rand_week
            start_week = np.where(place, k_own[None, :], start_week)
            in_service |= place
            waiting &= ~place

        # ---- step 3: multipliers from this week's caseloads
        il = ics_loads()
        bl = bau_loads()
        with np.errstate(divide="ignore"):
            c_ics = np.where(il > 0, ICS_HOURS / np.maximum(il, 1e-300), np.inf)
        g_ics = np.where(np.isinf(c_ics), 1.0, g_sat(np.where(np.isinf(c_ics), 1.0, c_ics), ICS_HALF))
        g_person = g_ics[rows, site]                                           # (R, N)
        svc = in_service                                                       # always engaged
        Mp = np.where(svc, ICS_M_PROG ** g_person, 1.0)
        Mj = np.where(svc, ICS_M_JOB ** g_person, 1.0)
        # BAU fallback has no effects -> multiplier 1.

        # ---- step 6 (record state_k before the move) ----
        k = t - rand_week                                      # own week (N,)
        kk = np.broadcast_to(k[None, :], (R, N))
        rec = arrived & (kk >= 0) & (kk <= H)
        on_ben = state <= 1
        employed = state == EMPLOYED
        records.record(rec, kk, on_ben, employed, tenure)

        # ---- step 4: draw labour moves (competing hazards, constant within the week)
        s0 = state == 0
        s1 = state == 1
        lam_prog = np.where(s0, PROGRESS[0], 0.0) * mult_prog * Mp
        lam_reg = np.where(s1, REGRESS[1], 0.0) * mult_reg
        lam_job = np.where(s0, JOB[0], np.where(s1, JOB[1], 0.0)) * mult_job * Mj
        lam_oth = np.where(on_ben, OTHER[0], 0.0) * mult_oth      # same in both stages
        lam_jl = np.where(employed, job_loss_rate(tenure), 0.0) * mult_jl  # no in-work job_loss effect
        lam_ret = np.where(state == OTHEREXIT, return_rate(weeks_off), 0.0) * mult_ret
        lams = np.stack([lam_prog, lam_reg, lam_job, lam_oth, lam_jl, lam_ret])  # (6,R,N)
        Lam = lams.sum(0)
        move = arrived & (rng.random((R, N)) < 1.0 - np.exp(-Lam))
        # destination proportional to rates
        cum = np.cumsum(lams, axis=0) / np.where(Lam > 0, Lam, 1.0)[None]
        ud = rng.random((R, N))
        dest_idx = (ud[None] > cum).sum(0)            # index of first cum >= ud
        dest_idx = np.minimum(dest_idx, 5)
        new_state = state.copy()
        d_prog = move & (dest_idx == 0)
        d_reg = move & (dest_idx == 1)
        d_job = move & (dest_idx == 2)
        d_oth = move & (dest_idx == 3)
        d_jl = move & (dest_idx == 4)
        d_ret = move & (dest_idx == 5)
        new_state[d_prog] = state[d_prog] + 1
        new_state[d_reg] = state[d_reg] - 1
        new_state[d_job] = EMPLOYED
        new_state[d_oth] = OTHEREXIT
        new_state[d_jl] = REENTRY
        new_state[d_ret] = 0
        # tenure / weeks off for next week
        still_emp = arrived & employed & (new_state == EMPLOYED)
        tenure = np.where(still_emp, tenure + 1, 0)
        still_off = arrived & (state == OTHEREXIT) & (new_state == OTHEREXIT)
        weeks_off = np.where(still_off, weeks_off + 1, 0)

        # ---- step 5: service exits (slot frees next week); waitlist leavers
        left_benefit = arrived & (new_state >= EMPLOYED)
        # Weeks(0): service ends in the week the job starts; OtherExit always ends service
        in_service &= ~(d_job | d_oth)
        # a person who leaves benefit while waiting leaves the waitlist for good
        waiting &= ~left_benefit
        state = new_state


    return replicate_sums(records, HORIZONS, arm, start_week, BENEFIT_RATE)


def main():
    rng = np.random.default_rng(SEED)
    parts = [simulate(BATCH, rng) for _ in range(REPLICATES // BATCH)]
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "naive_minimal.csv")
    write_reference(path, parts, ("bau", "ics"), H)
    print(f"{REPLICATES} replicates -> {path}")


if __name__ == "__main__":
    main()
