//! Which feature a JSON syntax error is in: serde_json reports a line and column only, so
//! the text up to the error is scanned (strings and nesting tracked) for the root object's
//! `"features"` array, and the elements begun before the error are counted.

/// The byte offset of `line` / `column` (1-based, as serde_json reports them) in `text`.
fn offset_of(text: &[u8], line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match text[start..].iter().position(|&b| b == b'\n') {
            Some(n) => start += n + 1,
            None => return text.len(),
        }
    }
    (start + column.saturating_sub(1)).min(text.len())
}

/// The zero-based index of the feature of the `"features"` array that the error at `line` /
/// `column` is in; `None` when the error is outside that array (or there is none).
pub(super) fn feature_at(text: &[u8], line: usize, column: usize) -> Option<usize> {
    let end = offset_of(text, line, column);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut string_start = 0;
    // The last string that ended at depth 1 (a key of the root object, or its value).
    let mut root_string: &[u8] = b"";
    let mut in_features = false;
    let mut index = 0;
    for (i, &b) in text[..end].iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
                if depth == 1 {
                    root_string = &text[string_start..i];
                }
            }
            continue;
        }
        match b {
            b'"' => {
                in_string = true;
                string_start = i + 1;
            }
            b'[' | b'{' => {
                if b == b'[' && depth == 1 && root_string == b"features" {
                    in_features = true;
                    index = 0;
                }
                depth += 1;
            }
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 1 {
                    in_features = false;
                    root_string = b"";
                }
            }
            b',' if in_features && depth == 2 => index += 1,
            _ => {}
        }
    }
    in_features.then_some(index)
}

#[cfg(test)]
mod tests {
    use super::feature_at;

    fn at(text: &str) -> Option<usize> {
        let err = serde_json::from_str::<serde_json::Value>(text).unwrap_err();
        feature_at(text.as_bytes(), err.line(), err.column())
    }

    #[test]
    fn counts_features_before_the_error() {
        let f = r#"{"type":"Feature","properties":{"s":"a,[{\"b"},"geometry":null}"#;
        assert_eq!(
            at(&format!(
                r#"{{"type":"FeatureCollection","features":[{f},{f},{{"x":NaN}}]}}"#
            )),
            Some(2)
        );
        assert_eq!(
            at(&format!("{{\"features\":[\n{f},\n{{\"c\":[1e999]}}]}}")),
            Some(1)
        );
        assert_eq!(
            at(&format!(r#"{{"features":[{f},{f},{f}"#)),
            Some(2),
            "truncated"
        );
        assert_eq!(at(r#"{"features":[{"a":Infinity}]}"#), Some(0));
        assert_eq!(at(r#"{"type":"FeatureCollection" "features":[]}"#), None);
        assert_eq!(at(r#"{"type":"Feature","geometry":NaN}"#), None);
    }
}
