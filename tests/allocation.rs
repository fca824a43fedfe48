//! The weekly step allocates nothing: a counting allocator around every week
//! of a replicate with queues, ghosts, Navigators and week-0 clients.
#![allow(unsafe_code)]

mod common;

use rctsim::rng::Keyed;
use rctsim::trial;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

thread_local! {
    /// Whether this thread's allocations are counted. Per thread, because the
    /// test harness's own threads allocate while the step runs.
    // A `const` initialiser without a destructor: reading it never allocates.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

fn counted() -> bool {
    COUNTING.try_with(Cell::get).unwrap_or(false)
}

// SAFETY: forwards to the system allocator unchanged; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if counted() {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if counted() {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn the_weekly_step_does_not_allocate() {
    weeks_allocate_nothing(common::model("allocation.ron"));
}

/// Two arms on one service with a cap that binds hard, and a control arm ten
/// times their size: each control participant has a ghost in both, so the
/// service's queue of waiting ghosts can hold up to 5/3 of the participants
/// at a site.
#[test]
fn a_queue_of_ghosts_longer_than_the_participants_allocates_nothing() {
    let text = std::fs::read_to_string(common::fixture("allocation.ron")).unwrap();
    let text = text
        .replace(
            r#"(name: "bau", service: "bau", control: true)"#,
            r#"(name: "bau", service: "bau", control: true, ratio: 10)"#,
        )
        .replace(r#"(name: "ips", service: "ips")"#, r#"(name: "ics_b", service: "ics")"#)
        .replace("case_managers_per_site: 2, caseload_cap: 15,", "case_managers_per_site: 1, caseload_cap: 6,");
    weeks_allocate_nothing(common::model_from(&text));
}

fn weeks_allocate_nothing(model: rctsim::scenario::Model) {
    let keyed = Keyed::new(model.seed);
    let cohort = trial::cohort(&model, &keyed, 0).unwrap();
    let mut world = rctsim::engine::World::new(&model, keyed, 0, &cohort);
    let last = world.last_week();
    COUNTING.set(true);
    for t in 0..=last {
        world.week(t);
    }
    COUNTING.set(false);
    assert_eq!(ALLOCATIONS.load(Ordering::SeqCst), 0, "allocations in {} weeks", last + 1);
}
