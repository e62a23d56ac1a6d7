//! [`Chunked`]: a vector stored as shared chunks, so a copy that changes one element copies
//! one chunk, not the vector.
//!
//! A layer's features live in one of these: a snapshot update clones the chunk list (one
//! pointer per [`CHUNK`] elements) and then only the chunks it writes to (`Arc::make_mut`),
//! while every other chunk stays shared with the previous snapshot. Reads are a shift and a
//! mask away from a plain vector's (`v[i]` is `chunks[i / CHUNK][i % CHUNK]`), so the tile
//! engine's random access by feature index stays O(1). Every chunk but the last is full.
//!
//! Why not `imbl::Vector` (an RRB tree, the well-kept persistent vector): its random access
//! walks ~4 tree levels at a million elements, and the tile engine reads features by index
//! from R-tree hits; the operations the index needs here (replace, push, read) fit a flat
//! two-level layout.

use std::fmt;
use std::ops::Index;
use std::sync::Arc;

/// Elements per chunk (a power of two).
pub const CHUNK: usize = 1 << CHUNK_BITS;
const CHUNK_BITS: u32 = 10;

/// A vector of shared chunks (see the module docs). Cloning copies the chunk pointers only.
#[derive(Clone)]
pub struct Chunked<T> {
    chunks: Vec<Arc<Vec<T>>>,
    len: usize,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Chunked<T> {
    /// An empty vector.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there is no element.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The element at `i`, if any.
    pub fn get(&self, i: usize) -> Option<&T> {
        if i >= self.len {
            return None;
        }
        self.chunks[i >> CHUNK_BITS].get(i & (CHUNK - 1))
    }

    /// The elements in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + Clone + '_ {
        self.chunks.iter().flat_map(|c| c.iter())
    }

    /// The first element, if any.
    pub fn first(&self) -> Option<&T> {
        self.get(0)
    }

    /// The chunks in order (every one full but the last).
    pub fn chunks(&self) -> impl ExactSizeIterator<Item = &[T]> + '_ {
        self.chunks.iter().map(|c| c.as_slice())
    }

    /// True when `self` and `other` share the chunk holding element `i` (so that element is
    /// the same in both without comparing it).
    pub fn shares_chunk(&self, other: &Chunked<T>, i: usize) -> bool {
        match (
            self.chunks.get(i >> CHUNK_BITS),
            other.chunks.get(i >> CHUNK_BITS),
        ) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl<T: Clone> Chunked<T> {
    /// Replaces the element at `i` (copying its chunk when another vector shares it).
    ///
    /// # Panics
    /// When `i` is out of range, as slice indexing does.
    pub fn set(&mut self, i: usize, value: T) {
        assert!(
            i < self.len,
            "index {i} out of range for length {}",
            self.len
        );
        Arc::make_mut(&mut self.chunks[i >> CHUNK_BITS])[i & (CHUNK - 1)] = value;
    }

    /// Appends `value` (copying the last chunk when another vector shares it).
    pub fn push(&mut self, value: T) {
        match self.chunks.last_mut() {
            Some(last) if last.len() < CHUNK => Arc::make_mut(last).push(value),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(value);
                self.chunks.push(Arc::new(chunk));
            }
        }
        self.len += 1;
    }
}

impl<T> FromIterator<T> for Chunked<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut chunks = Vec::new();
        let mut len = 0;
        let mut iter = iter.into_iter();
        loop {
            let chunk: Vec<T> = iter.by_ref().take(CHUNK).collect();
            if chunk.is_empty() {
                break;
            }
            len += chunk.len();
            let full = chunk.len() == CHUNK;
            chunks.push(Arc::new(chunk));
            if !full {
                break;
            }
        }
        Chunked { chunks, len }
    }
}

impl<T> From<Vec<T>> for Chunked<T> {
    fn from(v: Vec<T>) -> Self {
        v.into_iter().collect()
    }
}

impl<T> Index<usize> for Chunked<T> {
    type Output = T;

    fn index(&self, i: usize) -> &T {
        match self.get(i) {
            Some(v) => v,
            None => panic!("index {i} out of range for length {}", self.len),
        }
    }
}

impl<'a, T> IntoIterator for &'a Chunked<T> {
    type Item = &'a T;
    type IntoIter = std::iter::FlatMap<
        std::slice::Iter<'a, Arc<Vec<T>>>,
        std::slice::Iter<'a, T>,
        fn(&'a Arc<Vec<T>>) -> std::slice::Iter<'a, T>,
    >;

    fn into_iter(self) -> Self::IntoIter {
        let chunk: fn(&'a Arc<Vec<T>>) -> std::slice::Iter<'a, T> = |c| c.iter();
        self.chunks.iter().flat_map(chunk)
    }
}

impl<T: PartialEq> PartialEq for Chunked<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl<T: fmt::Debug> fmt::Debug for Chunked<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_like_a_vector_across_chunk_boundaries() {
        let n = 2 * CHUNK + 5;
        let v: Chunked<usize> = (0..n).collect();
        assert_eq!(v.len(), n);
        assert_eq!(v.chunks().len(), 3);
        assert!(v.iter().copied().eq(0..n));
        assert_eq!(v[CHUNK], CHUNK);
        assert_eq!(v.get(n), None);
        assert_eq!((&v).into_iter().next_back(), Some(&(n - 1)));
        let empty: Chunked<usize> = Vec::new().into();
        assert!(empty.is_empty() && empty.first().is_none());
    }

    #[test]
    fn a_write_copies_one_chunk_and_leaves_the_original_alone() {
        let old: Chunked<usize> = (0..3 * CHUNK).collect();
        let mut new = old.clone();
        new.set(CHUNK + 1, 7);
        assert_eq!((old[CHUNK + 1], new[CHUNK + 1]), (CHUNK + 1, 7));
        assert!(new.shares_chunk(&old, 0) && new.shares_chunk(&old, 2 * CHUNK));
        assert!(!new.shares_chunk(&old, CHUNK));
        new.push(1);
        new.push(2);
        assert_eq!(new.len(), 3 * CHUNK + 2);
        assert_eq!(new.chunks().len(), 4);
        assert_eq!(old.len(), 3 * CHUNK);
        let mut filled: Chunked<usize> = Chunked::new();
        (0..CHUNK + 1).for_each(|i| filled.push(i));
        assert_eq!(filled, (0..CHUNK + 1).collect::<Chunked<_>>());
    }
}
