//! Reading changed rows again: the rows of a layer whose watched column is one of the keys
//! a notification carried, with one parameterized query (`= ANY($1)`).

use deadpool_postgres::Object;

use super::decode::{decode, Decoded, Interner};
use super::plan::{LayerPlan, Watch};
use super::{describe, PgError};

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
    rows.iter()
        .map(|r| decode(plan, r, &mut strings).map_err(|m| PgError::layer(&plan.name, m)))
        .collect()
}
