use super::*;
use serde_json::json;

fn ids(style: &Value) -> Vec<&str> {
    style["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect()
}

fn st(o: &str, v: &str) -> Value {
    json!([o, ["get", "status"], v])
}

#[test]
fn a_case_colour_splits_into_one_layer_per_branch_with_related_values_decided() {
    let fault = st("==", "fault");
    let mut style = json!({"layers": [
        {"id": "bg", "type": "background", "paint": {"background-color": "#000"}},
        {"id": "f", "type": "line", "source": "g", "source-layer": "feeders",
         "paint": {
            "line-color": ["case", fault, "#E00", st("==", "off"), "#888",
                ["match", ["to-string", ["get", "kv"]], "24.9", "#0FF", "#0AF"]],
            "line-width": ["interpolate", ["linear"], ["zoom"], 5, ["*", 0.5, ["case", fault, 2, 1]], 16, 4],
            "line-opacity": ["case", st("==", "off"), 0.75, 1]
         }}
    ]});
    assert_eq!(split_layers(&mut style), 3);
    assert_eq!(ids(&style), ["bg", "f/0", "f/1", "f/2", "f/3"]);
    let layers = style["layers"].as_array().unwrap();
    assert_eq!(layers[1]["filter"], fault);
    assert_eq!(
        layers[1]["paint"],
        json!({"line-color": "#E00", "line-opacity": 1,
            "line-width": ["interpolate", ["linear"], ["zoom"], 5, 1.0, 16, 4]})
    );
    assert_eq!(
        layers[2]["filter"],
        st("==", "off"),
        "status != fault is implied by status == off"
    );
    assert_eq!(layers[2]["paint"]["line-opacity"], 0.75);
    assert_eq!(layers[2]["paint"]["line-width"][4], 0.5);
    let kv = json!([
        "any",
        ["==", ["get", "kv"], "24.9"],
        ["==", ["get", "kv"], 24.9]
    ]);
    assert_eq!(
        layers[3]["filter"],
        json!(["all", st("!=", "fault"), st("!=", "off"), kv])
    );
    assert_eq!(layers[3]["paint"]["line-color"], "#0FF");
    assert_eq!(
        layers[4]["filter"],
        json!([
            "all",
            st("!=", "fault"),
            st("!=", "off"),
            ["!=", ["get", "kv"], "24.9"],
            ["!=", ["get", "kv"], 24.9]
        ])
    );
    assert_eq!(layers[4]["paint"]["line-color"], "#0AF");
    assert!(!style.to_string().contains("case"));
}

#[test]
fn steps_icons_and_coalesced_labels_split_and_filters_are_made_plain() {
    let mut style = json!({"layers": [
        {"id": "p", "type": "circle", "source": "g", "source-layer": "poles",
         "filter": ["!", ["in", ["get", "t"], ["literal", ["a", "b"]]]],
         "paint": {"circle-color": ["step", ["to-number", ["get", "h"], 100], "red", 40, "yellow", 70, "green"]}},
        {"id": "s", "type": "symbol", "source": "g", "source-layer": "switches",
         "layout": {"icon-image": ["match", ["get", "k"], ["fuse", "breaker"], "fuse", "switch"]},
         "paint": {"icon-opacity": ["case", ["==", ["get", "k"], "fuse"], 0, 1]}},
        {"id": "l", "type": "symbol", "source": "g", "source-layer": "feeders",
         "layout": {"text-field": ["to-string", ["coalesce", ["get", "name"], ["get", "id"]]]}}
    ]});
    split_layers(&mut style);
    assert_eq!(
        ids(&style),
        ["p/0", "p/1", "p/2", "s/0", "s/1", "l/0", "l/1"]
    );
    let l = style["layers"].as_array().unwrap();
    let not_ab = json!(["all", ["!=", ["get", "t"], "a"], ["!=", ["get", "t"], "b"]]);
    assert_eq!(
        l[0]["filter"],
        json!(["all", not_ab[1], not_ab[2], ["<", ["get", "h"], 40.0]])
    );
    assert_eq!(l[0]["paint"]["circle-color"], "red");
    assert_eq!(
        l[1]["filter"],
        json!([
            "all",
            not_ab[1],
            not_ab[2],
            [">=", ["get", "h"], 40.0],
            ["<", ["get", "h"], 70.0]
        ])
    );
    assert_eq!(l[2]["paint"]["circle-color"], "green");
    // The fuse branch is drawn with opacity 0 and is dropped; breakers stay.
    let k = |o: &str, v: &str| json!([o, ["get", "k"], v]);
    assert_eq!(l[3]["filter"], k("==", "breaker"));
    assert_eq!(l[3]["layout"]["icon-image"], "fuse");
    assert_eq!(l[3]["paint"]["icon-opacity"], 1);
    assert_eq!(
        l[4]["filter"],
        json!(["all", k("!=", "fuse"), k("!=", "breaker")])
    );
    assert_eq!(l[4]["layout"]["icon-image"], "switch");
    assert_eq!(l[5]["filter"], json!(["has", "name"]));
    assert_eq!(l[5]["layout"]["text-field"], json!(["get", "name"]));
    assert_eq!(
        l[6]["filter"],
        json!(["all", ["!", ["has", "name"]], ["has", "id"]])
    );
    assert_eq!(l[6]["layout"]["text-field"], json!(["get", "id"]));
}

#[test]
fn contradicting_branches_are_dropped_and_unsplittable_values_kept() {
    let mut style = json!({"layers": [
        {"id": "m", "type": "circle", "source": "g", "source-layer": "meters",
         "filter": st("==", "energized"),
         "paint": {"circle-color": ["case", st("==", "fault"), "red", "blue"],
                   "circle-radius": ["case", ["==", ["zoom"], 3], 1, 2]}}
    ]});
    assert_eq!(split_layers(&mut style), 0);
    assert_eq!(ids(&style), ["m"]);
    assert_eq!(style["layers"][0]["paint"]["circle-color"], "blue");
    assert_eq!(
        style["layers"][0]["paint"]["circle-radius"],
        json!(["case", ["==", ["zoom"], 3], 1, 2])
    );
}

#[test]
fn an_icon_size_ramp_becomes_zoom_bands() {
    let mut style = json!({"layers": [
        {"id": "s", "type": "symbol", "source": "g", "source-layer": "switches", "minzoom": 12,
         "layout": {"icon-image": "x",
            "icon-size": ["interpolate", ["linear"], ["zoom"], 12, 0.5, 14, 1.0, 16, 2.0]}}
    ]});
    split_layers(&mut style);
    assert_eq!(ids(&style), ["s@z12", "s@z13", "s@z14", "s@z15", "s@z16"]);
    let l = style["layers"].as_array().unwrap();
    let sizes: Vec<f64> = l
        .iter()
        .map(|x| x["layout"]["icon-size"].as_f64().unwrap())
        .collect();
    assert_eq!(sizes, [0.625, 0.875, 1.25, 1.75, 2.0]);
    assert_eq!(
        (l[0]["minzoom"].as_f64(), l[0]["maxzoom"].as_f64()),
        (Some(12.0), Some(13.0))
    );
    assert_eq!(
        (l[4]["minzoom"].as_f64(), l[4].get("maxzoom")),
        (Some(16.0), None)
    );
}
