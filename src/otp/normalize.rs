//! Digit normalisation and character classes shared by the extractor.
//!
//! SMS bodies carry decimal digits from many scripts (Arabic-Indic, Persian,
//! Devanagari, Thai, fullwidth, ...). [`digit_value`] maps every digit of
//! Unicode general category `Nd` listed in [`DIGIT_ZEROS`] to its value, and
//! [`normalize_digits`] rewrites a text so that all of them become ASCII.
//! Only digits (and the Arabic decimal/thousands marks) are rewritten, one
//! char for one char, so the normalised text keeps the original's shape.

use std::borrow::Cow;

/// Code point of the digit zero of every run of ten consecutive decimal
/// digits (Unicode general category `Nd`), sorted ascending. A char `c` is
/// a digit with value `c - zero` when `zero <= c < zero + 10`.
pub const DIGIT_ZEROS: [u32; 66] = [
    0x0030,  // ASCII
    0x0660,  // Arabic-Indic
    0x06F0,  // Extended Arabic-Indic (Persian, Urdu)
    0x07C0,  // NKo
    0x0966,  // Devanagari
    0x09E6,  // Bengali
    0x0A66,  // Gurmukhi
    0x0AE6,  // Gujarati
    0x0B66,  // Oriya
    0x0BE6,  // Tamil
    0x0C66,  // Telugu
    0x0CE6,  // Kannada
    0x0D66,  // Malayalam
    0x0DE6,  // Sinhala Lith
    0x0E50,  // Thai
    0x0ED0,  // Lao
    0x0F20,  // Tibetan
    0x1040,  // Myanmar
    0x1090,  // Myanmar Shan
    0x17E0,  // Khmer
    0x1810,  // Mongolian
    0x1946,  // Limbu
    0x19D0,  // New Tai Lue
    0x1A80,  // Tai Tham Hora
    0x1A90,  // Tai Tham Tham
    0x1B50,  // Balinese
    0x1BB0,  // Sundanese
    0x1C40,  // Lepcha
    0x1C50,  // Ol Chiki
    0xA620,  // Vai
    0xA8D0,  // Saurashtra
    0xA900,  // Kayah Li
    0xA9D0,  // Javanese
    0xA9F0,  // Myanmar Tai Laing
    0xAA50,  // Cham
    0xABF0,  // Meetei Mayek
    0xFF10,  // Fullwidth
    0x104A0, // Osmanya
    0x10D30, // Hanifi Rohingya
    0x11066, // Brahmi
    0x110F0, // Sora Sompeng
    0x11136, // Chakma
    0x111D0, // Sharada
    0x112F0, // Khudawadi
    0x11450, // Newa
    0x114D0, // Tirhuta
    0x11650, // Modi
    0x116C0, // Takri
    0x11730, // Ahom
    0x118E0, // Warang Citi
    0x11950, // Dives Akuru
    0x11C50, // Bhaiksuki
    0x11D50, // Masaram Gondi
    0x11DA0, // Gunjala Gondi
    0x16A60, // Mro
    0x16AC0, // Tangsa
    0x16B50, // Pahawh Hmong
    0x1D7CE, // Mathematical bold
    0x1D7D8, // Mathematical double-struck
    0x1D7E2, // Mathematical sans-serif
    0x1D7EC, // Mathematical sans-serif bold
    0x1D7F6, // Mathematical monospace
    0x1E140, // Nyiakeng Puachue Hmong
    0x1E2F0, // Wancho
    0x1E950, // Adlam
    0x1FBF0, // Segmented digits
];

/// Value (0–9) of a decimal digit of any script listed in `DIGIT_ZEROS`.
///
/// Like [`char::to_digit`] with radix 10, but script-independent.
pub fn digit_value(c: char) -> Option<u32> {
    let cp = c as u32;
    if c.is_ascii_digit() {
        return Some(cp - 0x30);
    }
    if cp < 0x0660 {
        return None;
    }
    let idx = DIGIT_ZEROS.partition_point(|&zero| zero <= cp);
    let zero = DIGIT_ZEROS[idx - 1];
    (cp - zero < 10).then_some(cp - zero)
}

/// Maps one char to its normalised form: digits become ASCII digits, the
/// Arabic decimal and thousands separators become `.` and `,`.
pub fn normalize_char(c: char) -> char {
    if c.is_ascii() {
        return c;
    }
    match c {
        '\u{066B}' => '.',
        '\u{066C}' => ',',
        _ => match digit_value(c) {
            Some(v) => char::from(b'0' + v as u8),
            None => c,
        },
    }
}

/// Rewrites every non-ASCII decimal digit of `text` to ASCII (see
/// `normalize_char`); borrows when there is nothing to rewrite.
pub fn normalize_digits(text: &str) -> Cow<'_, str> {
    if text.is_ascii() || !text.chars().any(|c| normalize_char(c) != c) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.chars().map(normalize_char).collect())
}

