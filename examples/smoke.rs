fn main() {
    let loaded = rctsim::scenario::load(std::path::Path::new("tests/fixtures/minimal.ron")).unwrap_or_else(|e| panic!("{e}"));
    let r = rctsim::trial::run(&loaded.model, &Default::default()).unwrap();
    for (a, s) in r.arms.iter().enumerate() { println!("arm {a}: n={} takeup={:.3} means={:?}", s.participants, s.take_up(), s.outcome_means[1]); }
    for (c, d) in r.diagnoses.iter().enumerate() { println!("{c}: pate={:.4} est={:.4} power={:.2} cov={:.2}", d.pate.value, d.mean_estimate.value, d.power.value, d.coverage.value); }
    println!("pw {}", r.person_weeks);
}
