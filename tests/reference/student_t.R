# Reference values for the t distribution in src/analysis/student_t.rs, whose
# unit tests embed them (R 4.2.2 Patched (2022-11-10 r83330), Debian package
# r-base-core). Rerun from the repo root:
#   Rscript tests/reference/student_t.R
# and compare with the constants in the tests; nothing is random.
#
# Two-sided p-values are 2 * pt(|t|, df, lower.tail = FALSE) and critical values
# qt(p / 2, df, lower.tail = FALSE): R's qt(1 - p/2, df) loses digits at small p
# in rounding 1 - p/2 (8e-11 relative at p = 1e-6, df = 1).

options(digits = 17)
show <- function(what, x) cat(sprintf("%-34s %s\n", what, formatC(x, digits = 17, format = "g")))
p_value <- function(t, df) 2 * pt(abs(t), df, lower.tail = FALSE)
critical <- function(p, df) qt(p / 2, df, lower.tail = FALSE)

cat(R.version.string, "\n\n")

cat("p_values_match_r\n")
for (c in list(c(2, 10), c(1, 1), c(-3, 2.5), c(0.1, 120)))
  show(sprintf("p(t = %g, df = %g)", c[1], c[2]), p_value(c[1], c[2]))

cat("critical_values_match_r\n")
for (df in c(10, 1, 1e5, 2.5)) show(sprintf("q(0.05, df = %g)", df), critical(0.05, df))

cat("ln_beta_matches_r_lbeta_for_large_a\n")
for (a in c(50, 200, 5e5)) show(sprintf("lbeta(%g, 0.5)", a), lbeta(a, 0.5))

cat("many_degrees_of_freedom_keep_precision\n")
show("p(t = 2, df = 5e4)", p_value(2, 5e4))
show("q(0.05, df = 5e4)", critical(0.05, 5e4))

cat("a_million_degrees_of_freedom_meet_estimatr_to_1e9\n")
for (t in c(1.85, 1.96, 5, 30)) show(sprintf("p(t = %g, df = 1e6)", t), p_value(t, 1e6))
show("q(0.05, df = 1e6)", critical(0.05, 1e6))

cat("p_values_match_r_near_zero_and_far_in_the_tail\n")
for (df in c(1, 2)) for (t in c(1e-3, 0.5, 3, 1e4))
  show(sprintf("p(t = %g, df = %g)", t, df), p_value(t, df))
show("p(t = 0.001, df = 1e4)", p_value(1e-3, 1e4))

cat("critical_values_match_r_over_p_and_df\n")
for (df in c(1, 3, 5, 7.5, 30)) for (p in c(0.5, 0.2, 0.01, 1e-6))
  show(sprintf("q(%g, df = %g)", p, df), critical(p, df))
show("q(0.05, df = 5)", critical(0.05, 5))

cat("infinite_degrees_of_freedom_are_the_normal\n")
show("p(t = 1.96, df = Inf)", 2 * pnorm(-1.96))
show("p(t = 3.5, df = Inf)", 2 * pnorm(-3.5))
show("q(0.05, df = Inf)", qnorm(0.05 / 2, lower.tail = FALSE))
show("q(0.001, df = Inf)", qnorm(0.001 / 2, lower.tail = FALSE))
