//! Customers served, counted from a snapshot: one customer per meter, grouped by the meters'
//! feeder and substation attributes (or, without a meter layer, the transformers'
//! `customer_count`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::index::Snapshot;
use crate::topology::{int_attr, TopologySchema};

use super::kpi::CustomerBase;

/// One feeder's customers: the input of the synthetic outage history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FeederCustomers {
    pub feeder_id: i64,
    pub substation_id: i64,
    pub customers: u64,
}

impl CustomerBase {
    /// Totals from per-feeder counts.
    pub fn from_feeders(feeders: &[FeederCustomers]) -> CustomerBase {
        let mut base = CustomerBase::default();
        for f in feeders {
            base.total += f.customers;
            *base.by_feeder.entry(f.feeder_id).or_default() += f.customers;
            *base.by_substation.entry(f.substation_id).or_default() += f.customers;
        }
        base
    }
}

/// Customers per feeder (sorted by feeder id), with the feeder's substation (the one most
/// of its customers name). Features without a feeder id are not counted.
pub fn feeder_customers(snapshot: &Snapshot, schema: &TopologySchema) -> Vec<FeederCustomers> {
    let (layer, per_feature) = match snapshot.layer(&schema.meters_layer) {
        Some(l) => (Some(l), None),
        None => (
            snapshot.layer(&schema.transformers_layer),
            Some(schema.customer_count.as_str()),
        ),
    };
    let Some(layer) = layer else {
        return Vec::new();
    };
    let field = |name: &str| layer.fields.iter().position(|f| f.name == name);
    let feeder_f = field(&schema.feeder_id);
    let sub_f = field(&schema.substation_id);
    let count_f = per_feature.and_then(field);
    // feeder → (customers, substation → customers)
    let mut acc: BTreeMap<i64, (u64, BTreeMap<i64, u64>)> = BTreeMap::new();
    for f in &layer.features {
        let Some(feeder) = int_attr(f, feeder_f) else {
            continue;
        };
        let n = match per_feature {
            None => 1,
            Some(_) => int_attr(f, count_f).unwrap_or(0).max(0) as u64,
        };
        let entry = acc.entry(feeder).or_default();
        entry.0 += n;
        if let Some(s) = int_attr(f, sub_f) {
            *entry.1.entry(s).or_default() += n;
        }
    }
    acc.into_iter()
        .map(|(feeder_id, (customers, subs))| FeederCustomers {
            feeder_id,
            substation_id: subs
                .iter()
                .max_by_key(|(&s, &n)| (n, std::cmp::Reverse(s)))
                .map_or(-1, |(&s, _)| s),
            customers,
        })
        .collect()
}

/// Customers served in total and per feeder and substation.
pub fn customer_base(snapshot: &Snapshot, schema: &TopologySchema) -> CustomerBase {
    CustomerBase::from_feeders(&feeder_customers(snapshot, schema))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::fixture;

    #[test]
    fn counts_meters_per_feeder_and_substation() {
        let snap = fixture::snapshot(&[fixture::TS]);
        let schema = TopologySchema::default();
        let feeders = feeder_customers(&snap, &schema);
        // The fixture's meters carry no substation id: substation -1.
        assert_eq!(
            feeders,
            vec![
                FeederCustomers {
                    feeder_id: fixture::FEEDER_A,
                    substation_id: -1,
                    customers: 6
                },
                FeederCustomers {
                    feeder_id: fixture::FEEDER_B,
                    substation_id: -1,
                    customers: 4
                },
            ]
        );
        let base = customer_base(&snap, &schema);
        assert_eq!(base.total, 10);
        assert_eq!(base.by_feeder[&fixture::FEEDER_B], 4);
    }

    #[test]
    fn falls_back_to_transformer_customer_counts() {
        let snap = fixture::snapshot(&[fixture::TS]);
        let schema = TopologySchema {
            meters_layer: "none".into(),
            ..TopologySchema::default()
        };
        let base = customer_base(&snap, &schema);
        // Transformer customer_count: A 2+1+3, B 2+1+1.
        assert_eq!(base.total, 10);
        assert_eq!(base.by_feeder[&fixture::FEEDER_A], 6);
    }
}
