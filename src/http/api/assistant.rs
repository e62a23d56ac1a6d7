//! `GET /api/assistant?q=TEXT`: a plain-English question parsed deterministically
//! ([`crate::analytics::assistant`]) into Grid API calls, answered as a table, the ids to
//! highlight on the map and the calls it made (in process, through [`super::internal`]);
//! a question it cannot parse gets suggestions.

use axum::extract::{Query, State};
use axum::Json;
use serde::Serialize;
use serde_json::{json, Value as Json_};

use super::internal::{encode, get_json};
use super::kpi::now;
use super::params;
use super::search::{index, query_text};
use crate::analytics::assistant::{parse, period_bounds, Intent, KpiMetric, Place, SUGGESTIONS};
use crate::analytics::search::Kind;
use crate::analytics::time::{rfc3339_utc, HOUSTON_UTC_OFFSET_S};
use crate::http::{ApiError, AppState};

/// Rows one answer carries at most.
pub const MAX_ROWS: usize = 200;
/// Ids one highlight carries at most.
pub const MAX_HIGHLIGHT: usize = 5_000;

/// An answer table.
#[derive(Serialize, Default, utoipa::ToSchema)]
pub struct Table {
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<Json_>>,
}

/// What to highlight on the map.
#[derive(Serialize, Default, utoipa::ToSchema)]
pub struct Highlight {
    pub ids: Vec<u64>,
    /// `[min_lon, min_lat, max_lon, max_lat]` around the highlighted features.
    pub bbox: Option<[f64; 4]>,
}

/// The `/api/assistant` response.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AssistantDoc {
    pub question: String,
    pub understood: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub intent: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub answer: Option<Table>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub highlight: Option<Highlight>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub calls: Option<Vec<String>>,
    /// A remark about the answer (e.g. nothing matched the name).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub suggestions: Option<Vec<&'static str>>,
}

/// An answer under construction.
#[derive(Default)]
struct Answer {
    table: Table,
    highlight: Highlight,
    calls: Vec<String>,
    note: Option<String>,
}

impl Answer {
    async fn call(&mut self, state: &AppState, uri: String) -> Result<Json_, ApiError> {
        self.calls.push(uri.clone());
        Ok(get_json(state, &uri).await?)
    }

    fn columns(&mut self, columns: &[&'static str]) {
        self.table.columns = columns.to_vec();
    }

    fn row(&mut self, row: Vec<Json_>) {
        if self.table.rows.len() < MAX_ROWS {
            self.table.rows.push(row);
        }
    }

    /// Highlights `id` at `lon`/`lat` (grows the box).
    fn mark(&mut self, id: u64, lon: Option<f64>, lat: Option<f64>) {
        if self.highlight.ids.len() < MAX_HIGHLIGHT {
            self.highlight.ids.push(id);
        }
        if let (Some(x), Some(y)) = (lon, lat) {
            let b = self.highlight.bbox.get_or_insert([x, y, x, y]);
            *b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
        }
    }
}

/// A substation named or numbered in a question: its id, name, lon/lat.
async fn substation(
    state: &AppState,
    place: &Place,
) -> Result<Option<(u64, String, f64, f64)>, ApiError> {
    let state = state.clone();
    let place = place.clone();
    tokio::task::spawn_blocking(move || {
        let snapshot = state.snapshot_arc();
        let index = index(&state, &snapshot);
        let hit = match &place {
            Place::Id(id) => index
                .search(&snapshot, &id.to_string(), 5)
                .results
                .into_iter()
                .find(|h| h.kind == Kind::Substation),
            Place::Name(name) => index
                .by_name(Kind::Substation, name)
                .first()
                .map(|h| (*h).clone()),
        };
        hit.map(|h| (h.id, h.label, h.lon, h.lat))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("assistant task failed: {e}")))
}

fn place_text(p: &Place) -> String {
    match p {
        Place::Id(id) => id.to_string(),
        Place::Name(n) => n.clone(),
    }
}

/// Great-circle distance in km.
fn km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, la2) = (a.1.to_radians(), b.1.to_radians());
    let (dla, dlo) = (la2 - la1, (b.0 - a.0).to_radians());
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    6371.0088 * 2.0 * h.sqrt().asin()
}

fn point(f: &Json_) -> (Option<f64>, Option<f64>) {
    let c = &f["geometry"]["coordinates"];
    (c[0].as_f64(), c[1].as_f64())
}

