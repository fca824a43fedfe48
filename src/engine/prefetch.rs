//! Asking the processor for a life's cache lines before the life is visited.
//!
//! Lives and their sleeper records are visited in an order set by events, so
//! each visit starts with a cache miss on lines that are megabytes apart.
//! The loops that visit them know the next life in advance and ask for its
//! lines while the current one is worked on. A prefetch is only a hint: it
//! changes no value and no result.

/// Starts loading the cache line holding `*x` and the next one, into every
/// cache level. `x` is only an address: it is never read, so callers index
/// with `wrapping_add` instead of a bounds-checked look-up.
#[inline(always)]
pub fn two_lines<T>(x: *const T) {
    line(x.cast::<i8>());
    line(x.cast::<i8>().wrapping_add(64));
}

/// Starts loading the cache line holding `*x`, into every cache level (see
/// [`two_lines`]).
#[inline(always)]
pub fn one_line<T>(x: *const T) {
    line(x.cast::<i8>());
}

#[inline(always)]
#[allow(unsafe_code, reason = "the crate's one unsafe call: a prefetch hint, see the SAFETY note")]
fn line(p: *const i8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch reads nothing the program sees and never faults,
    // whatever the address; SSE, which provides it, is part of every x86-64
    // processor.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}
