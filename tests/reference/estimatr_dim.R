# Reference values for the difference-in-means estimator, from R's estimatr.
#
# Committed values produced with:
#   estimatr 1.0.0 (Debian package r-cran-estimatr)
#   R version 4.2.2 Patched (2022-11-10 r83330) (Debian package r-base-core)
#
# Rerun from the repo root:
#   Rscript tests/reference/estimatr_dim.R
#
# Writes (overwrites):
#   tests/reference/estimatr_dim.csv       case,estimate,se,df,ci_low,ci_high,p_value
#   tests/reference/estimatr_dim_data.csv  case,z,y  (one row per observation)
#
# estimatr::difference_in_means(y ~ z, data = d) with defaults: Neyman
# (HC2-equivalent) SE sqrt(var(y1)/n1 + var(y0)/n0), Welch-Satterthwaite df,
# alpha = 0.05. All datasets are literal; nothing is random.
# Numbers are written with formatC(x, digits = 17, format = "g"), whitespace-trimmed.

suppressPackageStartupMessages(library(estimatr))

cat("estimatr version:", as.character(packageVersion("estimatr")), "\n")
cat(R.version.string, "\n")

out_dir <- "tests/reference"

mk <- function(treated, control) {
  data.frame(z = c(rep(1, length(treated)), rep(0, length(control))),
             y = c(treated, control))
}

cases <- list(
  # (a) tiny hand-checkable case
  a_tiny = mk(c(3, 5, 7, 9, 11),
              c(2, 4, 4, 6)),
  # (b) binary outcomes, 32 treated vs 28 control
  b_binary = mk(c(1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 0,
                  1, 1, 0, 1, 1, 1, 1, 0, 1, 0, 1, 1, 1, 0, 1, 1),
                c(0, 1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0,
                  0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 1, 0)),
  # (c) count-like outcomes: weeks on benefit (0..104), 25 treated vs 40 control
  c_weeks = mk(c(12, 0, 34, 52, 8, 104, 26, 17, 3, 45, 60, 21, 9, 0, 78,
                 31, 14, 5, 39, 22, 104, 11, 48, 2, 19),
               c(40, 26, 104, 58, 33, 0, 71, 15, 88, 47, 52, 104, 29, 64,
                 7, 36, 95, 44, 21, 60, 13, 104, 38, 55, 72, 0, 49, 30,
                 81, 24, 66, 104, 18, 43, 57, 9, 76, 35, 50, 62)),
  # (d) very large effect, tiny variance -> p-value far below 1e-12
  d_huge_effect = mk(c(100.012, 99.987, 100.004, 99.995, 100.021,
                       99.978, 100.009, 99.993, 100.001, 100.015),
                     c(0.011, -0.007, 0.004, -0.012, 0.009,
                       0.002, -0.005, 0.013, -0.001, 0.006)),
  # (e) negative effect
  e_negative = mk(c(4.2, 3.1, 5.0, 2.7, 3.8, 4.4, 2.9, 3.5),
                  c(6.1, 5.4, 7.2, 6.8, 5.9, 6.5, 7.0, 5.2, 6.3)),
  # (f) equal variances (control = treated - 2.5 exactly) and equal sizes
  f_equal_var_n = mk(c(10.5, 12.25, 9.75, 11.0, 13.5, 8.0),
                     c(8.0, 9.75, 7.25, 8.5, 11.0, 5.5)),
  # (g) 2 treated vs 2 control
  g_two_by_two = mk(c(5.5, 8.25),
                    c(3.0, 4.125)),
  # (h) 3 treated (large variance) vs 50 control (small variance)
  h_3_vs_50 = mk(c(2.0, 19.5, 41.25),
                 c(10.1, 10.3, 9.8, 10.0, 10.4, 9.9, 10.2, 9.7, 10.0, 10.1,
                   10.3, 9.8, 10.2, 9.9, 10.0, 10.1, 9.6, 10.4, 10.0, 9.9,
                   10.2, 10.1, 9.8, 10.0, 10.3, 9.9, 10.1, 10.0, 9.7, 10.2,
                   10.0, 10.1, 9.9, 10.3, 9.8, 10.0, 10.2, 10.1, 9.9, 10.0,
                   10.4, 9.8, 10.1, 10.0, 9.9, 10.2, 10.0, 9.7, 10.1, 10.0))
)

f17 <- function(x) trimws(formatC(x, digits = 17, format = "g"))  # formatC pads; trim

res_rows <- character(0)
data_rows <- character(0)
all_ok <- TRUE

for (nm in names(cases)) {
  d <- cases[[nm]]
  fit <- difference_in_means(y ~ z, data = d)
  est <- unname(fit$coefficients); se <- unname(fit$std.error)
  df  <- unname(fit$df)
  lo  <- unname(fit$conf.low); hi <- unname(fit$conf.high)
  p   <- unname(fit$p.value)

  res_rows <- c(res_rows, paste(nm, f17(est), f17(se), f17(df), f17(lo),
                                f17(hi), f17(p), sep = ","))
  data_rows <- c(data_rows, paste(nm, f17(d$z), f17(d$y), sep = ","))

  # Independent hand computation (Neyman SE, Welch df, t-based p and CI).
  y1 <- d$y[d$z == 1]; y0 <- d$y[d$z == 0]
  v1 <- var(y1) / length(y1); v0 <- var(y0) / length(y0)
  h_est <- mean(y1) - mean(y0)
  h_se  <- sqrt(v1 + v0)
  h_df  <- (v1 + v0)^2 / (v1^2 / (length(y1) - 1) + v0^2 / (length(y0) - 1))
  h_p   <- 2 * pt(-abs(h_est / h_se), h_df)
  h_q   <- qt(0.975, h_df)
  h_lo  <- h_est - h_q * h_se; h_hi <- h_est + h_q * h_se
  # p and CI from estimatr's own est/se/df, with the stated formulas
  f_p   <- 2 * pt(-abs(est / se), df)
  f_lo  <- est - qt(0.975, df) * se; f_hi <- est + qt(0.975, df) * se

  relerr <- function(a, b) abs(a - b) / max(abs(b), .Machine$double.xmin)
  errs <- c(est = relerr(h_est, est), se = relerr(h_se, se), df = relerr(h_df, df),
            p_hand = relerr(h_p, p), lo_hand = relerr(h_lo, lo), hi_hand = relerr(h_hi, hi))
  exact <- c(p_formula = identical(f_p, p), ci_low_formula = identical(f_lo, lo),
             ci_high_formula = identical(f_hi, hi))
  cat(sprintf("\n[%s] n1=%d n0=%d\n", nm, length(y1), length(y0)))
  cat("  max rel err hand vs estimatr:", f17(max(errs)), "\n")
  print(signif(errs, 3))
  cat("  exactly identical (2*pt(-abs(est/se),df), est -/+ qt(0.975,df)*se):\n")
  print(exact)
  if (!all(exact)) {
    cat("  differences: p", f17(f_p - p), " lo", f17(f_lo - lo), " hi", f17(f_hi - hi), "\n")
  }
  if (max(errs) > 1e-10) all_ok <- FALSE
}

writeLines(c("case,estimate,se,df,ci_low,ci_high,p_value", res_rows),
           file.path(out_dir, "estimatr_dim.csv"))
writeLines(c("case,z,y", data_rows),
           file.path(out_dir, "estimatr_dim_data.csv"))

cat("\nAll hand computations within 1e-10 relative:", all_ok, "\n")