/// Runs `intent`.
async fn answer(state: &AppState, intent: &Intent) -> Result<Answer, ApiError> {
    let mut a = Answer::default();
    match intent {
        Intent::Outages {
            feeder,
            substation: place,
        } => {
            let mut uri = "/ogc/collections/outages/items?limit=1000".to_string();
            if let Some(f) = feeder {
                uri.push_str(&format!("&feeder_id={f}"));
            }
            if let Some(p) = place {
                match substation(state, p).await? {
                    Some((id, _, _, _)) => uri.push_str(&format!("&substation_id={id}")),
                    None => {
                        a.note = Some(format!("no substation matches {:?}", place_text(p)));
                        return Ok(a);
                    }
                }
            }
            let j = a.call(state, uri).await?;
            a.columns(&[
                "id",
                "feeder_id",
                "substation_id",
                "cause",
                "customers_out",
                "status",
                "start_time",
            ]);
            for f in j["features"].as_array().into_iter().flatten() {
                let p = &f["properties"];
                let id = f["id"].as_u64().unwrap_or(0);
                a.row(vec![
                    json!(id),
                    p["feeder_id"].clone(),
                    p["substation_id"].clone(),
                    p["cause"].clone(),
                    p["customers_out"].clone(),
                    p["status"].clone(),
                    p["start_time"].clone(),
                ]);
                let (x, y) = point(f);
                a.mark(id, x, y);
            }
        }
        Intent::TransformerLoading {
            min_pct,
            substation: place,
            feeder,
        } => {
            let mut uri =
                format!("/api/ami/transformers/loading?min_pct={min_pct}&limit={MAX_ROWS}");
            if let Some(f) = feeder {
                uri.push_str(&format!("&feeder={f}"));
            }
            if let Some(p) = place {
                match substation(state, p).await? {
                    Some((id, _, _, _)) => uri.push_str(&format!("&substation={id}")),
                    None => {
                        a.note = Some(format!("no substation matches {:?}", place_text(p)));
                        return Ok(a);
                    }
                }
            }
            let j = a.call(state, uri).await?;
            a.columns(&[
                "id",
                "feeder_id",
                "substation_id",
                "kva",
                "peak_kw",
                "peak_time",
                "loading_pct",
            ]);
            for t in j["transformers"].as_array().into_iter().flatten() {
                let id = t["id"].as_u64().unwrap_or(0);
                a.row(
                    [
                        "id",
                        "feeder_id",
                        "substation_id",
                        "kva",
                        "peak_kw",
                        "peak_time",
                        "loading_pct",
                    ]
                    .iter()
                    .map(|k| t[*k].clone())
                    .collect(),
                );
                a.mark(id, None, None);
            }
        }
        Intent::CustomersOut => {
            let j = a.call(state, "/api/kpi".into()).await?;
            a.columns(&["measure", "value"]);
            a.row(vec![
                json!("customers out now"),
                j["customers_out_now"].clone(),
            ]);
            a.row(vec![
                json!("outages in progress"),
                j["active_outages"].clone(),
            ]);
        }
        Intent::Crews { status, near } => {
            let uri = match status {
                Some(s) => format!("/api/crews?status={s}"),
                None => "/api/crews".to_string(),
            };
            let from = match near {
                Some(p) => match substation(state, p).await? {
                    Some((_, name, lon, lat)) => Some((name, lon, lat)),
                    None => {
                        a.note = Some(format!("no substation matches {:?}", place_text(p)));
                        return Ok(a);
                    }
                },
                None => None,
            };
            let j = a.call(state, uri).await?;
            let mut crews: Vec<(f64, &Json_)> = j["crews"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| {
                    let here = (
                        c["lon"].as_f64().unwrap_or(0.0),
                        c["lat"].as_f64().unwrap_or(0.0),
                    );
                    (
                        from.as_ref()
                            .map_or(0.0, |(_, lon, lat)| km((*lon, *lat), here)),
                        c,
                    )
                })
                .collect();
            crews.sort_by(|x, y| x.0.total_cmp(&y.0));
            a.columns(&["id", "name", "status", "substation_name", "distance_km"]);
            for (d, c) in crews {
                let id = c["id"].as_u64().unwrap_or(0);
                let dist = from.is_some().then(|| (d * 100.0).round() / 100.0);
                a.row(vec![
                    json!(id),
                    c["name"].clone(),
                    c["status"].clone(),
                    c["substation_name"].clone(),
                    json!(dist),
                ]);
                a.mark(id, c["lon"].as_f64(), c["lat"].as_f64());
            }
            if let Some((name, _, _)) = from {
                a.note = Some(format!("sorted by distance from {name}"));
            }
        }
        Intent::Asset(id) => {
            let j = a.call(state, format!("/api/assets/{id}")).await?;
            a.columns(&["attribute", "value"]);
            a.row(vec![json!("layer"), j["layer"].clone()]);
            a.row(vec![json!("feeder"), j["feeder"]["name"].clone()]);
            a.row(vec![json!("substation"), j["substation"]["name"].clone()]);
            for (k, v) in j["properties"].as_object().into_iter().flatten() {
                a.row(vec![json!(k), v.clone()]);
            }
            let (x, y) = point(&j);
            a.mark(*id, x, y);
        }
        Intent::Trace { id, direction } => {
            let j = a
                .call(state, format!("/api/trace/{id}?direction={direction}"))
                .await?;
            a.columns(&["layer", "assets"]);
            let ids = j["ids"]
                .as_object()
                .or_else(|| j["de_energized"].as_object());
            for (layer, list) in ids.into_iter().flatten() {
                let list = list.as_array().map(Vec::as_slice).unwrap_or_default();
                a.row(vec![json!(layer), json!(list.len())]);
                for i in list.iter().filter_map(Json_::as_u64) {
                    a.mark(i, None, None);
                }
            }
            a.row(vec![json!("customers"), j["customer_count"].clone()]);
        }
        Intent::Kpi { metric, period } => {
            let (from, to) = period_bounds(*period, now(), HOUSTON_UTC_OFFSET_S);
            let uri = format!(
                "/api/kpi?from={}&to={}",
                encode(&rfc3339_utc(from)),
                encode(&rfc3339_utc(to))
            );
            let j = a.call(state, uri).await?;
            let ix = &j["indices"];
            a.columns(&["index", "value", "from", "to"]);
            let wanted: &[(&str, &str)] = match metric {
                KpiMetric::Saidi => &[("SAIDI (min)", "saidi_min")],
                KpiMetric::Saifi => &[("SAIFI", "saifi")],
                KpiMetric::Caidi => &[("CAIDI (min)", "caidi_min")],
                KpiMetric::All => &[
                    ("SAIDI (min)", "saidi_min"),
                    ("SAIFI", "saifi"),
                    ("CAIDI (min)", "caidi_min"),
                    ("MAIFI", "maifi"),
                    ("ASAI", "asai"),
                ],
            };
            for (label, key) in wanted {
                a.row(vec![
                    json!(label),
                    ix[*key].clone(),
                    j["from"].clone(),
                    j["to"].clone(),
                ]);
            }
        }
        Intent::WorstPoles { max_health } => {
            let mut uri = "/api/assets/worst?layer=poles&limit=50".to_string();
            if let Some(m) = max_health {
                uri.push_str(&format!("&max_health={m}"));
            }
            let j = a.call(state, uri).await?;
            a.columns(&[
                "id",
                "feeder_id",
                "health_score",
                "material",
                "install_year",
            ]);
            for p in j["assets"].as_array().into_iter().flatten() {
                let id = p["id"].as_u64().unwrap_or(0);
                a.row(
                    [
                        "id",
                        "feeder_id",
                        "health_score",
                        "material",
                        "install_year",
                    ]
                    .iter()
                    .map(|k| p[*k].clone())
                    .collect(),
                );
                a.mark(id, p["lon"].as_f64(), p["lat"].as_f64());
            }
        }
        Intent::Search(text) => {
            let j = a
                .call(state, format!("/api/search?q={}", encode(text)))
                .await?;
            a.columns(&["kind", "id", "label", "layer"]);
            for h in j["results"].as_array().into_iter().flatten() {
                let id = h["id"].as_u64().unwrap_or(0);
                a.row(vec![
                    h["kind"].clone(),
                    json!(id),
                    h["label"].clone(),
                    h["layer"].clone(),
                ]);
                a.mark(id, h["lon"].as_f64(), h["lat"].as_f64());
            }
        }
    }
    Ok(a)
}

