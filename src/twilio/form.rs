//! Strict parsers for webhook bodies: `application/x-www-form-urlencoded`, and the flat
//! JSON objects Twilio sends with `bodySHA256` in the URL.
//!
//! Twilio posts webhook parameters in this encoding. Unlike browsers, which
//! keep malformed percent escapes literally, this parser rejects them, and it
//! rejects parameters whose decoded bytes are not UTF-8. Every pair is kept in
//! body order, including repeated keys, so the result can be fed unchanged to
//! [`validate`](super::signature::validate).

/// Why a form body could not be parsed.
///
/// Messages name the offending parameter or byte offset but never include a
/// parameter value, so they are safe to log.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FormError {
    /// A `%` not followed by two hexadecimal digits, at this byte offset of the body.
    #[error("invalid percent escape at byte {offset} of the form body")]
    InvalidPercentEscape {
        /// Byte offset of the `%` in the body.
        offset: usize,
    },
    /// The decoded name or value of a parameter is not valid UTF-8.
    #[error("form parameter {key:?} is not valid UTF-8")]
    NotUtf8 {
        /// The parameter name (lossily decoded if the name itself is invalid).
        key: String,
    },
    /// A JSON body that is not one object of strings, numbers, booleans and nulls.
    #[error("the JSON body must be one flat object of strings, numbers and booleans")]
    NotFlatJson,
}

/// Parses a JSON body (`{"MessageSid": "SM…", "To": "+1…", …}`) into `(name, value)`
/// pairs: strings as they are, numbers and booleans as their JSON text, nulls left out.
pub fn parse_json(body: &[u8]) -> Result<Vec<(String, String)>, FormError> {
    let object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(body).map_err(|_| FormError::NotFlatJson)?;
    let mut pairs = Vec::with_capacity(object.len());
    for (key, value) in object {
        let text = match value {
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Bool(b) => b.to_string(),
            serde_json::Value::Null => continue,
            _ => return Err(FormError::NotFlatJson),
        };
        pairs.push((key, text));
    }
    Ok(pairs)
}

/// Parses a form body into `(name, value)` pairs, in order, keeping repeats.
///
/// `+` decodes to a space and `%XX` to the byte `0xXX`. A segment without `=`
/// yields an empty value; empty segments (`a=1&&b=2`, trailing `&`) are
/// skipped as in the WHATWG URL standard, so an empty body yields no pairs.
pub fn parse(body: &[u8]) -> Result<Vec<(String, String)>, FormError> {
    let mut pairs = Vec::new();
    let mut start = 0;
    for segment in body.split(|&b| b == b'&') {
        let offset = start;
        start += segment.len() + 1;
        if segment.is_empty() {
            continue;
        }
        let (raw_key, raw_value, value_offset) = match segment.iter().position(|&b| b == b'=') {
            Some(i) => (&segment[..i], &segment[i + 1..], offset + i + 1),
            None => (segment, &segment[segment.len()..], offset + segment.len()),
        };
        let key_bytes = decode(raw_key, offset)?;
        let value_bytes = decode(raw_value, value_offset)?;
        let key = String::from_utf8(key_bytes).map_err(|e| FormError::NotUtf8 {
            key: String::from_utf8_lossy(e.as_bytes()).into_owned(),
        })?;
        let value =
            String::from_utf8(value_bytes).map_err(|_| FormError::NotUtf8 { key: key.clone() })?;
        pairs.push((key, value));
    }
    Ok(pairs)
}

/// Decodes `+` and `%XX` in one name or value; `offset` is its position in the body.
fn decode(input: &[u8], offset: usize) -> Result<Vec<u8>, FormError> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = |j: usize| input.get(j).and_then(|&b| (b as char).to_digit(16));
                match (hex(i + 1), hex(i + 2)) {
                    (Some(hi), Some(lo)) => out.push((hi * 16 + lo) as u8),
                    _ => {
                        return Err(FormError::InvalidPercentEscape { offset: offset + i });
                    }
                }
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(body: &str) -> Vec<(String, String)> {
        parse(body.as_bytes()).expect("body should parse")
    }

    fn pair(k: &str, v: &str) -> (String, String) {
        (k.to_string(), v.to_string())
    }

    #[test]
    fn empty_body_is_empty() {
        assert!(ok("").is_empty());
    }

    #[test]
    fn plus_and_percent_decoding() {
        assert_eq!(
            ok("Body=Hello+World%21"),
            vec![pair("Body", "Hello World!")]
        );
        assert_eq!(
            ok("From=%2B14158675309"),
            vec![pair("From", "+14158675309")]
        );
        assert_eq!(ok("a%3Db=c%26d%2bx"), vec![pair("a=b", "c&d+x")]);
        assert_eq!(ok("Body=%C3%A9%f0%9f%98%80"), vec![pair("Body", "é😀")]);
    }

    #[test]
    fn keeps_order_and_repeated_keys() {
        assert_eq!(
            ok("To=%2B1800&MediaUrl=x&From=1&MediaUrl=y"),
            vec![
                pair("To", "+1800"),
                pair("MediaUrl", "x"),
                pair("From", "1"),
                pair("MediaUrl", "y"),
            ]
        );
    }

    #[test]
    fn missing_equals_and_empty_parts() {
        assert_eq!(ok("a"), vec![pair("a", "")]);
        assert_eq!(ok("a=&=b"), vec![pair("a", ""), pair("", "b")]);
        assert_eq!(ok("a=1=2"), vec![pair("a", "1=2")]);
        assert_eq!(ok("&a=1&&b=2&"), vec![pair("a", "1"), pair("b", "2")]);
    }

    #[test]
    fn rejects_invalid_percent_escapes() {
        let err = |body: &str| parse(body.as_bytes()).unwrap_err();
        assert_eq!(err("a=%"), FormError::InvalidPercentEscape { offset: 2 });
        assert_eq!(err("a=%4"), FormError::InvalidPercentEscape { offset: 2 });
        assert_eq!(
            err("x=1&a=%zz"),
            FormError::InvalidPercentEscape { offset: 6 }
        );
        assert_eq!(
            err("x=1&%g0=1"),
            FormError::InvalidPercentEscape { offset: 4 }
        );
        assert_eq!(err("a=%+1"), FormError::InvalidPercentEscape { offset: 2 });
    }

    #[test]
    fn non_utf8_value_names_key_not_value() {
        let err = parse(b"From=1&Body=secret%FF").unwrap_err();
        assert_eq!(err, FormError::NotUtf8 { key: "Body".into() });
        let msg = err.to_string();
        assert_eq!(msg, "form parameter \"Body\" is not valid UTF-8");
        assert!(!msg.contains("secret"));
        // Raw (unescaped) invalid bytes are rejected as well.
        assert!(matches!(
            parse(b"Body=\xff"),
            Err(FormError::NotUtf8 { .. })
        ));
    }

    #[test]
    fn non_utf8_key() {
        let err = parse(b"A%FF=1").unwrap_err();
        assert_eq!(
            err,
            FormError::NotUtf8 {
                key: "A\u{fffd}".into()
            }
        );
    }
}
