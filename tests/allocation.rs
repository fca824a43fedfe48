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
    let model = common::model("allocation.ron");
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
