//! The lists sleeping lives are filed in, so that a week finds its own without
//! visiting anyone else.
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
    /// Each item's neighbours and list, side by side so that filing or
    /// removing an item touches one cache line of it.
    links: Vec<Link>,
}

/// Where an item stands: its neighbours and its list, all [`NONE`] when it is in none.
#[derive(Debug, Clone, Copy)]
struct Link {
    prev: u32,
    next: u32,
    owner: u32,
}

const UNLINKED: Link = Link { prev: NONE, next: NONE, owner: NONE };

/// Bytes a [`Lists`] holds per item.
pub const BYTES_PER_ITEM: usize = std::mem::size_of::<Link>();

impl Lists {
    /// `lists` empty lists over `items` items, in the allocations of `self`.
    pub fn reset(mut self, lists: usize, items: usize) -> Self {
        self.head.clear();
        self.head.resize(lists, NONE);
        self.links.clear();
        self.links.resize(items, UNLINKED);
        self
    }

    /// Bytes held by the lists' allocations.
    #[cfg(test)]
    pub fn bytes(&self) -> usize {
        self.head.capacity() * std::mem::size_of::<u32>() + self.links.capacity() * BYTES_PER_ITEM
    }

    /// Files `item`, in no list, at the front of `list`.
    #[inline]
    pub fn push(&mut self, list: usize, item: u32) {
        debug_assert_eq!(self.links[item as usize].owner, NONE, "an item is in one list at a time");
        let old = self.head[list];
        if old != NONE {
            self.links[old as usize].prev = item;
        }
        self.links[item as usize] = Link { prev: NONE, next: old, owner: list as u32 };
        self.head[list] = item;
    }

    /// Takes `item` out of its list, if it is in one.
    #[inline]
    pub fn remove(&mut self, item: u32) {
        let Link { prev, next, owner } = self.links[item as usize];
        if owner == NONE {
            return;
        }
        if prev == NONE {
            self.head[owner as usize] = next;
        } else {
            self.links[prev as usize].next = next;
        }
        if next != NONE {
            self.links[next as usize].prev = prev;
        }
        self.links[item as usize] = UNLINKED;
    }

    /// Takes the first item of `list`, if any (for tests: the engine walks a
    /// list with [`Lists::first`] and [`Lists::next`]).
    #[cfg(test)]
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
        self.links[item as usize].next
    }

    /// The list `item` is in, or [`NONE`].
    #[inline]
    pub fn list_of(&self, item: u32) -> u32 {
        self.links[item as usize].owner
    }

    /// Starts loading `item`'s place in the lists (see [`super::prefetch`]);
    /// an `item` out of range asks for an address nothing reads.
    #[inline]
    pub fn prefetch(&self, item: u32) {
        super::prefetch::one_line(self.links.as_ptr().wrapping_add(item as usize));
    }

    /// Whether `list` is empty (for tests: a walk from [`Lists::first`] finds out as cheaply).
    #[cfg(test)]
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

    /// A walk with `first` and `next` visits a list newest first, and
    /// `list_of` names each item's list (re-rating re-files a sleeper only
    /// when its list is not the week it now falls in).
    #[test]
    fn walks_visit_a_list_and_items_know_their_list() {
        let mut l = Lists::default().reset(3, 6);
        for i in 0..5 {
            l.push(i as usize % 2, i);
        }
        let walk = |l: &Lists, list: usize| {
            std::iter::successors(Some(l.first(list)).filter(|&i| i != NONE), |&i| {
                Some(l.next(i)).filter(|&n| n != NONE)
            })
            .take(10) // a broken walk fails, not loops
            .collect::<Vec<_>>()
        };
        assert_eq!(walk(&l, 0), [4, 2, 0]);
        assert_eq!(walk(&l, 1), [3, 1]);
        assert!(walk(&l, 2).is_empty());
        assert_eq!([0, 1, 2, 3, 4, 5].map(|i| l.list_of(i)), [0, 1, 0, 1, 0, NONE]);
        l.remove(2);
        l.remove(1);
        l.push(2, 1);
        assert_eq!((walk(&l, 0), walk(&l, 1), walk(&l, 2)), (vec![4, 0], vec![3], vec![1]));
        assert_eq!([l.list_of(2), l.list_of(1)], [NONE, 2]);
    }
}
