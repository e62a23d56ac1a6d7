//! The elements of a FeatureCollection's `"features"` array, found by a byte scan (strings
//! and nesting tracked, nothing decoded), so that the features can be parsed in parallel.
//!
//! Only the common shape is split: a root object with `"type": "FeatureCollection"` and a
//! `"features"` array, its other members (`"name"`, `"crs"`, `"bbox"`, foreign members)
//! checked to be valid JSON. Anything else — a single Feature, a key written with escapes,
//! text after the root object, JSON the scan cannot follow — gives `None`, and the caller
//! parses the whole document as one, which also gives the precise error for malformed text.
//! The scan does not validate the features themselves: each is parsed by `serde_json` on
//! its own, and its errors name it.

/// The byte ranges of the features of `text` (a FeatureCollection), in order; `None` when
/// the text is not of the shape described in the module docs.
pub(super) fn features(text: &[u8]) -> Option<Vec<std::ops::Range<usize>>> {
    let mut i = skip_ws(text, 0);
    if text.get(i) != Some(&b'{') {
        return None;
    }
    i += 1;
    let mut features = None;
    let mut is_collection = false;
    loop {
        i = skip_ws(text, i);
        match text.get(i)? {
            b'}' => {
                i += 1;
                break;
            }
            b'"' => {}
            _ => return None,
        }
        let key_end = string_end(text, i)?;
        let key = &text[i + 1..key_end - 1];
        i = skip_ws(text, key_end);
        if text.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(text, i + 1);
        match key {
            b"features" => {
                let (list, end) = elements(text, i)?;
                features = Some(list);
                i = end;
            }
            _ => {
                let end = value_end(text, i)?;
                let value = &text[i..end];
                if key == b"type" {
                    is_collection = value == b"\"FeatureCollection\"";
                } else if serde_json::from_slice::<serde::de::IgnoredAny>(value).is_err() {
                    return None;
                }
                i = end;
            }
        }
        i = skip_ws(text, i);
        match text.get(i)? {
            b',' => i += 1,
            b'}' => {
                i += 1;
                break;
            }
            _ => return None,
        }
    }
    if skip_ws(text, i) != text.len() || !is_collection {
        return None;
    }
    features
}

/// The elements of the array starting at `start`, and the offset after it.
fn elements(text: &[u8], start: usize) -> Option<(Vec<std::ops::Range<usize>>, usize)> {
    if text.get(start) != Some(&b'[') {
        return None;
    }
    let mut list = Vec::new();
    let mut i = skip_ws(text, start + 1);
    if text.get(i) == Some(&b']') {
        return Some((list, i + 1));
    }
    loop {
        let end = value_end(text, i)?;
        list.push(i..end);
        i = skip_ws(text, end);
        match text.get(i)? {
            b',' => i = skip_ws(text, i + 1),
            b']' => return Some((list, i + 1)),
            _ => return None,
        }
    }
}

/// The offset after the JSON value starting at `start`: a string, an object or array
/// (balanced, strings skipped), or a scalar (up to the next delimiter).
fn value_end(text: &[u8], start: usize) -> Option<usize> {
    match text.get(start)? {
        b'"' => string_end(text, start),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = start;
            while i < text.len() {
                match text[i] {
                    b'"' => {
                        i = string_end(text, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            None
        }
        _ => {
            let len = text[start..]
                .iter()
                .position(|&b| matches!(b, b',' | b']' | b'}') || b.is_ascii_whitespace())
                .unwrap_or(text.len() - start);
            (len > 0).then_some(start + len)
        }
    }
}

/// The offset after the string whose opening quote is at `start`.
fn string_end(text: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while i < text.len() {
        match text[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

fn skip_ws(text: &[u8], mut i: usize) -> usize {
    while i < text.len() && text[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Option<Vec<&str>> {
        features(text.as_bytes()).map(|r| r.into_iter().map(|r| &text[r]).collect())
    }

    #[test]
    fn splits_the_features_of_a_collection() {
        let text = r#" {"type": "FeatureCollection", "name": "poles",
            "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
            "features": [
              {"type": "Feature", "properties": {"s": "a \"]}\" b", "n": [1, {"x": 2}]}, "geometry": null},
              {"type":"Feature","id":7,"properties":null,"geometry":{"type":"Point","coordinates":[1,2]}}
            ]} "#;
        let parts = split(text).unwrap();
        assert_eq!(parts.len(), 2);
        for p in &parts {
            let v: serde_json::Value = serde_json::from_str(p).unwrap();
            assert_eq!(v["type"], "Feature");
        }
        assert!(parts[1].starts_with(r#"{"type":"Feature","id":7"#));
        assert_eq!(
            split(r#"{"features": [], "type": "FeatureCollection"}"#),
            Some(vec![])
        );
    }

    #[test]
    fn anything_else_is_left_to_the_whole_document_parser() {
        for text in [
            r#"{"type": "Feature", "properties": {}, "geometry": null}"#,
            r#"{"type": "FeatureCollection"}"#,
            r#"{"type": "FeatureCollection", "features": [{"type": "Feature"}"#,
            r#"{"type": "FeatureCollection", "features": []} trailing"#,
            r#"{"type": "FeatureCollection", "name": nope, "features": []}"#,
            r#"{"type": "FeatureCollection", "features": [{"a": "unterminated}]}"#,
            r#"[{"type": "FeatureCollection", "features": []}]"#,
            "",
        ] {
            assert_eq!(split(text), None, "{text}");
        }
    }

    #[test]
    fn a_bad_feature_is_split_and_left_to_its_own_parse() {
        let text = r#"{"type":"FeatureCollection","features":[{"a":NaN},{"b":1e999}]}"#;
        let parts = split(text).unwrap();
        assert_eq!(parts, [r#"{"a":NaN}"#, r#"{"b":1e999}"#]);
        assert!(serde_json::from_str::<serde_json::Value>(parts[0]).is_err());
    }
}
