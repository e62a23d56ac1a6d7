//! Orientation and feeders of a network derived from geometry: a breadth-first search from
//! the substations over the span pieces gives each piece its direction (away from the
//! source), its feeder and its substation. A normally open switch's node is reached but not
//! passed: the pieces beyond it are oriented away from it, so the switch (which cuts the
//! spans leaving its node, `topology`'s switch rule) is the open point between two feeders.
//! What only open switches reach is searched last, from those switches.

use std::collections::VecDeque;

/// A span piece between two nodes, as found.
#[derive(Clone, Copy, Debug)]
pub(super) struct Piece {
    pub a: u32,
    pub b: u32,
    /// The feature id of the span it is part of (a feeder's id is its first span's).
    pub span_id: u64,
    /// The feeder the data gives the span, if any.
    pub feeder: Option<i64>,
}

/// A piece oriented away from its source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Oriented {
    pub from: u32,
    pub to: u32,
    pub feeder: Option<i64>,
    pub substation: Option<u64>,
}

/// What feeds a node.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Feed {
    pub feeder: Option<i64>,
    pub substation: Option<u64>,
    /// Reached from a substation without passing an open switch.
    pub energized: bool,
}

/// Orients `pieces` over `nodes` nodes. `source[n]` is the substation at node `n`;
/// `stop[n]` marks a normally open switch's node.
pub(super) fn orient(
    nodes: usize,
    pieces: &[Piece],
    source: &[Option<u64>],
    stop: &[bool],
) -> (Vec<Oriented>, Vec<Feed>) {
    let mut adj = vec![Vec::new(); nodes];
    for (e, p) in pieces.iter().enumerate() {
        adj[p.a as usize].push(e as u32);
        if p.b != p.a {
            adj[p.b as usize].push(e as u32);
        }
    }
    let mut feed = vec![Feed::default(); nodes];
    let mut depth = vec![u32::MAX; nodes];
    let mut out: Vec<Option<Oriented>> = vec![None; pieces.len()];
    let mut queue = VecDeque::new();
    for (n, s) in source.iter().enumerate() {
        if let Some(id) = s {
            depth[n] = 0;
            feed[n].substation = Some(*id);
            queue.push_back(n as u32);
        }
    }
    search(
        &mut queue,
        &adj,
        pieces,
        source,
        Some(stop),
        &mut depth,
        &mut feed,
        &mut out,
    );
    for (f, d) in feed.iter_mut().zip(&depth) {
        f.energized = *d != u32::MAX;
    }
    // What lies only beyond open switches (a feeder whose own head is missing) belongs to the
    // feeder of the switch it is reached over: oriented away from the switch, so it is in the
    // network and de-energized while the switch is open.
    queue.extend((0..nodes as u32).filter(|&n| stop[n as usize] && depth[n as usize] != u32::MAX));
    search(
        &mut queue, &adj, pieces, source, None, &mut depth, &mut feed, &mut out,
    );
    let oriented = pieces
        .iter()
        .zip(out)
        .map(|(p, o)| o.unwrap_or_else(|| close(p, &depth, stop, &feed)))
        .collect();
    (oriented, feed)
}

/// Breadth-first search from `queue` over pieces not oriented yet, into nodes not reached
/// yet; `stop` nodes (when given) are reached but not passed.
#[allow(clippy::too_many_arguments)]
fn search(
    queue: &mut VecDeque<u32>,
    adj: &[Vec<u32>],
    pieces: &[Piece],
    source: &[Option<u64>],
    stop: Option<&[bool]>,
    depth: &mut [u32],
    feed: &mut [Feed],
    out: &mut [Option<Oriented>],
) {
    while let Some(u) = queue.pop_front() {
        let is_source = source[u as usize].is_some();
        if stop.is_some_and(|s| s[u as usize]) && !is_source {
            continue;
        }
        for &e in &adj[u as usize] {
            let p = pieces[e as usize];
            let v = if p.a == u { p.b } else { p.a };
            if out[e as usize].is_some() || depth[v as usize] != u32::MAX {
                continue;
            }
            let feeder = p.feeder.or(if is_source {
                Some(p.span_id as i64)
            } else {
                feed[u as usize].feeder
            });
            let substation = feed[u as usize].substation;
            depth[v as usize] = depth[u as usize] + 1;
            feed[v as usize] = Feed {
                feeder,
                substation,
                energized: false,
            };
            out[e as usize] = Some(Oriented {
                from: u,
                to: v,
                feeder,
                substation,
            });
            queue.push_back(v);
        }
    }
}

/// A piece the search did not cross: away from a stop node, else from the shallower end.
fn close(p: &Piece, depth: &[u32], stop: &[bool], feed: &[Feed]) -> Oriented {
    let (a, b) = (p.a as usize, p.b as usize);
    let a_first = match (stop[a], stop[b]) {
        (true, false) => true,
        (false, true) => false,
        _ => depth[a] <= depth[b],
    };
    let (from, to) = if a_first { (p.a, p.b) } else { (p.b, p.a) };
    let near = if depth[from as usize] != u32::MAX {
        feed[from as usize]
    } else {
        feed[to as usize]
    };
    Oriented {
        from,
        to,
        feeder: p.feeder.or(near.feeder),
        substation: near.substation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(a: u32, b: u32, span_id: u64) -> Piece {
        Piece {
            a,
            b,
            span_id,
            feeder: None,
        }
    }

    #[test]
    fn two_feeders_meet_at_an_open_point_and_an_island_stays_unfed() {
        // S1(0) -1- 1 -2- 2(open) -3- 3 -4- S2(4); island 5 -5- 6; 7 only beyond the
        // open switch at 2 (-6-).
        let pieces = [
            piece(1, 0, 1),
            piece(1, 2, 2),
            piece(3, 2, 3),
            piece(4, 3, 4),
            piece(5, 6, 5),
            piece(7, 2, 6),
        ];
        let source = [Some(100), None, None, None, Some(200), None, None, None];
        let stop = [false, false, true, false, false, false, false, false];
        let (o, feed) = orient(8, &pieces, &source, &stop);
        let ends: Vec<_> = o.iter().map(|x| (x.from, x.to, x.feeder)).collect();
        assert_eq!(
            ends,
            vec![
                (0, 1, Some(1)),
                (1, 2, Some(1)),
                // Beyond the open point: leaves it, on the feeder of the node it leaves.
                (2, 3, Some(1)),
                (4, 3, Some(4)),
                (5, 6, None),
                // Reached over the open switch only: leaves it, on its feeder.
                (2, 7, Some(1)),
            ]
        );
        assert_eq!(feed[3].substation, Some(200));
        assert_eq!(feed[2].substation, Some(100));
        assert!(feed[2].energized, "the open switch's own node is fed");
        assert!(
            !feed[7].energized && feed[7].feeder == Some(1),
            "beyond it is not"
        );
        assert_eq!(feed[6], Feed::default());
    }
}
