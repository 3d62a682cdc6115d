//! Tokens of a (digit-normalised) message that could be the code.
//!
//! * digit runs of 4–8 digits that are not glued to Latin/Cyrillic letters
//!   (`验证码123456` counts, `XX1234` and `25000VND` do not);
//! * separated codes: equal groups joined by one space or dash (`123-456`,
//!   `123 456`, `1234 5678`, `12 34 56`); longer chains (phone numbers,
//!   tracking numbers, dates) yield nothing;
//! * prefixed codes: 1–3 capitals and a dash (`G-123456`, `FB-12345`);
//! * alphanumeric codes (`AB12CD`, `4HTRX`) come from
//!   [`super::alphanumeric`].

use super::normalize::{is_code_separator, is_glue};
use super::span::{char_after, char_before, span, Kind, Span};

/// All candidates of `text`, ordered by position.
pub(crate) fn scan(text: &str) -> Vec<Span> {
    let mut spans = Vec::new();
    scan_digits(text, &mut spans);
    super::alphanumeric::scan_alnum(text, &mut spans);
    spans.sort_by_key(|s| s.start);
    spans
}

/// Maximal runs of ASCII digits as byte ranges.
fn digit_runs(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            runs.push((start, i));
        } else {
            i += 1;
        }
    }
    runs
}

fn scan_digits(text: &str, out: &mut Vec<Span>) {
    let runs = digit_runs(text);
    let mut seps = Vec::new();
    let mut i = 0;
    while i < runs.len() {
        // Extend a chain of runs joined by exactly one separator char.
        let mut j = i;
        seps.clear();
        while j + 1 < runs.len() {
            let between = &text[runs[j].1..runs[j + 1].0];
            let mut chars = between.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if is_code_separator(c) => seps.push(c),
                _ => break,
            }
            j += 1;
        }
        classify_chain(text, &runs[i..=j], &seps, out);
        i = j + 1;
    }
}

fn classify_chain(text: &str, runs: &[(usize, usize)], seps: &[char], out: &mut Vec<Span>) {
    let (start, end) = (runs[0].0, runs[runs.len() - 1].1);
    let glued_left = char_before(text, start).is_some_and(is_glue);
    let glued_right = char_after(text, end).is_some_and(is_glue);
    if glued_left || glued_right {
        // `482913 2FA`: the glued end run belongs to another token.
        if runs.len() > 1 && !(glued_left && glued_right) {
            let (rest, seps) = if glued_left {
                (&runs[1..], &seps[1..])
            } else {
                (&runs[..runs.len() - 1], &seps[..seps.len() - 1])
            };
            classify_chain(text, rest, seps, out);
        }
        return;
    }
    if runs.len() == 1 {
        if (4..=8).contains(&(end - start)) {
            let kind = if has_capital_prefix(text, start) {
                Kind::Prefixed
            } else {
                Kind::Digits
            };
            out.push(span(text, start, end, kind));
        }
        return;
    }
    if runs.len() > 6 {
        return;
    }
    let lens: Vec<usize> = runs.iter().map(|r| r.1 - r.0).collect();
    let dashed = seps
        .iter()
        .all(|&c| c != ' ' && c != '\u{A0}' && c != '\u{2009}' && c != '\u{202F}');
    let spaced = seps.iter().all(|&c| !dashed_char(c));
    let uniform = lens.iter().all(|&l| l == lens[0]);
    let shape_ok =
        uniform && (dashed || spaced) && matches!((lens.len(), lens[0]), (2, 3) | (2, 4) | (3, 2));
    if shape_ok {
        let mut s = span(text, start, end, Kind::Grouped);
        s.groups = lens.len() as u8;
        s.dashed = dashed;
        out.push(s);
        return;
    }
    // `4821 5 minutes`-like chains: keep a 4–8 digit group whose companions
    // are too short to be part of a phone number or date.
    if spaced && lens.iter().sum::<usize>() <= 10 {
        for (k, r) in runs.iter().enumerate() {
            let others_short = lens.iter().enumerate().all(|(m, &l)| m == k || l <= 2);
            if (4..=8).contains(&lens[k]) && others_short {
                out.push(span(text, r.0, r.1, Kind::Digits));
            }
        }
    }
}

fn dashed_char(c: char) -> bool {
    matches!(c, '-' | '\u{2010}'..='\u{2013}' | '\u{2212}')
}

/// `G-`, `FB-`: 1–3 ASCII capitals standing alone before a dash.
fn has_capital_prefix(text: &str, start: usize) -> bool {
    let head = &text[..start];
    let Some(head) = head.strip_suffix('-') else {
        return false;
    };
    let letters = head
        .bytes()
        .rev()
        .take_while(u8::is_ascii_uppercase)
        .count();
    if !(1..=3).contains(&letters) {
        return false;
    }
    let before = char_before(head, head.len() - letters);
    !before.is_some_and(|c| is_glue(c) || matches!(c, '#' | '-' | '/' | '.' | '@' | '&'))
}

/// A year (`1900`–`2099`) or a compact date (`20250512`, `12052025`).
pub(super) fn looks_like_date(code: &str) -> bool {
    let num = |r: std::ops::Range<usize>| code[r].parse::<u32>().unwrap_or(0);
    let year = |y: u32| (1900..=2099).contains(&y);
    match code.len() {
        4 => year(num(0..4)),
        8 => {
            let ymd =
                year(num(0..4)) && (1..=12).contains(&num(4..6)) && (1..=31).contains(&num(6..8));
            let dmy =
                (1..=31).contains(&num(0..2)) && (1..=12).contains(&num(2..4)) && year(num(4..8));
            ymd || dmy
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<(String, Kind)> {
        scan(text).into_iter().map(|s| (s.code, s.kind)).collect()
    }

    fn one(text: &str) -> String {
        let all = codes(text);
        assert_eq!(all.len(), 1, "{text}: {all:?}");
        all[0].0.clone()
    }

    #[test]
    fn digits_and_glue() {
        assert_eq!(one("验证码123456，请"), "123456");
        assert_eq!(one("인증번호는 582013입니다"), "582013");
        assert!(codes("XX1234 25000VND 1 250р v2024 123 12345678901").is_empty());
    }

    #[test]
    fn separated() {
        assert_eq!(codes("code 123-456"), [("123456".into(), Kind::Grouped)]);
        assert_eq!(one("code 482 913."), "482913");
        assert_eq!(one("Code 3918 2745 voor"), "39182745");
        assert_eq!(one("code 48 29 13"), "482913");
        assert!(codes("call 1-800-555-0199 or 0800 400 100, 12-05-2025, 555-0142").is_empty());
        assert!(scan("1588-9999")[0].dashed);
        assert_eq!(scan("code 12-34-56")[0].groups, 3);
        assert_eq!(one("code 4821 5 min"), "4821");
    }

    #[test]
    fn prefixed() {
        assert_eq!(codes("G-482913 is"), [("482913".into(), Kind::Prefixed)]);
        assert_eq!(codes("FB-48213 est"), [("48213".into(), Kind::Prefixed)]);
        assert_eq!(codes("Ref #A-55201")[0].1, Kind::Digits);
        assert_eq!(codes("карта МИР-4821")[0].1, Kind::Digits);
    }

    #[test]
    fn dates() {
        assert!(
            looks_like_date("2024") && looks_like_date("20250512") && looks_like_date("12052025")
        );
        assert!(
            !looks_like_date("4821") && !looks_like_date("482913") && !looks_like_date("73920184")
        );
    }
}
