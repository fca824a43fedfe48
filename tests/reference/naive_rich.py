#!/usr/bin/env python3
"""Reference values for tests/naive_reference_rich.rs: an independent, plain
week-by-week simulation of tests/fixtures/rich.ron (and of its twin
tests/fixtures/rich_unlimited.ron, which differs only in time-unlimited
in-work support, Unlimited(end_rate: 0.05), instead of Weeks(8); and of
tests/fixtures/rich_contact.ron, whose svc has 8 case managers a site
with a cap of 4, no background or week-0 clients and 3 hours a week, so
that contact per client, 3/n, moves the effect steeply with the caseload n:
g = 1 − exp(−3/n) is 0.95, 0.78, 0.63 and 0.53 at 1 to 4 clients, where
rich.ron's svc, at 16 clients and 25 hours, moves g by about 0.02 a client).

It is written from the model as docs/model.md and docs/scenarios.md state it
(and the hand-worked cases of docs/validation.md), not from the engine's
code: no sleeping lives, no keyed draws, no ghosts (only real participants,
so only what real lives show is compared: each arm's outcome means, the mean
difference in means and take-up). numpy's generator draws every number; the
two simulations share only the model. Every life is stepped every week.

rich.ron exercises what minimal.ron does not: three stages with PerStage
effects, covariate effects (age, benefit type, health, log weeks on benefit,
prior spells) and readiness (sd 0.8, default loadings), an eligibility rule,
two sites weighted 2:1, a fallback (BAU) with effects, quality_sd 0.3,
IPS-25 fidelity, a background and a decaying week-0 caseload and
exponential intensity; a capped service (svc) with a decaying week-0
caseload, fidelity 0.8, quality_sd 0.4, Navigators whose capacity binds,
engagement, in-work support with a job-loss effect, max_weeks and
disengaged_weeks; job loss by tenure and return to benefit piecewise.
The scenario is transcribed by hand below.

Rerun from the repo root (about 6 minutes for 100,000 replicates on 2
cores; it uses every core; results do not depend on the number of workers):
    python3 tests/reference/naive_rich.py                           # -> naive_rich.csv
    python3 tests/reference/naive_rich.py --fixture rich_unlimited  # -> naive_rich_unlimited.csv
    python3 tests/reference/naive_rich.py --fixture rich_contact    # -> naive_rich_contact.csv
Needs numpy (pip install numpy). Writes (overwrites)
tests/reference/naive_<fixture>.csv:
    quantity,arm,outcome,horizon,value,se
- mean: the arm's outcome mean pooled over replicates (sum over sum of
  participants), with its ratio-estimator Monte Carlo SE over replicates;
- estimate: the mean over replicates of the difference in means (svc − bau),
  with sd/√R;
- take_up: the share of the svc arm that started svc before week 52 (pooled).
Options: --replicates R, --out PATH, --workers K, --seed S, and
--inject NAME: a deliberate error (or an alternative reading of the docs),
for checking what the test can detect; see INJECTIONS.
"""
import argparse
import os
from multiprocessing import Pool

import numpy as np
from naive_common import Records, replicate_sums, write_reference

REPLICATES = 100_000
BATCH = 2_500
SEED = 20260501

# ---------------- scenario (rich.ron, transcribed by hand) ----------------
N = 200                 # Total(n: 200, weeks: 20)
ENROL_WEEKS = 20
HORIZONS = [26, 52]
H = max(HORIZONS)
SITE_P = np.array([2.0, 1.0]) / 3.0     # North weight 2, South weight 1
N_SITES = 2
# stages: 0 = Engagement, 1 = Preparation, 2 = Job search; 3 Employed; 4 OtherExit
EMPLOYED, OTHEREXIT = 3, 4
S = 3
PROGRESS = np.array([0.06, 0.05, 0.0, 0.0, 0.0])
REGRESS = np.array([0.0, 0.015, 0.01, 0.0, 0.0])
JOB = np.array([0.002, 0.006, 0.02, 0.0, 0.0])
OTHER = np.array([0.004, 0.004, 0.004, 0.0, 0.0])
REENTRY = 1             # "Preparation"
def job_loss_rate(tenure):          # by tenure (0 in the first week in work)
    return np.where(tenure >= 26, 0.012, np.where(tenure >= 8, 0.025, 0.04))
