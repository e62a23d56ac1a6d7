//! Writing and reading back: round trip, deterministic bytes, FGB/GeoJSON equivalence,
//! directory handling, write errors, and compatibility with the flatgeobuf crate's reader.

use flatgeobuf::{FallibleStreamingIterator, FgbReader, GeometryType};

use super::*;
use crate::source::file::write_dir;

fn all_layers() -> Vec<LayerData> {
    vec![lines(), mixed(), poles()]
}

#[test]
fn round_trip() {
    let tmp = tmp();
    let dir = tmp.path().join("created/on/demand");
    let mut layers = all_layers();
    layers.push(LayerData::new(
        "empty",
        vec![Field::new("a", FieldType::Int)],
    ));
    write_dir(&dir, &layers).expect("write");
    let loaded = load(&dir);
    layers.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(loaded.layers, layers);
    assert!(loaded.skipped.is_empty());

    // Strings are interned per file: one allocation per distinct value.
    let poles = &loaded.layers[3];
    let class = |i: usize| match &poles.features[i].properties[0] {
        Some(Value::Str(s)) => s.clone(),
        other => panic!("{other:?}"),
    };
    assert!(std::sync::Arc::ptr_eq(&class(0), &class(3)));
}

#[test]
fn output_is_deterministic() {
    let (a, b) = (tmp(), tmp());
    write_dir(a.path(), &all_layers()).expect("write");
    write_dir(b.path(), &all_layers()).expect("write");
    write_dir(b.path(), &all_layers()).expect("rewrite");
    for layer in all_layers() {
        let name = format!("{}.fgb", layer.name);
        let x = std::fs::read(a.path().join(&name)).unwrap();
        let y = std::fs::read(b.path().join(&name)).unwrap();
        assert!(x == y, "{name} differs between runs");
    }
    let files = std::fs::read_dir(b.path()).unwrap().count();
    assert_eq!(files, 3, "no temporary files left behind");
}

#[test]
fn flatgeobuf_and_geojson_load_the_same() {
    let (f, g) = (tmp(), tmp());
    for layer in all_layers() {
        write_dir(f.path(), std::slice::from_ref(&layer)).expect("write");
        put(
            g.path(),
            &format!("{}.geojson", layer.name),
            to_geojson(&layer),
        );
    }
    let from_fgb = load(f.path());
    let from_json = load(g.path());
    assert_eq!(names(&from_fgb), names(&from_json));
    for (a, b) in from_fgb.layers.iter().zip(&from_json.layers) {
        assert_close(a, b);
    }
}

#[test]
fn mixed_directory() {
    let dir = tmp();
    write_dir(dir.path(), &[poles()]).expect("write");
    put(dir.path(), "lines.json", to_geojson(&lines()));
    put(dir.path(), "mixed.GeoJSON", to_geojson(&mixed()));
    put(dir.path(), "README.md", "not a layer");
    put(dir.path(), "style.txt", "");
    std::fs::create_dir(dir.path().join("sub.fgb")).unwrap();
    let loaded = load(dir.path());
    assert_eq!(names(&loaded), ["lines", "mixed", "poles"]);
    assert_eq!(loaded.layers[2], poles());
}

#[test]
fn directory_errors() {
    let dir = tmp();
    let msg = load_err(dir.path(), false, &["no .fgb/.geojson files in"]);
    assert!(msg.contains(&dir.path().display().to_string()));
    put(dir.path(), "notes.txt", "");
    load_err(dir.path(), false, &["no .fgb/.geojson files in"]);

    write_dir(dir.path(), &[poles()]).expect("write");
    put(dir.path(), "poles.geojson", to_geojson(&poles()));
    load_err(
        dir.path(),
        false,
        &[
            "poles.geojson: layer \"poles\" is defined twice (also by",
            "poles.fgb",
        ],
    );

    load_err(
        &dir.path().join("missing"),
        false,
        &["missing: cannot read directory"],
    );
}

#[test]
fn write_errors_leave_no_file() {
    let dir = tmp();
    let mut bad = poles();
    bad.features[3].geometry = point!(x: 1000.0, y: 1.0).into();
    let err = write_dir(dir.path(), &[bad]).unwrap_err().to_string();
    assert!(
        err.contains("poles.fgb, feature 3: longitude 1000 outside"),
        "{err}"
    );

    let mut bad = poles();
    bad.features[5].properties[2] = Some(Value::Int(3));
    let err = write_dir(dir.path(), &[bad]).unwrap_err().to_string();
    assert!(
        err.contains("poles.fgb, feature 5: field \"height\" is Float but the value is Int"),
        "{err}"
    );

    let mut bad = poles();
    bad.fields[0].name = "id".into();
    let err = write_dir(dir.path(), &[bad]).unwrap_err().to_string();
    assert!(err.contains("\"id\" is reserved"), "{err}");

    let err = write_dir(dir.path(), &[poles(), poles()])
        .unwrap_err()
        .to_string();
    assert!(err.contains("two layers are named \"poles\""), "{err}");
    let err = write_dir(dir.path(), &[LayerData::new("../x", vec![])])
        .unwrap_err()
        .to_string();
    assert!(err.contains("cannot be a file name"), "{err}");

    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn readable_by_the_flatgeobuf_crate() {
    let dir = tmp();
    write_dir(dir.path(), &[poles(), mixed()]).expect("write");

    let file = std::fs::File::open(dir.path().join("poles.fgb")).unwrap();
    let reader = FgbReader::open(std::io::BufReader::new(file)).unwrap();
    let header = reader.header();
    assert_eq!(header.geometry_type(), GeometryType::Point);
    assert_eq!(header.features_count(), 40);
    assert_eq!(header.crs().map(|c| c.code()), Some(4326));
    let columns: Vec<&str> = header.columns().unwrap().iter().map(|c| c.name()).collect();
    assert_eq!(columns, ["id", "class", "energized", "height", "phases"]);
    // The spatial index finds exactly the features in a box.
    let (x0, x1) = (-122.4 + 0.0095, -122.4 + 0.0205);
    let mut found = reader.select_bbox(x0, -90.0, x1, 90.0).unwrap();
    let mut n = 0;
    while found.next().unwrap().is_some() {
        n += 1;
    }
    let expected = poles()
        .features
        .iter()
        .filter(|f| matches!(f.geometry, Geometry::Point(p) if p.x() >= x0 && p.x() <= x1))
        .count();
    assert_eq!((n, expected), (11, 11));

    let file = std::fs::File::open(dir.path().join("mixed.fgb")).unwrap();
    let reader = FgbReader::open(std::io::BufReader::new(file)).unwrap();
    assert_eq!(reader.header().geometry_type(), GeometryType::Unknown);
    let mut all = reader.select_all().unwrap();
    let mut n = 0;
    while let Some(f) = all.next().unwrap() {
        assert!(f.geometry().is_some());
        n += 1;
    }
    assert_eq!(n, 7);
}
