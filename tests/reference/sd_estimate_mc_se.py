#!/usr/bin/env python3
"""How well the Monte Carlo SE of `sd_estimate` (docs/model.md, "Diagnosis
across replicates") estimates the true spread of the SD of R estimates.

For normal estimates, it draws many studies of R replicates and compares the
mean reported SE, (s/2)·√((κ − (R−3)/(R−1))/R), with the SD of s across
studies, for two plug-ins of the kurtosis κ: b₂ = m₄/m₂² (what rctsim uses)
and m₄/s⁴ with s² over R − 1 (what it used before). The figures quoted in
docs/model.md come from this script.

Rerun from the repo root (a few seconds): python3 tests/reference/sd_estimate_mc_se.py
Needs numpy. Prints one line per R: reported SE / true SD for each plug-in.
"""
import numpy as np

rng = np.random.default_rng(1)
for R in (10, 50, 200, 1000):
    K = 20000 if R < 1000 else 4000
    d = rng.standard_normal((K, R))
    d -= d.mean(axis=1, keepdims=True)
    s2 = (d**2).sum(axis=1) / (R - 1)
    s = np.sqrt(s2)
    m2 = (d**2).sum(axis=1) / R
    m4 = (d**4).sum(axis=1) / R
    true_sd = s.std()

    def reported(kurtosis):
        return (s / 2 * np.sqrt(np.maximum((kurtosis - (R - 3) / (R - 1)) / R, 0))).mean()

    print(f"R = {R:4}: b2 {reported(m4 / m2**2) / true_sd:.3f}, m4/s^4 {reported(m4 / s2**2) / true_sd:.3f}")