def return_rate(weeks_off):         # by weeks off benefit (0 in the first week)
    return np.where(weeks_off >= 13, 0.01, 0.03)
START_STAGE_P = [0.5, 0.3, 0.2]
READINESS_SD = 0.8
# loadings: defaults (progress +1, regress -1, job +1, other 0, job loss -1, return 0)
L_PROG, L_REG, L_JOB, L_OTH, L_JL, L_RET = 1.0, -1.0, 1.0, 0.0, -1.0, 0.0
# population
AGE_MIN, AGE_MAX = 18.0, 45.0           # Uniform
AFB_MIN, AFB_MAX = 16.0, 24.0           # Uniform; redrawn if afb > age
ELIG_MAX_AGE = 40.0                     # eligibility: age <= 40
P_HD = 0.25                             # benefit type: work_ready 0.75, health_disability 0.25
P_CM = 0.30                             # health: no_condition 0.7, common_mental 0.3
WOB_MEDIAN, WOB_SIGMA, WOB_MAX = 52.0, 0.8, 400.0   # LogNormal, min 0 (none), rounded
PRIOR_MIN, PRIOR_MAX = -0.5, 4.5                    # Uniform, rounded, >= 0
REF_AGE, REF_AFB, REF_WOB, REF_PRIOR = 30.0, 18.0, 52.0, 1.0
# transitions (covariate coefficients)
B_JOB_AGE, B_JOB_HD, B_JOB_CM = -0.03, -0.5, -0.3
B_OTH_LWOB = -0.2
B_JL_AGE = -0.01
B_RET_PRIOR = 0.15
BEN_RATE_WR, BEN_RATE_HD = 210.13, 250.0

# services
BAU_CMS, BAU_HOURS, BAU_BG, BAU_INIT, BAU_INIT_EXIT = 2, 25.0, 40, 30, 0.03
BAU_SCALE = 0.4                          # Exponential(scale: 0.4)
BAU_M_PROG = np.array([1.2, 1.1, 1.0, 1.0, 1.0])   # PerStage, padded for Employed/OtherExit
BAU_M_JOB = np.array([1.3, 1.3, 1.3, 1.0, 1.0])    # All(1.3)
BAU_F = (85.0 - 40.0) / (115.0 - 40.0)             # Ips25(score 85, zero_at 40, full_at 115) = 0.6
BAU_QSD = 0.3
SVC_CMS, SVC_CAP, SVC_HOURS, SVC_BG, SVC_INIT, SVC_INIT_EXIT = 2, 16, 25.0, 2, 6, 0.1
SVC_CONTACT = (8, 4, 3.0, 0, 0, 0.0)     # the same, in rich_contact.ron
SVC_SCALE = 1.0                          # Exponential(scale: 1.0)
SVC_M_PROG = np.array([2.0, 1.8, 1.0, 1.0, 1.0])
SVC_M_REG = np.array([0.7, 0.7, 0.7, 1.0, 1.0])
SVC_M_JOB = np.array([1.2, 1.6, 2.5, 1.0, 1.0])
SVC_M_OTH = np.array([0.9, 0.9, 0.9, 1.0, 1.0])
SVC_M_JL = 0.6
SVC_F = 0.8
SVC_QSD = 0.4
NAV_CAPACITY = 1 * 5                     # per_site 1 x clients_per_navigator 5
NAV_MAX_STAGE = 1                        # "Preparation"
NAV_PROG, NAV_DIS = 1.5, 0.5
DISENGAGE, REENGAGE = 0.05, 0.1
IWS_WEEKS = 8                            # in_work_support: Weeks(8) (rich.ron)
IWS_END_RATE = 0.05                      # in_work_support: Unlimited(end_rate: 0.05) (rich_unlimited.ron)
MAX_WEEKS = 20
DIS_WEEKS = 5

ARM_BAU, ARM_SVC = 0, 1                  # ratio 1:1
T = (ENROL_WEEKS - 1) + H + 1            # calendar weeks 0..T-1 (last cohort reaches own week H)

