//! Benchmarks. Simulated person-weeks per second: the weekly step on one replicate, and
//! whole replicates of the shipped ICS-X scenario (analysis included).

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use rctsim::engine::World;
use rctsim::rng::Keyed;
use rctsim::trial::{self, RunOptions};
use std::path::Path;

fn load(path: &str) -> rctsim::scenario::Model {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    rctsim::scenario::load(&path).unwrap_or_else(|e| panic!("{e}")).model
}

fn weekly_step(c: &mut Criterion) {
    let model = load("scenarios/ics_x.ron");
    let keyed = Keyed::new(model.seed);
    let cohort = trial::cohort(&model, &keyed, 0).unwrap();
    let person_weeks = rctsim::engine::simulate(&model, keyed, 0, &cohort).person_weeks;
    let mut group = c.benchmark_group("weekly_step");
    group.throughput(Throughput::Elements(person_weeks));
    group.sample_size(10);
    group.bench_function("ics_x_one_replicate", |b| {
        b.iter_batched(
            || World::new(&model, keyed, 0, &cohort),
            |mut world| {
                for t in 0..=world.last_week() {
                    world.week(t);
                }
                world
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

fn whole_run(c: &mut Criterion) {
    let model = load("scenarios/ics_x.ron");
    let options = RunOptions { replicates: Some(8), ..Default::default() };
    let person_weeks = trial::run(&model, &options).unwrap().person_weeks;
    let mut group = c.benchmark_group("run");
    group.throughput(Throughput::Elements(person_weeks));
    group.sample_size(10);
    group.bench_function("ics_x_8_replicates", |b| b.iter(|| trial::run(&model, &options).unwrap()));
    group.finish();
}

criterion_group!(benches, weekly_step, whole_run);
criterion_main!(benches);