/// Answers `question` (the assistant's whole job; also the MCP server's).
pub async fn ask(state: &AppState, question: String) -> Result<AssistantDoc, ApiError> {
    let Some(intent) = parse(&question) else {
        return Ok(AssistantDoc {
            question,
            understood: false,
            intent: None,
            answer: None,
            highlight: None,
            calls: None,
            note: None,
            suggestions: Some(SUGGESTIONS.to_vec()),
        });
    };
    let a = answer(state, &intent).await?;
    Ok(AssistantDoc {
        question,
        understood: true,
        intent: Some(intent.name()),
        answer: Some(a.table),
        highlight: Some(a.highlight),
        calls: Some(a.calls),
        note: a.note,
        suggestions: None,
    })
}

/// A plain-English operations question (outages on a feeder or at a substation,
/// transformers over N% load, customers out, crews near a substation, an asset, a trace,
/// SAIDI/SAIFI/CAIDI over a period, worst poles, find) answered deterministically through
/// Grid API calls.
#[utoipa::path(get, path = "/api/assistant", tag = "assistant",
    params(("q" = String, Query, min_length = 1, max_length = 200, description = "the question")),
    responses(
        (status = 200, description = "understood: question, understood, intent, answer, highlight, calls, note; not understood: question, understood false, suggestions", body = AssistantDoc),
        (status = 400, description = "missing, blank or too long q, or a bad id in the question", body = crate::http::error::ErrorBody),
        (status = 404, description = "the question names an asset or feeder that does not exist", body = crate::http::error::ErrorBody),
    ))]
pub async fn assistant(
    State(state): State<AppState>,
    Query(q): Query<params::Query>,
) -> Result<Json<AssistantDoc>, ApiError> {
    let question = query_text(&q)?;
    ask(&state, question).await.map(Json)
}
