//! Which tables refresh a layer, and whether they carry the gridtiles triggers.

use deadpool_postgres::Object;

use crate::model::FieldType;

use super::config::{PgConfig, PgLayerConfig, WatchConfig};
use super::plan::{LayerPlan, Watch};
use super::{describe, qualified, quote_ident};

/// The watches of a layer: the configured ones, or a table layer's own table keyed by id.
pub fn watches(
    cfg: &PgConfig,
    layer: &PgLayerConfig,
    plan: &LayerPlan,
    id: &str,
    table: Option<&(String, String)>,
) -> Result<Vec<Watch>, String> {
    let list: Vec<WatchConfig> = match (&layer.watch, table) {
        (Some(list), _) => list.clone(),
        (None, Some((schema, t))) => vec![WatchConfig {
            table: t.clone(),
            schema: Some(schema.clone()),
            key: id.to_owned(),
            column: None,
        }],
        (None, None) => Vec::new(),
    };
    list.into_iter()
        .map(|w| {
            let column = w.column.clone().unwrap_or_else(|| id.to_owned());
            let (field, numeric) = if column == id {
                (None, true)
            } else {
                let i = plan
                    .fields
                    .iter()
                    .position(|f| f.name == column)
                    .ok_or_else(|| {
                        format!(
                            "watch of {}: column {column:?} must be the id column or one of \
                             the layer's attribute columns",
                            w.table
                        )
                    })?;
                (Some(i), plan.fields[i].kind == FieldType::Int)
            };
            Ok(Watch {
                schema: w.schema.clone().unwrap_or_else(|| cfg.schema.clone()),
                table: w.table,
                key: w.key,
                field,
                column: quote_ident(&column),
                numeric,
            })
        })
        .collect()
}

/// Watched tables without the gridtiles triggers (their changes are not seen live), as
/// `schema.table`.
pub async fn missing_triggers(client: &Object, plans: &[LayerPlan]) -> Result<Vec<String>, String> {
    let mut missing = Vec::new();
    for w in plans.iter().flat_map(|p| &p.watches) {
        let name = qualified(&w.schema, &w.table);
        let row = client
            .query_one(
                "SELECT count(*) FROM pg_trigger \
                 WHERE tgrelid = to_regclass($1) AND tgname LIKE 'gridtiles\\_%'",
                &[&name],
            )
            .await
            .map_err(|e| describe(&e))?;
        let label = format!("{}.{}", w.schema, w.table);
        if row.get::<_, i64>(0) < 4 && !missing.contains(&label) {
            missing.push(label);
        }
    }
    Ok(missing)
}
