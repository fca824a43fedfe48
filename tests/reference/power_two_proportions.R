# Power of the two-sided 5% test of a difference in two proportions, for
# tests/statistics.rs (a_simple_trial_has_the_power_of_the_textbook_formula).
#
# The scenario: tests/fixtures/constant_intensity.ron with 2,000 participants
# (people independent, the service's intensity constant), outcome
# ever_employed at 52 weeks. Its arm shares, computed without rctsim by
# tests/reference/constant_intensity_shares.py: BAU 0.3627340, ICS 0.4134508
# (within 0.0000648: the service's intensity moves a little with its
# caseload). Simple randomisation: n1 ~ Binomial(2000, 1/2).
#
#   Rscript tests/reference/power_two_proportions.R   # R 4.2.2, pwr 1.3.0
library(pwr)
p0 <- 0.3627340
p1 <- 0.4134508
n <- 2000
n1 <- 2:(n - 2) # the weight outside is below 1e-590
w <- dbinom(n1, n, 0.5)
w <- w / sum(w)
d <- p1 - p0
se <- sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / (n - n1))
# 1. pwr's arcsine formula (Cohen's h), two samples of unequal size.
arcsine <- sapply(n1, function(k) pwr.2p2n.test(h = ES.h(p1, p0), n1 = k, n2 = n - k, sig.level = 0.05)$power)
# 2. The normal approximation with unpooled variances (what HC2 estimates).
normal <- pnorm(d / se - qnorm(0.975)) + pnorm(-d / se - qnorm(0.975))
# 3. Welch's t: df from the true variances, noncentral t.
v1 <- p1 * (1 - p1) / n1
v0 <- p0 * (1 - p0) / (n - n1)
df <- (v1 + v0)^2 / (v1^2 / (n1 - 1) + v0^2 / (n - n1 - 1))
tcrit <- qt(0.975, df)
welch <- pt(tcrit, df, ncp = d / se, lower.tail = FALSE) + pt(-tcrit, df, ncp = d / se)
# The power's derivative in d, for the reference's own error (d within 0.0000648).
slope <- sum(w * (dnorm(d / se - qnorm(0.975)) - dnorm(-d / se - qnorm(0.975))) / se)
cat(sprintf("R %s, pwr %s\n", getRversion(), packageVersion("pwr")))
cat(sprintf("arcsine (pwr.2p2n.test) %.6f\n", sum(w * arcsine)))
cat(sprintf("normal, unpooled        %.6f\n", sum(w * normal)))
cat(sprintf("Welch t                 %.6f\n", sum(w * welch)))
cat(sprintf("d(power)/d(d)           %.3f\n", slope))