# Deliberate errors, one at a time, to see what the comparison would catch.
INJECTIONS = {
    "none": "the model as documented",
    "nav_ignored": "Navigators have no effect (progress and disengage factors 1)",
    "dis_weeks_plus1": "disengaged_weeks exit one week late",
    "quality_ignored": "case-manager quality q = 1 for every case manager",
    "iws_plus1": "in-work support ends one week late (Weeks(9))",
    "max_weeks_plus1": "max_weeks counts from the week after placement",
    "jl_effect_ignored": "no job-loss effect in in-work support",
    "fidelity_ignored": "svc fidelity 1 instead of 0.8",
    "initial_never_leave": "week-0 clients never leave",
    "age_effect_ignored": "no age coefficient on job",
    "nav_keeps_above_max_stage": "a Navigator is kept after progressing past max_stage",
    "nav_progress_only_engaged": "the Navigator's progress factor only while engaged",
    "fallback_effect_when_disengaged": "a disengaged client in service gets the fallback's effect",
    "placement_next_week": "waiting starts the week after randomisation",
    "end_rate_ignored": "(rich_unlimited) in-work support never ends at its own rate",
    "job_loss_keeps_service": "(rich_unlimited) losing the job does not end the service",
    "hours_over_n_plus_1": "contact hours per client hours/(n + 1) for every client, not hours/n",
    # alternative readings of the docs (see the report), not errors
    "iws_job_lost_in_nth_week_stays": "a job lost at the end of the n-th week in work keeps the client in service",
    "dis_weeks_reengage_week_counts": "the week a client re-engages counts as a week disengaged",
}


def draw_people(R, rng, inject="none"):
    """Covariates of R x N candidates who pass eligibility (whole candidates are
    redrawn; only age and age at first benefit are tied by the rules)."""
    age = np.empty((R, N))
    afb = np.empty((R, N))
    todo = np.ones((R, N), dtype=bool)
    while todo.any():
        k = int(todo.sum())
        a = rng.uniform(AGE_MIN, AGE_MAX, k)
        f = rng.uniform(AFB_MIN, AFB_MAX, k)
        age[todo] = a
        afb[todo] = f
        ok = np.zeros((R, N), dtype=bool)
        ok[todo] = (f <= a) & (a <= ELIG_MAX_AGE)
        todo &= ~ok
    hd = rng.random((R, N)) < P_HD
    cm = rng.random((R, N)) < P_CM
    # truncated log-normal (max 400) by rejection: the same law as by inversion
    wob = np.empty((R, N))
    todo = np.ones((R, N), dtype=bool)
    while todo.any():
        k = int(todo.sum())
        w = np.exp(np.log(WOB_MEDIAN) + WOB_SIGMA * rng.standard_normal(k))
        wob[todo] = w
        ok = np.zeros((R, N), dtype=bool)
        ok[todo] = w <= WOB_MAX
        todo &= ~ok
    wob = np.maximum(np.rint(wob), 0.0)
    prior = np.maximum(np.rint(rng.uniform(PRIOR_MIN, PRIOR_MAX, (R, N))), 0.0)
    ur = rng.random((R, N))
    stage = np.where(ur < START_STAGE_P[0], 0, np.where(ur < START_STAGE_P[0] + START_STAGE_P[1], 1, 2))
    u = rng.normal(0.0, READINESS_SD, (R, N))
    lwob = np.log((wob + 1.0) / (REF_WOB + 1.0))
    mult = {
        "prog": np.exp(L_PROG * u),
        "reg": np.exp(L_REG * u),
        "job": np.exp((0.0 if inject == "age_effect_ignored" else B_JOB_AGE) * (age - REF_AGE) + B_JOB_HD * hd + B_JOB_CM * cm + L_JOB * u),
        "oth": np.exp(B_OTH_LWOB * lwob + L_OTH * u),
        "jl": np.exp(B_JL_AGE * (age - REF_AGE) + L_JL * u),
        "ret": np.exp(B_RET_PRIOR * (prior - REF_PRIOR) + L_RET * u),
    }
    ben_rate = np.where(hd, BEN_RATE_HD, BEN_RATE_WR)
    return stage, mult, ben_rate


