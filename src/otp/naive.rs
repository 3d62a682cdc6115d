//! The seed baseline, kept verbatim for comparison with [`super::extract`]:
//! three regexes tried in priority order, first match wins.
//!
//! 1. `(?i)(?:code|otp|pin|token|password)\s*(?:is|:)\s*(\d{4,8})`
//! 2. `(\d{4,8})\s*(?:is your|is the)`
//! 3. `\b(\d{4,8})\b`
//!
//! It knows no languages, separators, prefixes, non-ASCII digits or
//! negative context, and returns a number from any message.

use std::sync::LazyLock;

use regex::Regex;

/// Seed rule 1: a keyword, `is` or `:`, then 4–8 digits.
static KEYWORD_IS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:code|otp|pin|token|password)\s*(?:is|:)\s*(\d{4,8})").expect("seed rule 1")
});

/// Seed rule 2: 4–8 digits followed by `is your` / `is the`.
static IS_YOUR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d{4,8})\s*(?:is your|is the)").expect("seed rule 2"));

/// Seed rule 3: any standalone 4–8 digit number.
static STANDALONE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(\d{4,8})\b").expect("seed rule 3"));

/// The seed extractor: the first of the three rules that matches.
pub fn extract_naive(body: &str) -> Option<String> {
    [&*KEYWORD_IS, &*IS_YOUR, &*STANDALONE]
        .iter()
        .find_map(|re| re.captures(body))
        .and_then(|caps| caps.get(1))
        .map(|m| m.as_str().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(body: &str) -> Option<String> {
        extract_naive(body)
    }

    #[test]
    fn rule_one_keyword_is() {
        assert_eq!(naive("Your code is 482913").as_deref(), Some("482913"));
        assert_eq!(naive("OTP: 4821").as_deref(), Some("4821"));
        assert_eq!(naive("PIN:12345678").as_deref(), Some("12345678"));
        assert_eq!(naive("Password is 9999").as_deref(), Some("9999"));
        assert_eq!(naive("TOKEN : 55555").as_deref(), Some("55555"));
    }

    #[test]
    fn rule_one_beats_rule_two_and_three() {
        assert_eq!(
            naive("1111 is the old one. Your code is 2222").as_deref(),
            Some("2222")
        );
        assert_eq!(naive("Ref 3333. Your code: 4444").as_deref(), Some("4444"));
    }

    #[test]
    fn rule_two_is_your() {
        assert_eq!(
            naive("739104 is your Amazon OTP").as_deref(),
            Some("739104")
        );
        assert_eq!(
            naive("Ticket 9999. 5555 is the code").as_deref(),
            Some("5555")
        );
    }

    #[test]
    fn rule_three_standalone() {
        assert_eq!(naive("Order 12345678 shipped").as_deref(), Some("12345678"));
        assert_eq!(naive("Call 1234 now").as_deref(), Some("1234"));
        assert_eq!(naive("no digits here"), None);
        assert_eq!(naive("123 and 123456789"), None);
    }

    #[test]
    fn seed_limitations_are_kept() {
        // The baseline must stay exactly as it was: these are its known
        // mistakes, fixed only in the real extractor.
        assert_eq!(
            naive("G-482913 is your Google code").as_deref(),
            Some("482913")
        );
        assert_eq!(naive("Your code is 482-913"), None);
        assert_eq!(naive("Total $1,234.56, code follows").as_deref(), None);
        assert_eq!(
            naive("验证码：７３９１０４").as_deref(),
            Some("７３９１０４")
        );
        assert_eq!(naive("Sale ends 2024").as_deref(), Some("2024"));
    }

    #[test]
    fn case_insensitive_keywords_only_in_rule_one() {
        assert_eq!(naive("YOUR CODE IS 5521").as_deref(), Some("5521"));
        assert_eq!(naive("5521 IS YOUR CODE").as_deref(), Some("5521"));
    }
}