/// True for chars that may separate the groups of one code (`123-456`,
/// `123 456`) and that the form does not expect: spaces and dashes.
pub fn is_code_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '-'
            | '\u{00A0}'
            | '\u{2009}'
            | '\u{202F}'
            | '\u{2010}'
            | '\u{2011}'
            | '\u{2012}'
            | '\u{2013}'
            | '\u{2212}'
    )
}

/// True when `c` glues onto an adjacent number so that both form one token
/// (`XX1234`, `25000VND`, `1 250р`): letters and digits of the Latin,
/// Greek and Cyrillic scripts, fullwidth Latin letters and `_`. Letters of
/// scripts written without spaces (CJK, Thai) or attached by convention
/// (Arabic, Hebrew, Devanagari) do not glue.
pub fn is_glue(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || c == '_';
    }
    let cp = c as u32;
    (cp < 0x0590 && c.is_alphanumeric())
        || (0xFF21..=0xFF3A).contains(&cp)
        || (0xFF41..=0xFF5A).contains(&cp)
}

/// True for chars that end a sentence or a line for the purpose of relating
/// a keyword to a code. A `.` only counts when followed by whitespace or the
/// end of the text (so `12.05.2025` and `ID.me` do not break).
pub fn is_break_at(text: &str, idx: usize, c: char) -> bool {
    match c {
        '\n' | '!' | '?' | ';' | '。' | '！' | '？' | '；' | '।' | '؟' => true,
        '.' => text[idx + 1..]
            .chars()
            .next()
            .is_none_or(char::is_whitespace),
        _ => false,
    }
}

/// The last `n` chars of `text` (all of it when shorter).
pub fn tail_chars(text: &str, n: usize) -> &str {
    if n == 0 {
        return &text[text.len()..];
    }
    match text.char_indices().rev().nth(n - 1) {
        Some((i, _)) => &text[i..],
        None => text,
    }
}

/// The first `n` chars of `text` (all of it when shorter).
pub fn head_chars(text: &str, n: usize) -> &str {
    match text.char_indices().nth(n) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeros_are_sorted_and_map_to_digits() {
        assert!(DIGIT_ZEROS.windows(2).all(|w| w[0] + 10 <= w[1]));
        for &zero in &DIGIT_ZEROS {
            for v in 0..10 {
                let c = char::from_u32(zero + v).unwrap();
                assert_eq!(digit_value(c), Some(v), "{c:?}");
                assert!(c.is_numeric(), "{c:?} is not numeric");
            }
        }
    }

    #[test]
    fn scripts_normalise_to_ascii() {
        assert_eq!(normalize_digits("٤٨٢-٩١٣"), "482-913");
        assert_eq!(normalize_digits("۴۸۲۹۱۳"), "482913");
        assert_eq!(normalize_digits("४८२९१३"), "482913");
        assert_eq!(normalize_digits("๕๘๒๐๑๓"), "582013");
        assert_eq!(normalize_digits("７３９１０４"), "739104");
        assert_eq!(normalize_digits("১২৩৪"), "1234");
        assert_eq!(normalize_digits("١٬٢٥٠٫٠٠"), "1,250.00");
    }

    #[test]
    fn non_digits_are_untouched() {
        assert!(matches!(normalize_digits("code 1234"), Cow::Borrowed(_)));
        assert!(matches!(normalize_digits("验证码"), Cow::Borrowed(_)));
        assert_eq!(digit_value('²'), None);
        assert_eq!(digit_value('一'), None);
        assert_eq!(digit_value('Ⅳ'), None);
        assert_eq!(digit_value('a'), None);
    }

    #[test]
    fn glue_and_separators() {
        assert!(is_glue('X') && is_glue('р') && is_glue('é') && is_glue('Ａ'));
        assert!(!is_glue('码') && !is_glue('ก') && !is_glue('ب') && !is_glue('는'));
        assert!(is_code_separator('-') && is_code_separator('\u{A0}'));
        assert!(!is_code_separator('/') && !is_code_separator('.'));
    }

    #[test]
    fn windows() {
        assert_eq!(tail_chars("验证码1234", 5), "码1234");
        assert_eq!(tail_chars("ab", 5), "ab");
        assert_eq!(tail_chars("ab", 0), "");
        assert_eq!(head_chars("验证码1234", 2), "验证");
        assert_eq!(head_chars("ab", 5), "ab");
    }

    #[test]
    fn breaks() {
        let t = "code. 12.05 ID.me";
        assert!(is_break_at(t, 4, '.'));
        assert!(!is_break_at(t, 8, '.'));
        assert!(!is_break_at(t, 14, '.'));
        assert!(is_break_at("a.", 1, '.'));
    }
}
