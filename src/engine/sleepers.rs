//! Sleeping lives, filed so that a week finds its own without visiting anyone else.
//!
//! A life asleep is in at most one list of each [`Lists`]: by the week it
//! wakes, and by the case manager whose caseload its rates depend on. Lists
//! are intrusive and doubly linked over life indices, so filing, waking early
//! and taking a whole list cost O(1) per life and allocate nothing.

use super::life::NONE;

/// Disjoint doubly linked lists over items `0..items`.
#[derive(Debug, Clone, Default)]
pub struct Lists {
    head: Vec<u32>,
    prev: Vec<u32>,
    next: Vec<u32>,
    /// The list an item is in, or [`NONE`].
    owner: Vec<u32>,
}

impl Lists {
    /// `lists` empty lists over `items` items, in the allocations of `self`.
    pub fn reset(mut self, lists: usize, items: usize) -> Self {
        for (v, n) in [(&mut self.head, lists), (&mut self.prev, items), (&mut self.next, items), (&mut self.owner, items)]
        {
            v.clear();
            v.resize(n, NONE);
        }
        self
    }

    /// Files `item`, in no list, at the front of `list`.
    #[inline]
    pub fn push(&mut self, list: usize, item: u32) {
        debug_assert_eq!(self.owner[item as usize], NONE, "an item is in one list at a time");
        let old = self.head[list];
        if old != NONE {
            self.prev[old as usize] = item;
        }
        let i = item as usize;
        (self.prev[i], self.next[i], self.owner[i]) = (NONE, old, list as u32);
        self.head[list] = item;
    }

    /// Takes `item` out of its list, if it is in one.
    #[inline]
    pub fn remove(&mut self, item: u32) {
        let i = item as usize;
        let list = self.owner[i];
        if list == NONE {
            return;
        }
        let (p, n) = (self.prev[i], self.next[i]);
        if p == NONE {
            self.head[list as usize] = n;
        } else {
            self.next[p as usize] = n;
        }
        if n != NONE {
            self.prev[n as usize] = p;
        }
        (self.prev[i], self.next[i], self.owner[i]) = (NONE, NONE, NONE);
    }

    /// Takes the first item of `list`, if any.
    #[inline]
    pub fn pop(&mut self, list: usize) -> Option<u32> {
        let item = *self.head.get(list)?;
        if item == NONE {
            return None;
        }
        self.remove(item);
        Some(item)
    }

    /// The first item of `list`, or [`NONE`]: with [`Lists::next`], a walk
    /// over a list during which the item at hand may leave it.
    #[inline]
    pub fn first(&self, list: usize) -> u32 {
        self.head[list]
    }

    /// The item after `item` in its list, or [`NONE`].
    #[inline]
    pub fn next(&self, item: u32) -> u32 {
        self.next[item as usize]
    }

    /// Whether `list` is empty.
    #[inline]
    pub fn is_empty(&self, list: usize) -> bool {
        self.head.get(list).is_none_or(|&h| h == NONE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(l: &mut Lists, list: usize) -> Vec<u32> {
        std::iter::from_fn(|| l.pop(list)).collect()
    }

    #[test]
    fn items_move_between_lists_and_leave_from_anywhere() {
        let mut l = Lists::default().reset(3, 6);
        for i in 0..5 {
            l.push(i as usize % 2, i);
        }
        l.remove(2); // middle of list 0: 4, 2, 0
        l.remove(3); // head of list 1: 3, 1
        l.remove(3); // not in a list: nothing
        l.push(2, 3);
        assert_eq!(drain(&mut l, 0), vec![4, 0]);
        assert_eq!(drain(&mut l, 1), vec![1]);
        assert!(!l.is_empty(2));
        assert_eq!(drain(&mut l, 2), vec![3]);
        assert!(l.is_empty(0) && l.is_empty(2) && l.is_empty(99));
        l.push(0, 2);
        assert_eq!(l.pop(0), Some(2));
    }
}
