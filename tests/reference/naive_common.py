"""What the independent weekly simulations (naive_minimal.py, naive_rich.py)
share: the outcome records built week by week from each life's state, each
replicate's outcome sums per arm, and the reference CSV that
tests/naive/mod.rs compares the engine with.

Arm 0 is the control arm and arm 1 the service arm throughout.
"""
import csv
import numpy as np


class Records:
    """Each participant's outcome records, as docs/model.md defines the
    outcomes: [horizon, replicate, person] arrays, and the first own week off
    benefit ([replicate, person], -1 if never)."""

    def __init__(self, horizons, R, N):
        self.horizons = horizons
        shape = (len(horizons), R, N)
        self.wob = np.zeros(shape)       # weeks k < h on benefit
        self.offb = np.zeros(shape)      # state_h off benefit
        self.emp = np.zeros(shape)       # state_h employed
        self.ever = np.zeros(shape)      # employed in some week k <= h
        self.ret13 = np.zeros(shape)     # ... with tenure >= 13
        self.sus26 = np.zeros(shape)     # ... with tenure >= 26
        self.ret52 = np.zeros(shape)     # ... with tenure >= 52
        self.first_exit = np.full((R, N), -1, dtype=np.int64)

    def record(self, rec, kk, on_ben, employed, tenure):
        """Records state_k (before the week's move) where rec holds: own
        week kk, on benefit or employed (with tenure weeks in the job)."""
        off_ben = ~on_ben
        for hi, h in enumerate(self.horizons):
            self.wob[hi] += (rec & (kk < h) & on_ben)
            at_h = rec & (kk == h)
            self.offb[hi] = np.where(at_h, off_ben, self.offb[hi])
            self.emp[hi] = np.where(at_h, employed, self.emp[hi])
            upto = rec & (kk <= h) & employed
            self.ever[hi] = np.maximum(self.ever[hi], upto)
            self.ret13[hi] = np.maximum(self.ret13[hi], upto & (tenure >= 13))
            self.sus26[hi] = np.maximum(self.sus26[hi], upto & (tenure >= 26))
            self.ret52[hi] = np.maximum(self.ret52[hi], upto & (tenure >= 52))
        newly = rec & off_ben & (self.first_exit < 0)
        self.first_exit = np.where(newly, kk, self.first_exit)


def replicate_sums(records, horizons, arm, start_week, paid_per_week):
    """Per replicate: every (outcome, horizon)'s sums over each arm's
    participants, participants per arm, and the service arm's take-up count
    (service started before the longest horizon).

    records: the simulation's Records; paid_per_week: the benefit rate, a
    number or [replicate, person].
    """
    r = records
    wob, offb, emp, ever, ret13, sus26, ret52, first_exit = (
        r.wob, r.offb, r.emp, r.ever, r.ret13, r.sus26, r.ret52, r.first_exit)
    # Never off benefit by the horizon: the horizon.
    fe = np.where(first_exit < 0, 10**9, first_exit)
    wtfe = np.stack([np.minimum(fe, h) for h in horizons]).astype(float)
    outcomes = {
        "weeks_on_benefit": wob, "off_benefit": offb, "employed": emp,
        "ever_employed": ever, "retained_13_weeks": ret13,
        "sustained_employment": sus26, "retained_52_weeks": ret52,
        "weeks_to_first_exit": wtfe, "benefit_paid": paid_per_week * wob,
    }
    sums = {}
    for o, v in outcomes.items():
        for hi, h in enumerate(horizons):
            sums[(o, h)] = np.stack([np.where(arm == a, v[hi], 0).sum(1) for a in (0, 1)], axis=1)
    counts = np.stack([(arm == a).sum(1) for a in (0, 1)], axis=1)
    took = (start_week >= 0) & (start_week < max(horizons))
    takeup = np.where(arm == 1, took, 0).sum(1)
    return sums, counts, takeup


def ratio(num, den):
    """Pooled ratio sum(num)/sum(den) and its delta-method SE over replicates."""
    r = num.sum() / den.sum()
    resid = num - r * den
    n = len(num)
    return r, np.sqrt(n / (n - 1) * (resid ** 2).sum()) / den.sum()


def write_reference(path, parts, names, longest):
    """Writes quantity,arm,outcome,horizon,value,se to path from the batches'
    replicate_sums: each arm's pooled mean, the mean difference in means
    (over replicates with both arms) and take-up. names: (control, service)."""
    sums = {key: np.concatenate([p[0][key] for p in parts]) for key in parts[0][0]}
    counts = np.concatenate([p[1] for p in parts])
    takeup = np.concatenate([p[2] for p in parts])
    rows = []
    both = (counts > 0).all(axis=1)
    for (o, h), s in sums.items():
        for a, name in enumerate(names):
            v, se = ratio(s[:, a], counts[:, a])
            rows.append(("mean", name, o, h, v, se))
        est = s[both, 1] / counts[both, 1] - s[both, 0] / counts[both, 0]
        rows.append(("estimate", names[1], o, h, est.mean(), est.std(ddof=1) / np.sqrt(len(est))))
    v, se = ratio(takeup, counts[:, 1])
    rows.append(("take_up", names[1], "", longest, v, se))
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["quantity", "arm", "outcome", "horizon", "value", "se"])
        for q, a, o, h, v, se in rows:
            w.writerow([q, a, o, h, repr(float(v)), repr(float(se))])
