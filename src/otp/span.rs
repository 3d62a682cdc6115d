//! A candidate code and where it sits in the text: the type every step of extraction
//! passes around, and the helpers the scanners ([`super::candidates`],
//! [`super::alphanumeric`]) share to build one.

/// What a candidate looks like.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Kind {
    /// A run of 4–8 digits.
    Digits,
    /// Equal digit groups joined by separators.
    Grouped,
    /// Digits after a short capital prefix and a dash.
    Prefixed,
    /// Capitals mixed with digits.
    Alnum,
    /// Capitals only.
    Letters,
}

/// A candidate code and where it sits in the text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Span {
    /// Byte offset of the first char of the code itself (after a prefix).
    pub start: usize,
    /// Byte offset after its last char.
    pub end: usize,
    /// The code as a form expects it (separators and prefix removed).
    pub code: String,
    /// Its shape.
    pub kind: Kind,
    /// Looks like a promo code (`SAVE20`, `WELCOME15`).
    pub promo_shape: bool,
    /// Number of digit groups (1 unless [`Kind::Grouped`]).
    pub groups: u8,
    /// The groups are joined by dashes (`1588-9999` is often a phone
    /// number, `12-34-56` often a date).
    pub dashed: bool,
}

/// The char before byte `idx`.
pub(super) fn char_before(text: &str, idx: usize) -> Option<char> {
    text[..idx].chars().next_back()
}

/// The char at byte `idx`.
pub(super) fn char_after(text: &str, idx: usize) -> Option<char> {
    text[idx..].chars().next()
}

/// A candidate over `text[start..end]` with the code's letters and digits only.
pub(super) fn span(text: &str, start: usize, end: usize, kind: Kind) -> Span {
    let code: String = text[start..end]
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    Span {
        start,
        end,
        code,
        kind,
        promo_shape: false,
        groups: 1,
        dashed: false,
    }
}
