//! Phone numbers as the service accepts them.

/// Returns `true` if `s` is an E.164 phone number: `+`, then 2 to 15 ASCII
/// digits, the first of which is 1–9 (e.g. `+14158675309`).
pub fn is_e164(s: &str) -> bool {
    match s.strip_prefix('+').map(str::as_bytes) {
        Some(digits @ [first, ..]) => {
            (2..=15).contains(&digits.len())
                && (b'1'..=b'9').contains(first)
                && digits.iter().all(u8::is_ascii_digit)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e164() {
        for good in ["+14158675309", "+12", "+123456789012345", "+447911123456"] {
            assert!(is_e164(good), "{good}");
        }
        for bad in [
            "",
            "+",
            "+1",
            "14158675309",
            "+04158675309",
            "+1234567890123456",
            "+1 415",
            "+1-415",
            "++14",
            "+１２",
            "+1415867530a",
        ] {
            assert!(!is_e164(bad), "{bad}");
        }
    }
}
