//! Message framing that is not part of the readable text.
//!
//! * WICG origin-bound one-time codes: the last line is
//!   `@top.example #CODE` with an optional ` %embedded.example`; the code
//!   there is authoritative and the bound domain is the top-level origin.
//! * Android SMS Retriever: an optional `<#>` prefix and an 11-character
//!   app hash as the last line (or last token), which is never the code.
//!
//! [`open`] strips both and hands the readable body to the scorer.

use super::normalize::normalize_digits;

/// The origin-bound line of a WICG one-time-code message.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Origin<'a> {
    /// Top-level origin the code is bound to (`@` host).
    pub domain: &'a str,
    /// The code after `#`, digits normalised to ASCII.
    pub code: String,
    /// Embedded (iframe) origin after `%`, if any.
    pub embedded: Option<&'a str>,
}

/// A message split into its readable body and its framing.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Envelope<'a> {
    /// The text to search for a code, framing removed.
    pub body: &'a str,
    /// The origin-bound line, when the message has one.
    pub origin: Option<Origin<'a>>,
}

/// Splits `body` into framing and readable text.
pub(crate) fn open(text: &str) -> Envelope<'_> {
    let mut body = text.trim();
    let mut origin = None;
    let (head, last) = split_last_line(body);
    if let Some(found) = parse_origin(last.trim()) {
        origin = Some(found);
        body = head.trim_end();
    }
    let retriever = body.starts_with("<#>") || body.starts_with("[#]");
    if retriever {
        body = body[3..].trim_start();
    }
    let (head, last) = split_last_line(body);
    if !head.trim().is_empty() && is_app_hash(last.trim(), retriever) {
        body = head.trim_end();
    } else if retriever && head.trim().is_empty() {
        let split = last.char_indices().rev().find(|(_, c)| c.is_whitespace());
        if let Some((pos, c)) = split {
            if is_app_hash(&last[pos + c.len_utf8()..], true) {
                body = last[..pos].trim_end();
            }
        }
    }
    Envelope { body, origin }
}

/// Parses a WICG origin-bound line (`@host #code [%host]`, nothing else on
/// the line); the code must be 1–32 ASCII alphanumerics once digits are
/// normalised.
fn parse_origin(line: &str) -> Option<Origin<'_>> {
    let mut parts = line.split([' ', '\t']).filter(|p| !p.is_empty());
    let domain = parts.next()?.strip_prefix('@').filter(|h| is_host(h))?;
    let code = parts.next()?.strip_prefix('#')?;
    let embedded = match parts.next() {
        Some(p) => Some(p.strip_prefix('%').filter(|h| is_host(h))?),
        None => None,
    };
    if parts.next().is_some() {
        return None;
    }
    let code = normalize_digits(code).into_owned();
    if code.is_empty() || code.len() > 32 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    Some(Origin {
        domain,
        code,
        embedded,
    })
}

/// A host name: letters, digits, dots and dashes, starting and ending with
/// a letter or digit.
fn is_host(host: &str) -> bool {
    let edge_ok = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    edge_ok(host.chars().next())
        && edge_ok(host.chars().next_back())
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '-')
}

/// `(everything before the last line, the last line)`.
fn split_last_line(text: &str) -> (&str, &str) {
    match text.rfind('\n') {
        Some(pos) => (&text[..pos], &text[pos + 1..]),
        None => ("", text),
    }
}

/// True for an SMS Retriever app hash: exactly 11 chars of base64
/// (`A–Z a–z 0–9 + /`). Without the `<#>` prefix the token must also look
/// random (letters mixed with digits or symbols, or several capitals among
/// lowercase letters) so that an ordinary last word is kept.
fn is_app_hash(token: &str, lenient: bool) -> bool {
    if token.len() != 11
        || !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
    {
        return false;
    }
    if lenient {
        return true;
    }
    let upper = token.bytes().filter(u8::is_ascii_uppercase).count();
    let lower = token.bytes().filter(u8::is_ascii_lowercase).count();
    let other = 11 - upper - lower;
    let letters = upper + lower;
    (letters > 0 && other > 0 && letters + other == 11 && upper + lower >= 2)
        || (upper >= 2 && lower >= 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_bound_simple() {
        let env = open("Your Example code is 318270.\n\n@example.com #318270");
        let origin = env.origin.expect("origin");
        assert_eq!(origin.domain, "example.com");
        assert_eq!(origin.code, "318270");
        assert_eq!(origin.embedded, None);
        assert_eq!(env.body, "Your Example code is 318270.");
    }

    #[test]
    fn origin_bound_embedded_takes_top_level() {
        let env = open("Pay code 582710.\n@shop.example.com #582710 %pay.example.net\n");
        let origin = env.origin.expect("origin");
        assert_eq!(origin.domain, "shop.example.com");
        assert_eq!(origin.embedded, Some("pay.example.net"));
    }

    #[test]
    fn origin_bound_alnum_and_indic_digits() {
        assert_eq!(open("x\n@a.example #A7K2PX").origin.unwrap().code, "A7K2PX");
        assert_eq!(open("x\n@a.example #٤٨٢٩١٣").origin.unwrap().code, "482913");
    }

    #[test]
    fn not_origin_bound() {
        assert!(open("Contact @example.com #support").origin.is_none());
        assert!(open("Order #4421 from @shop").origin.is_none());
        assert!(open("@example.com #12 34").origin.is_none());
        assert!(open("@example.com").origin.is_none());
        assert!(open("@example.com #123 %x.example extra").origin.is_none());
        assert!(open("@-bad.example #123").origin.is_none());
        assert!(open("@example.com #12#3").origin.is_none());
    }

    #[test]
    fn retriever_hash_line_removed() {
        let env = open("<#> Your Foo code is 4821\n9rT1234Xk0w");
        assert_eq!(env.body, "Your Foo code is 4821");
        let env = open("<#> Use 4409 to verify.\nB0lT8842xQa");
        assert_eq!(env.body, "Use 4409 to verify.");
        let env = open("Your code: 417-093\n\nFA+9qCX9VSu");
        assert_eq!(env.body, "Your code: 417-093");
    }

    #[test]
    fn retriever_hash_same_line() {
        let env = open("<#> Your code is 123456 FA+9qCX9VSu");
        assert_eq!(env.body, "Your code is 123456");
        let env = open("[#] Your code is 123456\u{3000}FA+9qCX9VSu");
        assert_eq!(env.body, "Your code is 123456");
    }

    #[test]
    fn ordinary_last_line_kept() {
        let body = "Your code is 1234\nImmediately";
        assert_eq!(open(body).body, body);
        let body = "Your code is 1234\nthanksalots";
        assert_eq!(open(body).body, body);
    }

    #[test]
    fn app_hash_shapes() {
        assert!(is_app_hash("Laz+nxCarLW", false));
        assert!(is_app_hash("doDiFGKPO1r", false));
        assert!(is_app_hash("4sgLq1p5sV6", false));
        assert!(!is_app_hash("abcdefghijk", false));
        assert!(!is_app_hash("12345678901", false));
        assert!(!is_app_hash("short", true));
    }
}
