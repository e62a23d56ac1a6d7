//! Reading changed rows again: the rows of a layer whose watched column is one of the keys
//! a notification carried, with one parameterized query (`= ANY($1)`). Rows that cannot be
//! decoded are reported and left out (the asset disappears from the map until fixed).

use deadpool_postgres::Object;

use crate::source::postgres::decode::{decode, Decoded, Interner};
use crate::source::postgres::plan::{LayerPlan, Watch};
use crate::source::postgres::{describe, PgError};

/// Keys of changed rows, typed like the matched column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Keys {
    Int(Vec<i64>),
    Text(Vec<String>),
}

impl Keys {
    /// Number of keys.
    pub fn len(&self) -> usize {
        match self {
            Keys::Int(v) => v.len(),
            Keys::Text(v) => v.len(),
        }
    }

    /// True if there is no key.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The current rows of `plan` matching `keys` on `watch`'s column.
pub async fn reread(
    client: &Object,
    plan: &LayerPlan,
    watch: &Watch,
    keys: &Keys,
) -> Result<Vec<Decoded>, PgError> {
    let sql = plan.select_matching(&watch.column, matches!(keys, Keys::Int(_)));
    let stmt = client
        .prepare_cached(&sql)
        .await
        .map_err(|e| PgError::layer(&plan.name, describe(&e)))?;
    let rows = match keys {
        Keys::Int(v) => client.query(&stmt, &[v]).await,
        Keys::Text(v) => client.query(&stmt, &[v]).await,
    }
    .map_err(|e| PgError::layer(&plan.name, describe(&e)))?;
    let mut strings = Interner::default();
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        match decode(plan, r, &mut strings) {
            Ok(d) => out.push(d),
            // A bad row must not stop the live updates: it is not shown (as a row without
            // geometry), and reported.
            Err(reason) => tracing::warn!(layer = %plan.name, %reason, "invalid row not shown"),
        }
    }
    Ok(out)
}