def simulate(args):
    """Per-replicate, per-arm outcome sums, participant counts and take-up counts of R replicates."""
    R, seed_seq, inject, fixture = args
    unlimited = fixture == "rich_unlimited"
    svc_cms, svc_cap, svc_hours, svc_bg, svc_init, svc_init_exit = (
        SVC_CONTACT if fixture == "rich_contact"
        else (SVC_CMS, SVC_CAP, SVC_HOURS, SVC_BG, SVC_INIT, SVC_INIT_EXIT))
    extra_client = 1.0 if inject == "hours_over_n_plus_1" else 0.0
    rng = np.random.default_rng(seed_seq)
    rows = np.arange(R)[:, None]
    nav_prog = 1.0 if inject == "nav_ignored" else NAV_PROG
    nav_dis = 1.0 if inject == "nav_ignored" else NAV_DIS
    dis_weeks = DIS_WEEKS + (inject == "dis_weeks_plus1")
    iws_weeks = IWS_WEEKS + (inject == "iws_plus1")
    m_jl = 1.0 if inject == "jl_effect_ignored" else SVC_M_JL
    svc_f = 1.0 if inject == "fidelity_ignored" else SVC_F

    # ---------------- people ----------------
    rand_week = (np.arange(N) * ENROL_WEEKS) // N            # floor(i*W/n); ticket = i
    site = rng.choice(N_SITES, size=(R, N), p=SITE_P)
    arm = rng.integers(0, 2, size=(R, N))                     # ratio 1:1, independent
    state, mult, ben_rate = draw_people(R, rng, inject)

    # ---------------- case managers: quality, week-0 clients ----------------
    def quality(sd, shape):
        if sd == 0 or inject == "quality_ignored":
            return np.ones(shape)
        return np.exp(rng.normal(0.0, sd, shape) - sd * sd / 2)
    q_bau = quality(BAU_QSD, (R, N_SITES, BAU_CMS))
    q_svc = quality(SVC_QSD, (R, N_SITES, svc_cms))
    init_bau = np.full((R, N_SITES, BAU_CMS), BAU_INIT, dtype=np.int64)
    init_svc = np.full((R, N_SITES, svc_cms), svc_init, dtype=np.int64)

    tenure = np.zeros((R, N), dtype=np.int64)     # consecutive Employed weeks before this week
    weeks_off = np.zeros((R, N), dtype=np.int64)  # weeks in current OtherExit spell before this week
    arrived = np.zeros((R, N), dtype=bool)
    fb_cm = np.full((R, N), -1, dtype=np.int64)   # fallback (BAU) CM index at own site
    waiting = np.zeros((R, N), dtype=bool)
    in_service = np.zeros((R, N), dtype=bool)     # holds an svc slot
    svc_cm = np.zeros((R, N), dtype=np.int64)     # svc CM index at own site (while in service)
    placed_t = np.zeros((R, N), dtype=np.int64)   # calendar week of placement
    start_week = np.full((R, N), -1, dtype=np.int64)  # own week the arm's service started (BAU: 0)
    engaged = np.zeros((R, N), dtype=bool)
    dis_count = np.zeros((R, N), dtype=np.int64)  # consecutive whole weeks disengaged
    nav = np.zeros((R, N), dtype=bool)            # holds a Navigator

    # ---------------- outcome accumulators (per person) ----------------
    records = Records(HORIZONS, R, N)

    def bau_loads():
        """Caseload of every BAU CM: background + week-0 clients left + participants
        on benefit, not in service, whose fallback is that CM.  (R, sites, cms)."""
        counted = arrived & (state <= 2) & ~in_service
        loads = (BAU_BG + init_bau).astype(float)
        for s in range(N_SITES):
            for m in range(BAU_CMS):
                loads[:, s, m] += np.sum(counted & (site == s) & (fb_cm == m), axis=1)
        return loads

    def svc_loads():
        """Caseload of every svc CM: background + week-0 clients left + participants
        in service with it (in or out of work, engaged or not).  (R, sites, cms)."""
        loads = (svc_bg + init_svc).astype(float)
        for s in range(N_SITES):
            for m in range(svc_cms):
                loads[:, s, m] += np.sum(in_service & (site == s) & (svc_cm == m), axis=1)
        return loads

    for t in range(T):
        k = t - rand_week                                      # own week (N,)
        # ---- step 1: arrivals, in ticket order (fallback CM: fewest clients, lowest index)
        for i in np.nonzero(rand_week == t)[0]:
            ls = bau_loads()[np.arange(R), site[:, i], :]
            fb_cm[:, i] = np.argmin(ls, axis=1)
            arrived[:, i] = True
            is_svc = arm[:, i] == ARM_SVC
            waiting[:, i] = is_svc
            start_week[:, i] = np.where(is_svc, -1, 0)         # control: started in week 0

        # ---- step 2: fill free svc slots from the waitlist, one at a time in ticket order,
        # each with the CM who has the fewest clients (lowest index), if below the cap
        loads = svc_loads()
        for s in range(N_SITES):
            while True:
                w = waiting & (site == s)
                if inject == "placement_next_week":
                    w = w & (rand_week < t)[None, :]
                ls = loads[:, s, :]
                m = np.argmin(ls, axis=1)
                room = ls[np.arange(R), m] < svc_cap
                do = room & w.any(axis=1)
                if not do.any():
                    break
                r = np.nonzero(do)[0]
                i = np.argmax(w[r], axis=1)                    # first waiting ticket
                in_service[r, i] = True
                waiting[r, i] = False
                svc_cm[r, i] = m[r]
                placed_t[r, i] = t
                start_week[r, i] = k[i]
                engaged[r, i] = True                           # clients start engaged
                dis_count[r, i] = 0
                loads[r, s, m[r]] += 1

        # ---- step 2b: Navigators, in ticket order while there is room
        for s in range(N_SITES):
            here = site == s
            room = NAV_CAPACITY - np.sum(nav & here, axis=1)
            elig = in_service & here & (state <= NAV_MAX_STAGE) & ~nav
            rank = np.cumsum(elig, axis=1)
            nav |= elig & (rank <= room[:, None])

        # ---- step 3: multipliers from this week's caseloads
        bl = bau_loads()
        sl = svc_loads()
        g_bau = 1.0 - np.exp(-(BAU_HOURS / (bl + extra_client)) / BAU_SCALE)    # loads >= background > 0
        with np.errstate(divide="ignore"):  # a case manager with no client: g = 1, read by nobody
            g_svc = 1.0 - np.exp(-(svc_hours / (sl + extra_client)) / SVC_SCALE)
        e_bau = (g_bau * BAU_F * q_bau)[rows, site, np.maximum(fb_cm, 0)]   # exponent g*f*q
        e_svc = (g_svc * svc_f * q_svc)[rows, site, svc_cm]
        on_ben = state <= 2
        employed = state == EMPLOYED
        svc_eff = in_service & engaged                          # service effect applies
        fb_eff = arrived & on_ben & ~in_service                 # fallback effect applies
        if inject == "fallback_effect_when_disengaged":
            fb_eff = arrived & on_ben & ~(in_service & engaged)
        e_s = np.where(svc_eff, e_svc, 0.0)
        e_b = np.where(fb_eff, e_bau, 0.0)
        M_prog = SVC_M_PROG[state] ** e_s * BAU_M_PROG[state] ** e_b
        M_reg = SVC_M_REG[state] ** e_s
        M_job = SVC_M_JOB[state] ** e_s * BAU_M_JOB[state] ** e_b
        M_oth = SVC_M_OTH[state] ** e_s
        M_jl = np.where(svc_eff & employed, m_jl ** e_svc, 1.0)
        N_prog = np.where(nav, nav_prog, 1.0)
        if inject == "nav_progress_only_engaged":
            N_prog = np.where(nav & engaged, nav_prog, 1.0)

        # ---- step 6 (record state_k before the move) ----
        kk = np.broadcast_to(k[None, :], (R, N))
        rec = arrived & (kk >= 0) & (kk <= H)
        records.record(rec, kk, on_ben, employed, tenure)

        # ---- step 4: labour moves (competing hazards held constant over the week)
        lam_prog = PROGRESS[state] * mult["prog"] * M_prog * N_prog
        lam_reg = REGRESS[state] * mult["reg"] * M_reg
        lam_job = JOB[state] * mult["job"] * M_job
        lam_oth = OTHER[state] * mult["oth"] * M_oth
        lam_jl = np.where(employed, job_loss_rate(tenure), 0.0) * mult["jl"] * M_jl
        lam_ret = np.where(state == OTHEREXIT, return_rate(weeks_off), 0.0) * mult["ret"]
        lams = np.stack([lam_prog, lam_reg, lam_job, lam_oth, lam_jl, lam_ret])
        Lam = lams.sum(0)
        move = arrived & (rng.random((R, N)) < 1.0 - np.exp(-Lam))
        cum = np.cumsum(lams, axis=0) / np.where(Lam > 0, Lam, 1.0)[None]
        ud = rng.random((R, N))
        dest = np.minimum((ud[None] > cum).sum(0), 5)
        d_prog, d_reg = move & (dest == 0), move & (dest == 1)
        d_job, d_oth = move & (dest == 2), move & (dest == 3)
        d_jl, d_ret = move & (dest == 4), move & (dest == 5)
        new_state = state.copy()
        new_state[d_prog] = state[d_prog] + 1
        new_state[d_reg] = state[d_reg] - 1
        new_state[d_job] = EMPLOYED
        new_state[d_oth] = OTHEREXIT
        new_state[d_jl] = REENTRY
        new_state[d_ret] = 0
        #      engagement move (its own clock), for everyone in service
        dis_rate = DISENGAGE * np.where(nav, nav_dis, 1.0)
        ue = rng.random((R, N))
        disengages = in_service & engaged & (ue < 1.0 - np.exp(-dis_rate))
        reengages = in_service & ~engaged & (ue < 1.0 - np.exp(-REENGAGE))
        was_dis = in_service & ~engaged
        engaged = (engaged & ~disengages) | reengages
        # a whole week disengaged: disengaged before and after this week's move
        if inject == "dis_weeks_reengage_week_counts":
            # counts every week begun disengaged, even if the client re-engages at its end
            dis_count = np.where(was_dis, dis_count + 1, 0)
        else:
            dis_count = np.where(was_dis & ~engaged, dis_count + 1, 0)

        #      in-work-support end (its own clock, Unlimited only), while Employed in service
        if unlimited:
            support_ends = in_service & employed & (rng.random((R, N)) < 1.0 - np.exp(-IWS_END_RATE))

        # ---- step 5: service exits (slot frees next week); waitlist leavers
        weeks_in_service = t - placed_t + 1
        if inject == "max_weeks_plus1":
            weeks_in_service = weeks_in_service - 1
        if unlimited:   # the job is lost, or support ends at its own rate
            iws_exit = (d_jl & (inject != "job_loss_keeps_service")) | (support_ends & (inject != "end_rate_ignored"))
        else:           # Weeks(n): the n-th full week in work completed
            iws_exit = (employed & (tenure + 1 >= iws_weeks)
                        & ((new_state == EMPLOYED) | (inject != "iws_job_lost_in_nth_week_stays")))
        exit_ = in_service & (
            iws_exit
            | (weeks_in_service >= MAX_WEEKS)
            | (dis_count >= dis_weeks)
            | d_oth                                    # left benefit other than into work
        )
        in_service &= ~exit_
        engaged &= in_service
        dis_count = np.where(in_service, dis_count, 0)
        waiting &= ~(arrived & (new_state >= EMPLOYED))     # left benefit while waiting
        if inject == "nav_keeps_above_max_stage":
            nav &= in_service & (new_state <= 2)
        else:
            nav &= in_service & (new_state <= NAV_MAX_STAGE)    # place free from next week
        if inject != "initial_never_leave":
            init_bau = rng.binomial(init_bau, np.exp(-BAU_INIT_EXIT))
            init_svc = rng.binomial(init_svc, np.exp(-svc_init_exit))
        # tenure / weeks off for next week
        tenure = np.where(arrived & employed & (new_state == EMPLOYED), tenure + 1, 0)
        weeks_off = np.where(arrived & (state == OTHEREXIT) & (new_state == OTHEREXIT), weeks_off + 1, 0)
        state = new_state

    return replicate_sums(records, HORIZONS, arm, start_week, ben_rate[None])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--replicates", type=int, default=REPLICATES)
    ap.add_argument("--inject", default="none", choices=sorted(INJECTIONS))
    ap.add_argument("--fixture", default="rich", choices=["rich", "rich_unlimited", "rich_contact"])
    ap.add_argument("--out", default=None)
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--seed", type=int, default=SEED)
    a = ap.parse_args()
    if a.out is None:
        a.out = os.path.join(os.path.dirname(os.path.abspath(__file__)), f"naive_{a.fixture}.csv")
    nb = a.replicates // BATCH
    seeds = np.random.SeedSequence(a.seed).spawn(nb)            # batch b always gets seeds[b]
    with Pool(a.workers) as pool:
        parts = pool.map(simulate, [(BATCH, s, a.inject, a.fixture) for s in seeds], chunksize=1)
    write_reference(a.out, parts, ("bau", "svc"), H)
    print(f"{a.fixture}: {nb * BATCH} replicates ({a.inject}) -> {a.out}")


if __name__ == "__main__":
    main()
