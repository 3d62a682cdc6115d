//! One-time code extraction (the seed's three patterns, in priority order).

use std::sync::LazyLock;

use regex::Regex;

static PATTERNS: LazyLock<[Regex; 3]> = LazyLock::new(|| {
    [
        Regex::new(r"(?i)(?:code|otp|pin|token|password)\s*(?:is|:)\s*(\d{4,8})").expect("regex"),
        Regex::new(r"(?i)(\d{4,8})\s*(?:is your|is the)").expect("regex"),
        Regex::new(r"\b(\d{4,8})\b").expect("regex"),
    ]
});

/// The code in `body`, if any.
pub fn extract_code(body: &str) -> Option<String> {
    PATTERNS
        .iter()
        .find_map(|re| re.captures(body).map(|c| c[1].to_owned()))
}
