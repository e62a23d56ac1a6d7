//! What the live store tells its readers: the change events and the state of the data source.
//!
//! Every incremental update published through [`super::Store::publish_update`] produces one
//! [`ChangeEvent`] on a `tokio::sync::broadcast` channel ([`super::Store::subscribe_changes`]). It is built for a browser map fed by
//! server-sent events:
//! - `changes`: per asset, the layer, id, kind and every attribute after the change, so the
//!   map can restyle a feature (`feature-state`) without reloading tiles (capped at
//!   [`MAX_EVENT_CHANGES`], `changes_incomplete` set beyond);
//! - `geometry_changed` per asset and `invalidated_tiles` (`"z/x/y"`, capped at
//!   [`MAX_EVENT_TILES`]): the tiles whose content changed, to refetch exactly those; when
//!   `tiles_incomplete` is true the list is partial (a huge change, or a zoom in
//!   `collapsed_zooms` where every tile changed) and the client should reload the source;
//! - `version`: the snapshot version (also in TileJSON `version` and tile ETags).
//!
//! A receiver that falls behind by more than the channel capacity gets `Lagged` and should
//! reload everything; events are `Arc`-shared, so subscribers cost no copies.

use serde::{Serialize, Serializer};

use crate::address::TileCoord;
use crate::index::{AssetChange, Invalidation};

/// Capacity of the change channel (events buffered per slow subscriber).
pub const CHANNEL_CAPACITY: usize = 1024;

/// At most this many tiles are listed in one event.
pub const MAX_EVENT_TILES: usize = 2000;

/// At most this many asset changes are listed in one event (a resynchronization after a long
/// outage can find far more).
pub const MAX_EVENT_CHANGES: usize = 10_000;

/// One published update.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ChangeEvent {
    /// The snapshot version now served.
    pub version: u64,
    /// The changed assets (at most [`MAX_EVENT_CHANGES`]).
    pub changes: Vec<AssetChange>,
    /// True when more assets changed than `changes` lists: reload rather than patch.
    pub changes_incomplete: bool,
    /// Tiles whose content changed, as `"z/x/y"`, sorted by zoom.
    #[serde(serialize_with = "tile_strings")]
    #[schema(value_type = Vec<String>)]
    pub invalidated_tiles: Vec<TileCoord>,
    /// True when `invalidated_tiles` is not the complete list.
    pub tiles_incomplete: bool,
    /// Zooms at which every tile of some layer changed.
    pub collapsed_zooms: Vec<u8>,
    /// True when the event comes from a full resynchronization with the source (after a
    /// reconnect): it is complete, but may be large.
    pub resync: bool,
}

impl ChangeEvent {
    /// The event for snapshot `version` with these changes and invalidation.
    pub fn new(
        version: u64,
        mut changes: Vec<AssetChange>,
        invalidation: &Invalidation,
        resync: bool,
    ) -> ChangeEvent {
        let (invalidated_tiles, tiles_incomplete) = invalidation.tile_list(MAX_EVENT_TILES);
        let changes_incomplete = changes.len() > MAX_EVENT_CHANGES;
        changes.truncate(MAX_EVENT_CHANGES);
        ChangeEvent {
            version,
            changes,
            changes_incomplete,
            invalidated_tiles,
            tiles_incomplete,
            collapsed_zooms: invalidation.collapsed_zooms(),
            resync,
        }
    }
}

fn tile_strings<S: Serializer>(tiles: &[TileCoord], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(tiles.iter().map(|t| t.to_string()))
}

/// Whether the source is in sync.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SourceState {
    /// Loaded, and (for a live source) listening for changes.
    Ok,
    /// Serving the last snapshot, but not receiving changes (see `reason`).
    Degraded,
}

/// The kinds of data source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// The built-in demo grid.
    Demo,
    /// FlatGeobuf and GeoJSON files (`data.dir`).
    Files,
    /// PostgreSQL/PostGIS tables, followed live.
    Postgres,
}

/// The data source as `/api/health` reports it.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SourceStatus {
    /// `demo`, `files` or `postgres`.
    pub kind: SourceKind,
    pub state: SourceState,
    /// Why the source is degraded (never contains credentials).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub reason: Option<String>,
    /// Snapshot version of the last change applied from the source (0: none yet).
    pub last_change_version: u64,
}

impl SourceStatus {
    /// A healthy source of this kind.
    pub fn ok(kind: SourceKind) -> SourceStatus {
        SourceStatus {
            kind,
            state: SourceState::Ok,
            reason: None,
            last_change_version: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_serialize_tiles_as_paths() {
        let mut inv = Invalidation::new(1, 16);
        let t = TileCoord {
            z: 14,
            x: 3851,
            y: 6772,
        };
        let b = t.world_bounds();
        let c = [(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0];
        inv.layers[0].add_box(14, [c[0], c[1], c[0], c[1]], 0.0);
        let e = ChangeEvent::new(3, Vec::new(), &inv, false);
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["invalidated_tiles"][0], "14/3851/6772");
        assert_eq!(json["version"], 3);
        assert_eq!(json["tiles_incomplete"], false);
        let s = serde_json::to_value(SourceStatus::ok(SourceKind::Demo)).unwrap();
        assert_eq!(
            s,
            serde_json::json!({"kind": "demo", "state": "ok", "last_change_version": 0})
        );
    }
}
