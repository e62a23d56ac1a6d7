//! The pole-level network: feeder trees split into pole-to-pole spans.
//!
//! Every street segment of a feeder tree becomes one to several spans of 32–78 m with a new
//! pole at each span end, so pole `i` is always the downstream end (`to`) of span `i`, and a
//! feeder's spans are contiguous and listed parent-first. Tie spans between feeders are
//! appended after all feeder spans and add no poles.

use super::feeders::{Section, TreeEdge};
use super::geom::{span_count, V2};
use super::streets::StreetGraph;
use super::substations::Substation;

/// A network node: a substation (its bus) or a pole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Node {
    Substation(u32),
    Pole(u32),
}

/// One pole-to-pole span.
#[derive(Clone, Copy, Debug)]
pub struct Span {
    /// Owning feeder.
    pub feeder: u32,
    /// Upstream end.
    pub from: Node,
    /// Downstream pole.
    pub to: u32,
    /// Trunk, lateral or tie.
    pub section: Section,
    /// Phase bits (A = 1, B = 2, C = 4).
    pub phase: u8,
    /// First span of a lateral branch (fused).
    pub tap: bool,
}

/// Where a mid-block pole stands on its street: unit direction of the street and the
/// distances back and ahead to the street's intersections.
#[derive(Clone, Copy, Debug)]
pub struct Frontage {
    /// Unit direction of the street (downstream).
    pub dir: V2,
    /// Distance back to the upstream intersection.
    pub back: f64,
    /// Distance ahead to the downstream intersection.
    pub ahead: f64,
}

/// A pole.
#[derive(Clone, Copy, Debug)]
pub struct Pole {
    /// Location in the local frame.
    pub pos: V2,
    /// Its street frontage if it stands mid-block (`None` at intersections and on getaways).
    pub frontage: Option<Frontage>,
}

/// Poles, spans and downstream adjacency of the whole grid.
#[derive(Debug, Default)]
pub struct Network {
    /// Poles; pole `i` is the `to` end of span `i`.
    pub poles: Vec<Pole>,
    /// Feeder spans (one per pole) followed by tie spans.
    pub spans: Vec<Span>,
    /// Span range `[start, end)` of each feeder (tie spans excluded).
    pub feeder_spans: Vec<(u32, u32)>,
    /// Trunk poles of each feeder from the substation outward.
    pub trunk_poles: Vec<Vec<u32>>,
    child_start: Vec<u32>,
    child_spans: Vec<u32>,
}

impl Network {
    /// The feeder spans leaving pole `p` downstream (tie spans excluded).
    pub fn children(&self, p: u32) -> &[u32] {
        &self.child_spans
            [self.child_start[p as usize] as usize..self.child_start[p as usize + 1] as usize]
    }

    /// Every feeder span downstream of pole `p`, in tree order.
    pub fn subtree(&self, p: u32) -> Vec<u32> {
        let mut out: Vec<u32> = self.children(p).to_vec();
        let mut i = 0;
        while i < out.len() {
            let to = self.spans[out[i] as usize].to;
            out.extend_from_slice(self.children(to));
            i += 1;
        }
        out
    }

    /// The upstream node of pole `p`.
    pub fn parent(&self, p: u32) -> Node {
        self.spans[p as usize].from
    }
}

/// Splits the feeder trees into poles and spans.
pub fn build(
    streets: &StreetGraph,
    subs: &[Substation],
    feeder_subs: &[u32],
    trees: &[Vec<TreeEdge>],
) -> Network {
    let mut net = Network::default();
    let mut street_pole = vec![u32::MAX; streets.node_count()];
    let mut ties = Vec::new();
    for (f, tree) in trees.iter().enumerate() {
        let first = net.spans.len() as u32;
        let sub = feeder_subs[f];
        let mut trunk = Vec::new();
        for e in tree {
            let (mut prev, a) = match e.from {
                Some(n) => (Node::Pole(street_pole[n as usize]), streets.pos(n)),
                None => (Node::Substation(sub), subs[sub as usize].pos),
            };
            let b = streets.pos(e.to);
            let len = a.dist(b);
            let n = span_count(len);
            let dir = (b - a).unit();
            // A tie segment is built out as lateral up to its last span, the tie span.
            let (poles_to_add, section) = match e.section {
                Section::Tie => (n - 1, Section::Lateral),
                s => (n, s),
            };
            for k in 1..=poles_to_add {
                let idx = net.poles.len() as u32;
                let t = k as f64 / n as f64;
                let frontage = (k < n && e.from.is_some()).then_some(Frontage {
                    dir,
                    back: len * t,
                    ahead: len * (1.0 - t),
                });
                net.poles.push(Pole {
                    pos: if k == n { b } else { a.lerp(b, t) },
                    frontage,
                });
                net.spans.push(Span {
                    feeder: f as u32,
                    from: prev,
                    to: idx,
                    section,
                    phase: e.phase,
                    tap: e.tap && k == 1,
                });
                if section == Section::Trunk {
                    trunk.push(idx);
                }
                prev = Node::Pole(idx);
            }
            match (e.section, prev) {
                (Section::Tie, Node::Pole(p)) => ties.push((f as u32, p, e.to, e.phase)),
                (_, Node::Pole(p)) => street_pole[e.to as usize] = p,
                _ => {}
            }
        }
        net.feeder_spans.push((first, net.spans.len() as u32));
        net.trunk_poles.push(trunk);
    }
    for (f, from, to, phase) in ties {
        net.add_tie(f, from, street_pole[to as usize], phase);
    }
    net.index_children();
    net
}

impl Network {
    /// Appends a tie span; returns its index.
    pub fn add_tie(&mut self, feeder: u32, from: u32, to: u32, phase: u8) -> u32 {
        self.spans.push(Span {
            feeder,
            from: Node::Pole(from),
            to,
            section: Section::Tie,
            phase,
            tap: false,
        });
        (self.spans.len() - 1) as u32
    }

    fn index_children(&mut self) {
        let n = self.poles.len();
        let mut start = vec![0u32; n + 1];
        for s in &self.spans[..n] {
            if let Node::Pole(p) = s.from {
                start[p as usize + 1] += 1;
            }
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut spans = vec![0u32; start[n] as usize];
        for (i, s) in self.spans[..n].iter().enumerate() {
            if let Node::Pole(p) = s.from {
                spans[fill[p as usize] as usize] = i as u32;
                fill[p as usize] += 1;
            }
        }
        self.child_start = start;
        self.child_spans = spans;
    }
}
