//! Alphanumeric candidates: tokens of ASCII capitals and digits such as
//! `AB12CD`, `7KD4M92P`, Steam Guard's `4HTRX`, and capitals-only codes
//! with at most one vowel (`BCDFG`). Masked numbers (`XX1234`), amounts
//! with a unit (`25000VND`), tokens inside links or hyphenated words, and
//! promo-like words (`SAVE20`, `WELCOME15`) are flagged or skipped.

use super::normalize::is_glue;
use super::span::{char_after, char_before, span, Kind, Span};

/// Adds every alphanumeric candidate of `text` to `out`.
pub(super) fn scan_alnum(text: &str, out: &mut Vec<Span>) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        // One pass over the token: only capitals-and-digits tokens of 5–10
        // chars with at least one capital are looked at further.
        let start = i;
        let (mut lower, mut upper) = (false, false);
        while let Some(&b) = bytes.get(i) {
            match b {
                b'a'..=b'z' => lower = true,
                b'A'..=b'Z' => upper = true,
                b'0'..=b'9' => {}
                _ => break,
            }
            i += 1;
        }
        if upper && !lower && (5..=10).contains(&(i - start)) {
            if let Some(s) = alnum_token(text, start, i) {
                out.push(s);
            }
        }
    }
}

/// Currency codes and units written right after an amount (`25000VND`).
const UNITS: &[&str] = &[
    "VND", "USD", "EUR", "INR", "KRW", "IDR", "THB", "TL", "TRY", "RUB", "UAH", "PLN", "BRL",
    "AED", "SAR", "GBP", "JPY", "CNY", "RMB", "MB", "GB", "KB", "TB", "KM", "KG", "MHZ", "GHZ",
    "MAH", "AM", "PM", "ST", "ND", "RD", "TH", "HRS", "MIN", "MINS", "SEC", "PTS", "MI", "MM",
    "CM",
];

fn alnum_token(text: &str, start: usize, end: usize) -> Option<Span> {
    let token = &text[start..end];
    let digits = token.bytes().filter(u8::is_ascii_digit).count();
    let kind = if digits > 0 {
        Kind::Alnum
    } else {
        Kind::Letters
    };
    let len_ok = match kind {
        Kind::Alnum => (5..=10).contains(&token.len()),
        _ => {
            (5..=8).contains(&token.len())
                && token.bytes().filter(|b| b"AEIOU".contains(b)).count() <= 1
        }
    };
    if !len_ok || token.starts_with("XX") {
        return None;
    }
    let prev = char_before(text, start);
    let next = char_after(text, end);
    let after_next = next.and_then(|c| char_after(text, end + c.len_utf8()));
    if prev.is_some_and(|c| is_glue(c) || "./@-#_&+=?\\".contains(c))
        || next.is_some_and(|c| is_glue(c) || "/@-_&=+\\".contains(c))
        || (next == Some('.') && after_next.is_some_and(|c| c.is_alphanumeric()))
    {
        return None;
    }
    let letters = token.trim_end_matches(|c: char| c.is_ascii_digit());
    let trailing_digits = token.len() - letters.len();
    let quantity = token.trim_start_matches(|c: char| c.is_ascii_digit());
    if token.len() - quantity.len() >= 2 && UNITS.contains(&quantity) {
        return None;
    }
    let mut s = span(text, start, end, kind);
    // `SAVE20`, `WELCOME15`, `20OFF`: a pronounceable word and a number.
    s.promo_shape = (letters.len() >= 3
        && (1..=4).contains(&trailing_digits)
        && letters.bytes().all(|b| b.is_ascii_uppercase())
        && letters.bytes().any(|b| b"AEIOU".contains(&b)))
        || quantity == "OFF";
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<(String, Kind)> {
        let mut out = Vec::new();
        scan_alnum(text, &mut out);
        out.into_iter().map(|s| (s.code, s.kind)).collect()
    }

    fn scan(text: &str) -> Vec<Span> {
        let mut out = Vec::new();
        scan_alnum(text, &mut out);
        out
    }

    fn one(text: &str) -> String {
        let all = codes(text);
        assert_eq!(all.len(), 1, "{text}: {all:?}");
        all[0].0.clone()
    }

    #[test]
    fn alphanumeric() {
        assert_eq!(codes("code: F7K2Q."), [("F7K2Q".into(), Kind::Alnum)]);
        assert_eq!(one("is 123ABC78"), "123ABC78");
        assert_eq!(codes("code: BCDFG")[0].1, Kind::Letters);
        assert!(codes("HELLO THERE ACME NETFLIX.COM XXXX1234 Laz+nxCarLW a7k2px").is_empty());
        assert!(codes("1Z999AA10123456784 ABCDEF12345").is_empty());
        assert!(scan("code RIDE20")[0].promo_shape);
        assert!(scan("use SAVE2024")[0].promo_shape);
        assert!(!scan("use A7K2PX")[0].promo_shape);
    }

    #[test]
    fn quantities_and_links() {
        assert!(codes("25000VND 500MB 12KM").is_empty());
        assert!(codes("NETFLIX.COM ID.me MBVCB.123456789 a@B12CD3").is_empty());
        assert!(codes("ABC12-XY34 #A1B2C3").is_empty());
        assert_eq!(one("(K7XQ2M)"), "K7XQ2M");
    }
}
