//! `GET /ogc` (the landing page) and `GET /ogc/conformance` (the conformance classes this
//! server implements, and only those).

use axum::extract::{Request, State};
use axum::response::Response;

use super::docs::{Conformance, LandingPage};
use super::links::{Base, Link, JSON, OPENAPI};
use super::{check_format, rel};
use crate::http::{ApiError, AppState};

/// The conformance classes implemented: OGC API - Common and Features Part 1 (core, GeoJSON)
/// and OGC API - Tiles Part 1 (core, tile set metadata, tile set lists for the dataset and per
/// collection, MVT), with the WebMercatorQuad tile matrix set of the TMS standard 2.0. Every
/// `/ogc` route is in `/api/openapi.json`, but that document is OpenAPI 3.1, so the OpenAPI
/// 3.0 classes (`oas30`) are not claimed.
pub const CONFORMANCE: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/landing-page",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/json",
    "http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/collections",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/dataset-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset",
    "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset",
];

/// The OGC API landing page: links to the API definition, conformance, collections and tiles.
#[utoipa::path(get, path = "/ogc", tag = "ogc",
    params(("f" = Option<super::JsonFormat>, Query, description = "output format")),
    responses(
        (status = 200, description = "the landing page", body = LandingPage),
        (status = 400, description = "bad or repeated f, or an invalid Host / X-Forwarded-Proto", body = crate::http::error::ErrorBody),
    ))]
pub async fn landing(State(state): State<AppState>, req: Request) -> Result<Response, ApiError> {
    check_format(req.uri(), &["json"])?;
    let base = Base::of(&state, &req)?;
    let links = [
        Link::new(base.ogc(""), "self", JSON, "This document"),
        Link::new(
            base.url("/api/openapi.json"),
            "service-desc",
            OPENAPI,
            "The API definition (OpenAPI 3.1)",
        ),
        Link::new(
            base.ogc("/conformance"),
            "conformance",
            JSON,
            "Conformance classes implemented by this server",
        ),
        Link::new(
            base.ogc("/collections"),
            "data",
            JSON,
            "The feature collections: one per layer",
        ),
        Link::new(
            base.ogc("/tiles"),
            rel::TILESETS_VECTOR,
            JSON,
            "Vector tile sets of every layer",
        ),
        Link::new(
            base.ogc("/tileMatrixSets"),
            rel::TILING_SCHEMES,
            JSON,
            "Tile matrix sets (tiling schemes)",
        ),
    ];
    let body = LandingPage {
        title: state.settings().name.clone(),
        description: "The distribution grid as OGC API - Features collections (GeoJSON, WGS84) \
                      and OGC API - Tiles vector tiles (MVT, WebMercatorQuad). Each layer is \
                      also downloadable as FlatGeobuf at /data/{layer}.fgb.",
        links: links.to_vec(),
    };
    Ok(base.respond(&body, JSON))
}

/// The OGC API conformance classes this server implements.
#[utoipa::path(get, path = "/ogc/conformance", tag = "ogc",
    params(("f" = Option<super::JsonFormat>, Query, description = "output format")),
    responses(
        (status = 200, description = "conformsTo", body = Conformance),
        (status = 400, description = "bad or repeated f, or an invalid Host / X-Forwarded-Proto", body = crate::http::error::ErrorBody),
    ))]
pub async fn conformance(
    State(state): State<AppState>,
    req: Request,
) -> Result<Response, ApiError> {
    check_format(req.uri(), &["json"])?;
    let base = Base::of(&state, &req)?;
    let body = Conformance {
        conforms_to: CONFORMANCE,
        links: vec![Link::new(
            base.ogc("/conformance"),
            "self",
            JSON,
            "This document",
        )],
    };
    Ok(base.respond(&body, JSON))
}
