//! Hilbert ordering of index leaves, with each key computed once.
//!
//! `flatgeobuf::packed_r_tree::hilbert_sort` recomputes both Hilbert values in every
//! comparison (about 220 ms for 150K points in a release build); this computes the same keys
//! once per node and sorts stably in the same (descending) order, so the output is
//! byte-identical to the reference writer's.

use std::cmp::Reverse;

use flatgeobuf::packed_r_tree::NodeItem;

/// Cells per axis - 1 (16 bits per coordinate, as in FlatGeobuf).
const HILBERT_MAX: u32 = (1 << 16) - 1;

/// Sorts `nodes` by descending Hilbert value of their centers within `extent`; equal values
/// keep their input order.
pub(super) fn sort(nodes: &mut [NodeItem], extent: &NodeItem) {
    nodes.sort_by_cached_key(|n| Reverse(key(n, extent)));
}

/// The Hilbert value of a node's center, scaled to the extent (same arithmetic as FlatGeobuf,
/// including the saturating float-to-int casts for degenerate extents).
fn key(n: &NodeItem, extent: &NodeItem) -> u32 {
    let max = f64::from(HILBERT_MAX);
    let x = (max * ((n.min_x + n.max_x) / 2.0 - extent.min_x) / extent.width()).floor() as u32;
    let y = (max * ((n.min_y + n.max_y) / 2.0 - extent.min_y) / extent.height()).floor() as u32;
    hilbert(x, y)
}

/// Position of cell (x, y) along a 2^16 x 2^16 Hilbert curve: the branch-free algorithm of
/// <https://github.com/rawrunprotected/hilbert_curves> (public domain), as used by FlatGeobuf.
fn hilbert(x: u32, y: u32) -> u32 {
    let mut a = x ^ y;
    let mut b = 0xFFFF ^ a;
    let mut c = 0xFFFF ^ (x | y);
    let mut d = x & (y ^ 0xFFFF);

    let mut aa = a | (b >> 1);
    let mut bb = (a >> 1) ^ a;
    let mut cc = ((c >> 1) ^ (b & (d >> 1))) ^ c;
    let mut dd = ((a & (c >> 1)) ^ (d >> 1)) ^ d;

    (a, b, c, d) = (aa, bb, cc, dd);
    aa = (a & (a >> 2)) ^ (b & (b >> 2));
    bb = (a & (b >> 2)) ^ (b & ((a ^ b) >> 2));
    cc ^= (a & (c >> 2)) ^ (b & (d >> 2));
    dd ^= (b & (c >> 2)) ^ ((a ^ b) & (d >> 2));

    (a, b, c, d) = (aa, bb, cc, dd);
    aa = (a & (a >> 4)) ^ (b & (b >> 4));
    bb = (a & (b >> 4)) ^ (b & ((a ^ b) >> 4));
    cc ^= (a & (c >> 4)) ^ (b & (d >> 4));
    dd ^= (b & (c >> 4)) ^ ((a ^ b) & (d >> 4));

    (a, b, c, d) = (aa, bb, cc, dd);
    cc ^= (a & (c >> 8)) ^ (b & (d >> 8));
    dd ^= (b & (c >> 8)) ^ ((a ^ b) & (d >> 8));

    a = cc ^ (cc >> 1);
    b = dd ^ (dd >> 1);

    let i0 = interleave(x ^ y);
    let i1 = interleave(b | (0xFFFF ^ ((x ^ y) | a)));
    (i1 << 1) | i0
}

/// Spreads the low 16 bits of `v` to the even bit positions.
fn interleave(mut v: u32) -> u32 {
    v = (v | (v << 8)) & 0x00FF_00FF;
    v = (v | (v << 4)) & 0x0F0F_0F0F;
    v = (v | (v << 2)) & 0x3333_3333;
    (v | (v << 1)) & 0x5555_5555
}

#[cfg(test)]
mod tests {
    use super::*;
    use flatgeobuf::packed_r_tree::{calc_extent, hilbert_sort};

    fn nodes(n: u64, seed: u64) -> Vec<NodeItem> {
        let mut s = seed;
        let mut next = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s % 10_000) as f64 / 100.0
        };
        (0..n)
            .map(|i| {
                let (x, y) = (next(), next() / 2.0);
                // Some duplicates, to check that ties keep their order.
                let w = if i % 5 == 0 { 0.0 } else { next() / 50.0 };
                NodeItem {
                    min_x: x,
                    min_y: y,
                    max_x: x + w,
                    max_y: y + w,
                    offset: i,
                }
            })
            .collect()
    }

    #[test]
    fn same_order_as_flatgeobuf() {
        for (n, seed) in [(1, 3), (2, 5), (500, 7), (5000, 11)] {
            let mut ours = nodes(n, seed);
            let extent = calc_extent(&ours);
            let mut theirs = ours.clone();
            sort(&mut ours, &extent);
            hilbert_sort(&mut theirs, &extent);
            let a: Vec<u64> = ours.iter().map(|n| n.offset).collect();
            let b: Vec<u64> = theirs.iter().map(|n| n.offset).collect();
            assert_eq!(a, b, "{n} nodes");
        }
        // A degenerate extent (a single point) must not panic and keeps the input order.
        let mut same = vec![NodeItem::bounds(1.0, 1.0, 1.0, 1.0); 3];
        for (i, n) in same.iter_mut().enumerate() {
            n.offset = i as u64;
        }
        let extent = calc_extent(&same);
        sort(&mut same, &extent);
        assert_eq!(same.iter().map(|n| n.offset).collect::<Vec<_>>(), [0, 1, 2]);
    }
}
