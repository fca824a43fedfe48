//! Assigning participants to arms.

use crate::rng::{Keyed, Purpose, pick_cumulative};

/// Simple individual randomisation: ticket `i` goes to arm `a` with probability
/// `ratio_a / Σ ratio`, independently of everyone else.
pub fn simple(ratios: &[f64], keyed: &Keyed, replicate: u64, ticket: u64) -> u8 {
    let total: f64 = ratios.iter().sum();
    pick_cumulative(ratios, keyed.uniform(replicate, Purpose::Allocation, ticket, 0) * total) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocation_follows_the_ratios() {
        // Ratios 1:2:1 over 40 000 tickets; each share within 4 binomial SE.
        let keyed = Keyed::new(11);
        let n = 40_000;
        let mut counts = [0u32; 3];
        for i in 0..n {
            counts[simple(&[1.0, 2.0, 1.0], &keyed, 0, i) as usize] += 1;
        }
        for (c, p) in counts.iter().zip([0.25, 0.5, 0.25]) {
            let se = (p * (1.0 - p) / n as f64).sqrt();
            assert!((*c as f64 / n as f64 - p).abs() < 4.0 * se, "{counts:?}");
        }
    }
}
