//! Operating state: a few faults cleared by reclosers, a few load transfers through tie
//! switches, and the energization trace that derives every asset's status from them.
//!
//! Fault: on a few feeders the first recloser is open (locked out) and one span downstream
//! of it is faulted; everything downstream is de-energized. Transfer: a sectionalizer is
//! opened upstream of a tie switch and the tie is closed, so the section between them is fed
//! from the neighbouring feeder and stays energized. Both leave switches in an abnormal state.

use rand::Rng;

use super::devices::Switch;
use super::feeders::Section;
use super::network::{Network, Node};
use super::rng::{shuffle, DemoRng};
use crate::topology::DeviceKind;

/// Energization of every pole and span, and the faulted spans.
#[derive(Debug)]
pub struct Energy {
    /// Per pole.
    pub pole: Vec<bool>,
    /// Per span (feeder spans, then tie spans).
    pub span: Vec<bool>,
    /// Per span: the faulted span of a locked-out recloser.
    pub fault: Vec<bool>,
}

/// A locked-out recloser and the faulted span below it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lockout {
    /// Index of the open recloser in the switch list.
    pub switch: usize,
    /// The faulted span.
    pub span: u32,
}

/// Applies `faults` recloser lockouts and `transfers` load transfers; returns the lockouts.
pub fn scenarios(
    rng: &mut DemoRng,
    net: &Network,
    switches: &mut Vec<Switch>,
    faults: usize,
    transfers: usize,
) -> Vec<Lockout> {
    let n_feeders = net.feeder_spans.len();
    let mut busy = vec![false; n_feeders];
    let mut reclosers: Vec<usize> = (0..switches.len())
        .filter(|&i| switches[i].kind == DeviceKind::Recloser && switches[i].name.ends_with("R1"))
        .collect();
    let mut faulted = Vec::new();
    shuffle(rng, &mut reclosers);
    for i in reclosers {
        if faulted.len() >= faults {
            break;
        }
        let Node::Pole(p) = switches[i].node else {
            continue;
        };
        let below = net.subtree(p);
        // A lockout worth showing: some neighbourhood streets (with customers) go dark.
        let lateral = |&&i: &&u32| {
            let span = &net.spans[i as usize];
            span.section == Section::Lateral && net.poles[span.to as usize].frontage.is_some()
        };
        if below.len() < 20 || below.iter().filter(lateral).count() < 12 {
            continue;
        }
        let depth = rng.random_range(0..below.len().min(12));
        switches[i].open = true;
        busy[switches[i].feeder as usize] = true;
        faulted.push(Lockout {
            switch: i,
            span: below[depth],
        });
    }
    let mut ties: Vec<usize> = (0..switches.len())
        .filter(|&i| switches[i].kind == DeviceKind::TieSwitch)
        .collect();
    let mut done = 0;
    shuffle(rng, &mut ties);
    for i in ties {
        if done >= transfers {
            break;
        }
        let (Node::Pole(u), Some((g, _))) = (switches[i].node, switches[i].tie) else {
            continue;
        };
        let f = switches[i].feeder;
        if busy[f as usize] || busy[g as usize] {
            continue;
        }
        // Path from the tie point up to the substation; open an in-line pole about halfway,
        // so that everything it cuts off is picked up through the tie.
        let mut path = vec![u];
        while let Node::Pole(p) = net.parent(*path.last().unwrap_or(&u)) {
            path.push(p);
        }
        if path.len() < 6 {
            continue;
        }
        let at = rng.random_range(path.len() * 2 / 5..path.len() * 7 / 10);
        let Some(&p) = path[at..path.len() - 1]
            .iter()
            .find(|&&p| net.children(p).len() == 1 && !has_device(switches, p))
        else {
            continue;
        };
        let name = format!("{} S2", switches[i].name.split('/').next().unwrap_or("SW"));
        switches.push(Switch {
            feeder: f,
            node: Node::Pole(p),
            kind: DeviceKind::Sectionalizer,
            normal_open: false,
            open: true,
            tie: None,
            pos: net.poles[p as usize].pos,
            name,
        });
        switches[i].open = false;
        busy[f as usize] = true;
        busy[g as usize] = true;
        done += 1;
    }
    faulted
}

