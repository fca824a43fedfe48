# Re-analyses replicate 0 of a run with R's estimatr and compares every row
# of estimates.csv with it: the estimate, its SE and its p-value.
#
# Usage, from the repo root (R with estimatr installed):
#   cargo run --release -- run scenarios/ics_trial.ron --replicates 2 --quiet --persons --out /tmp/ics
#   Rscript tests/reference/persons_vs_estimatr.R /tmp/ics [more run folders ...]
#
# Prints, per folder, the largest relative difference of the estimates and of
# the SEs and p-values, and every row whose estimate differs at all.

suppressPackageStartupMessages(library(estimatr))

compare <- function(dir) {
  p <- read.csv(file.path(dir, "persons.csv"))
  e <- read.csv(file.path(dir, "estimates.csv"))
  e <- e[e$replicate == 0, ]
  worst_estimate <- 0
  worst_se_p <- 0
  for (k in seq_len(nrow(e))) {
    col <- paste0(e$outcome[k], "_", e$horizon_weeks[k])
    keep <- p$arm %in% c(e$treatment[k], e$control[k])
    d <- data.frame(y = p[[col]][keep], z = as.integer(p$arm[keep] == e$treatment[k]))
    f <- difference_in_means(y ~ z, data = d)
    rel <- function(ours, theirs) abs(ours - theirs) / max(abs(theirs), .Machine$double.xmin)
    r <- rel(e$estimate[k], f$coefficients)
    worst_estimate <- max(worst_estimate, r)
    if (r > 0) {
      cat(sprintf("  %s %s: rctsim %.17g, estimatr %.17g\n", dir, col, e$estimate[k], f$coefficients))
    }
    if (is.finite(f$std.error) && f$std.error > 0) {
      worst_se_p <- max(worst_se_p, rel(e$se[k], f$std.error), rel(e$p_value[k], f$p.value))
    }
  }
  cat(sprintf("%s: %d rows; largest relative difference: estimate %.3g, SE and p-value %.3g\n",
              dir, nrow(e), worst_estimate, worst_se_p))
}

cat("estimatr", as.character(packageVersion("estimatr")), "-", R.version.string, "\n")
for (dir in commandArgs(trailingOnly = TRUE)) compare(dir)
