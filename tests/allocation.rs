//! The weekly step allocates nothing: a counting allocator around every week
//! of a replicate with queues, ghosts, Navigators and week-0 clients.
#![allow(unsafe_code)]

mod common;

use rctsim::rng::Keyed;
use rctsim::trial;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
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
    COUNTING.store(true, Ordering::SeqCst);
    for t in 0..=last {
        world.week(t);
    }
    COUNTING.store(false, Ordering::SeqCst);
    assert_eq!(ALLOCATIONS.load(Ordering::SeqCst), 0, "allocations in {} weeks", last + 1);
}