fn has_device(switches: &[Switch], p: u32) -> bool {
    switches.iter().any(|s| s.node == Node::Pole(p))
}

/// Traces energization from every substation through closed devices.
pub fn trace(net: &Network, switches: &[Switch], faulted: &[u32], n_subs: usize) -> Energy {
    let n = net.poles.len();
    let mut cut = vec![false; net.spans.len()];
    for s in switches.iter().filter(|s| s.open) {
        match (s.kind, s.tie) {
            (DeviceKind::TieSwitch, Some((_, span))) => cut[span as usize] = true,
            _ => {
                let spans: Vec<u32> = match s.node {
                    Node::Pole(p) => net.children(p).to_vec(),
                    Node::Substation(_) => {
                        let (a, b) = net.feeder_spans[s.feeder as usize];
                        (a..b)
                            .filter(|&i| matches!(net.spans[i as usize].from, Node::Substation(_)))
                            .collect()
                    }
                };
                for i in spans {
                    cut[i as usize] = true;
                }
            }
        }
    }
    // Spans attached to each node at their upstream end / at their downstream end.
    let mut ties_into: Vec<(u32, u32)> = (n..net.spans.len())
        .map(|i| (net.spans[i].to, i as u32))
        .collect();
    ties_into.sort_unstable();
    let mut ties_out: Vec<(u32, u32)> = (n..net.spans.len())
        .filter_map(|i| match net.spans[i].from {
            Node::Pole(p) => Some((p, i as u32)),
            Node::Substation(_) => None,
        })
        .collect();
    ties_out.sort_unstable();
    let mut sub_out: Vec<Vec<u32>> = vec![Vec::new(); n_subs];
    for (i, s) in net.spans[..n].iter().enumerate() {
        if let Node::Substation(k) = s.from {
            sub_out[k as usize].push(i as u32);
        }
    }
    let mut pole = vec![false; n];
    let mut span = vec![false; net.spans.len()];
    let mut queue: Vec<Node> = (0..n_subs as u32).map(Node::Substation).collect();
    while let Some(node) = queue.pop() {
        let down: Vec<u32> = match node {
            Node::Substation(k) => sub_out[k as usize].clone(),
            Node::Pole(p) => {
                let mut v = net.children(p).to_vec();
                v.extend(range_of(&ties_out, p));
                v
            }
        };
        for i in down {
            if !cut[i as usize] {
                span[i as usize] = true;
                visit(net.spans[i as usize].to, &mut pole, &mut queue);
            }
        }
        if let Node::Pole(p) = node {
            let mut up: Vec<u32> = vec![p];
            up.extend(range_of(&ties_into, p));
            for i in up {
                span[i as usize] = true;
                if let (false, Node::Pole(q)) = (cut[i as usize], net.spans[i as usize].from) {
                    visit(q, &mut pole, &mut queue);
                }
            }
        }
    }
    let mut fault = vec![false; net.spans.len()];
    for &i in faulted {
        fault[i as usize] = true;
    }
    Energy { pole, span, fault }
}

fn visit(node: u32, pole: &mut [bool], queue: &mut Vec<Node>) {
    if !pole[node as usize] {
        pole[node as usize] = true;
        queue.push(Node::Pole(node));
    }
}

fn range_of(sorted: &[(u32, u32)], key: u32) -> impl Iterator<Item = u32> + '_ {
    let a = sorted.partition_point(|e| e.0 < key);
    sorted[a..]
        .iter()
        .take_while(move |e| e.0 == key)
        .map(|e| e.1)
}

/// Whether a switch is energized: its node is, or (tie switches) the far end is.
pub fn switch_energized(e: &Energy, net: &Network, s: &Switch) -> bool {
    match s.node {
        Node::Substation(_) => true,
        Node::Pole(p) => {
            e.pole[p as usize]
                || s.tie
                    .is_some_and(|(_, span)| e.pole[net.spans[span as usize].to as usize])
        }
    }
}
