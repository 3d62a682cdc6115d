//! Multilingual words that announce a one-time code ("code", "OTP",
//! "验证码", "رمز", ...), found with one case-insensitive regex and then
//! checked for word boundaries by hand (Unicode `\b` would push the regex
//! engine off its fast DFA path on non-ASCII text).
//!
//! Languages: English, Spanish, French, German, Portuguese, Italian, Dutch,
//! Polish, Russian, Ukrainian, Turkish, Arabic, Persian, Hindi, Chinese,
//! Japanese, Korean, Vietnamese, Indonesian/Malay, Thai, Hebrew, plus
//! Scandinavian, Finnish, Czech/Slovak, Romanian and Greek basics, Catalan,
//! Estonian, Swahili, Urdu and Bengali.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use super::disqualify::{disqualified_after, disqualified_before, tail_ok};

/// How a keyword must sit among its neighbours.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Bound {
    /// A whole word: no letter or digit on either side.
    Word,
    /// A word start; the word may go on (`kod` → `kodunuz`).
    Stem,
    /// May end a compound (`Bestätigungscode`, `verificatiecode`) unless the
    /// compound is a known non-OTP one (`barcode`, `postcode`); ends a word
    /// or is followed by a plural `s`.
    Tail,
    /// Like [`Bound::Tail`] but the word may go on (`engångskod`, `kodu`).
    TailStem,
    /// Scripts written without spaces or with attached particles: anywhere.
    Free,
}

use Bound::*;

/// `(keyword, strong, bound)`. A strong keyword names a *one-time* or
/// *verification* code; a weak one ("code", "PIN") is generic.
#[rustfmt::skip]
const KEYWORDS: &[(&str, bool, Bound)] = &[
    // English
    ("otp", true, Word), ("otps", true, Word), ("passcode", true, Stem), ("pass code", true, Word),
    ("one-time", true, Word), ("one time", true, Word), ("onetime", true, Word),
    ("verification", true, Word), ("2fa", true, Word), ("mfa", true, Word),
    ("security code", true, Word), ("access code", true, Word), ("login code", true, Word),
    ("sign-in code", true, Word), ("code", false, Tail), ("pin", false, Word),
    ("token", false, Word), ("password", false, Stem),
    // Spanish / Portuguese / Italian / French
    ("código", false, Stem), ("codigo", false, Stem), ("verificación", true, Word),
    ("verificacion", true, Word), ("clave", false, Stem), ("contraseña", false, Stem),
    ("verificação", true, Word), ("verificacao", true, Word), ("senha", false, Stem),
    ("codice", false, Stem), ("verifica", true, Word), ("vérification", true, Word),
    ("sécurité", true, Word), ("mot de passe", false, Word),
    // German / Dutch
    ("tan", true, Word), ("mtan", true, Word), ("mobiletan", true, Word), ("smstan", true, Word),
    ("sms-tan", true, Word), ("pushtan", true, Word), ("chiptan", true, Word),
    // Compounds end in them: Einmalpasswort, Einmalkennwort.
    ("passwort", false, TailStem), ("kennwort", false, TailStem), ("wachtwoord", false, Stem),
    // Polish / Turkish / Scandinavian
    ("kod", false, TailStem), ("hasło", false, Stem), ("haslo", false, Stem),
    ("weryfikac", true, Stem), ("autoryzac", true, Stem), ("doğrulama", true, Stem),
    ("dogrulama", true, Stem), ("şifre", false, Stem), ("sifre", false, Stem),
    ("parola", false, Stem),
    // Finnish, Czech/Slovak/Hungarian, Romanian, Greek
    ("koodi", false, TailStem), ("salasana", false, TailStem), ("kód", false, Stem),
    ("heslo", false, Stem), ("cod", false, Word),
    ("codul", false, Word), ("κωδικ", false, Stem),
    // Catalan, Estonian (kinnituskood), Swahili
    ("codi", false, Word), ("kood", false, TailStem), ("uthibitisho", true, Stem),
    // Russian / Ukrainian
    ("код", false, Stem), ("пароль", false, Stem), ("подтвержд", true, Stem),
    ("підтвердж", true, Stem), ("одноразов", true, Stem),
    // Vietnamese / Indonesian / Malay
    ("mã", false, Word), ("mã xác thực", true, Word), ("mã xác minh", true, Word),
    ("mã xác nhận", true, Word), ("ma xac thuc", true, Word), ("ma xac minh", true, Word),
    ("ma xac nhan", true, Word), ("ma kich hoat", true, Word), ("ma otp", true, Word),
    // Danish/Norwegian compounds end in it (engangskode, bekræftelseskode, sikkerhetskoden).
    ("kode", false, TailStem), ("verifikasi", true, Word), ("rahasia", true, Word),
    ("kata sandi", false, Word),
    // Arabic / Persian / Hebrew / Hindi / Thai
    ("رمز", false, Free), ("كود", false, Free), ("التحقق", true, Free), ("کد", false, Free),
    ("تایید", true, Free), ("تأیید", true, Free), ("یکبار مصرف", true, Free), ("پویا", true, Free),
    ("קוד", false, Free), ("אימות", true, Free), ("חד פעמי", true, Free), ("סיסמה", false, Free),
    ("סיסמא", false, Free), ("ओटीपी", true, Free), ("कोड", false, Free), ("सत्यापन", true, Free),
    ("पासवर्ड", false, Free), ("รหัส", false, Free), ("รหัสยืนยัน", true, Free),
    // Urdu, Bengali
    ("کوڈ", false, Free), ("تصدیق", true, Free), ("কোড", false, Free), ("ভেরিফিকেশন", true, Free),
    // Chinese
    ("验证码", true, Free), ("驗證碼", true, Free), ("校验码", true, Free), ("校驗碼", true, Free),
    ("确认码", true, Free), ("確認碼", true, Free), ("动态码", true, Free), ("動態碼", true, Free),
    ("动态密码", true, Free), ("動態密碼", true, Free), ("授权码", true, Free), ("授權碼", true, Free),
    ("认证码", true, Free), ("認證碼", true, Free), ("安全码", true, Free), ("短信码", true, Free),
    ("激活码", true, Free), ("口令", true, Free),
    // Japanese
    ("認証番号", true, Free), ("認証コード", true, Free), ("確認コード", true, Free), ("確認番号", true, Free),
    ("ワンタイムパスワード", true, Free), ("パスコード", true, Free), ("セキュリティコード", true, Free),
    ("暗証番号", true, Free), ("認証キー", true, Free), ("コード", false, Free),
    // Korean
    ("인증번호", true, Free), ("인증 번호", true, Free), ("인증코드", true, Free), ("인증 코드", true, Free),
    ("확인번호", true, Free), ("확인 코드", true, Free), ("보안코드", true, Free), ("코드", false, Free),
    ("비밀번호", false, Free),
];

/// One case-insensitive alternation of every keyword, longest first so
/// that leftmost-first matching prefers the longest phrase at a position.
static KEYWORD_RE: LazyLock<Regex> = LazyLock::new(|| {
    let mut words: Vec<&str> = KEYWORDS.iter().map(|k| k.0).collect();
    words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
    let alternation: Vec<String> = words.iter().map(|w| regex::escape(w)).collect();
    super::compile(&format!("(?i)(?:{})", alternation.join("|")))
});

static KEYWORD_INFO: LazyLock<HashMap<String, (bool, Bound)>> = LazyLock::new(|| {
    KEYWORDS
        .iter()
        .map(|&(w, strong, bound)| (w.to_lowercase(), (strong, bound)))
        .collect()
});

/// A keyword occurrence in the (digit-normalised) message.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct KeywordHit {
    /// Byte offset of the first char.
    pub start: usize,
    /// Byte offset after the last char (after the word's ending for stems).
    pub end: usize,
    /// True for words that name a one-time / verification code.
    pub strong: bool,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// All keyword occurrences of `text` that sit on proper boundaries and are
/// not part of a promo/postal/barcode phrase.
pub(crate) fn find_keywords(text: &str) -> Vec<KeywordHit> {
    let mut hits = Vec::new();
    for m in KEYWORD_RE.find_iter(text) {
        let (strong, bound) = keyword_info(m.as_str());
        let (glued, rest) = match bound {
            Free => (0, 0),
            _ => (
                word_len(text[..m.start()].chars().rev()),
                word_len(text[m.end()..].chars()),
            ),
        };
        let word_start = m.start() - glued;
        let ok = match bound {
            Word => glued == 0 && rest == 0,
            Stem => glued == 0,
            Tail => {
                tail_ok(&text[word_start..m.start()])
                    && (rest == 0 || &text[m.end()..m.end() + rest] == "s")
            }
            TailStem => tail_ok(&text[word_start..m.start()]),
            Free => true,
        };
        let end = m.end() + rest;
        if !ok || disqualified_before(&text[..word_start]) || disqualified_after(&text[end..]) {
            continue;
        }
        let start = if matches!(bound, Tail | TailStem) {
            word_start
        } else {
            m.start()
        };
        hits.push(KeywordHit { start, end, strong });
    }
    hits
}

/// Strength and boundary rule of a matched keyword (case-insensitive).
fn keyword_info(word: &str) -> (bool, Bound) {
    let mut buf = [0u8; 48];
    let info = if word.is_ascii() && word.len() <= buf.len() {
        let lower = &mut buf[..word.len()];
        lower.copy_from_slice(word.as_bytes());
        lower.make_ascii_lowercase();
        std::str::from_utf8(lower)
            .ok()
            .and_then(|w| KEYWORD_INFO.get(w))
    } else {
        KEYWORD_INFO.get(&word.to_lowercase())
    };
    info.copied().unwrap_or((false, Free))
}

/// Byte length of the run of word chars at the start of `chars`.
fn word_len(chars: impl Iterator<Item = char>) -> usize {
    chars
        .take_while(|&c| is_word_char(c))
        .map(char::len_utf8)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        find_keywords(text)
            .iter()
            .map(|h| &text[h.start..h.end])
            .collect()
    }

    #[test]
    fn english_and_seed_words() {
        assert_eq!(
            words("Your verification code is 1"),
            ["verification", "code"]
        );
        assert_eq!(
            words("OTP: 1; PIN 2; token 3; Password 4"),
            ["OTP", "PIN", "token", "Password"]
        );
        assert_eq!(
            words("Use 6094 as Microsoft account security code"),
            ["security code"]
        );
    }

    #[test]
    fn boundaries() {
        assert!(words("barcode 12345678, zipcode, Pakistan, pinned").is_empty());
        assert!(words("promo code WELCOME15").is_empty());
        assert!(words("código de descuento VERANO24").is_empty());
        assert!(words("Código de cita: 4821, code de suivi, booking confirmation code").is_empty());
        assert!(words("error code 5012, gift card code").is_empty());
        assert_eq!(
            words("código de verificación, Código de WhatsApp"),
            ["código", "verificación", "Código"]
        );
        assert!(words("промокод SALE20").is_empty());
        assert_eq!(words("Dein N26 Bestätigungscode:"), ["Bestätigungscode"]);
        assert_eq!(words("dogrulama kodunuz 602194"), ["dogrulama", "kodunuz"]);
        assert_eq!(words("Ihre mobileTAN lautet"), ["mobileTAN"]);
    }

    #[test]
    fn fifteen_plus_languages() {
        let samples = [
            ("es", "Tu código es"),
            ("fr", "Votre code est"),
            ("de", "Ihre TAN"),
            ("pt", "Sua senha"),
            ("it", "il codice"),
            ("nl", "verificatiecode"),
            ("pl", "Kod SMS"),
            ("ru", "Ваш код"),
            ("uk", "Код для входу"),
            ("tr", "şifreniz"),
            ("ar", "رمز التحقق"),
            ("fa", "کد تایید"),
            ("hi", "सत्यापन कोड"),
            ("zh", "验证码"),
            ("ja", "認証番号"),
            ("ko", "인증번호"),
            ("vi", "Mã xác minh"),
            ("id", "Kode verifikasi"),
            ("th", "รหัสยืนยัน"),
            ("he", "קוד האימות"),
        ];
        for (lang, text) in samples {
            assert!(!find_keywords(text).is_empty(), "{lang}: {text}");
        }
    }

    #[test]
    fn any_case() {
        let text = "YOUR CODE: 1, Código, CÓDIGO, КОД, Код, MÃ OTP";
        assert_eq!(
            words(text),
            ["CODE", "Código", "CÓDIGO", "КОД", "Код", "MÃ", "OTP"]
        );
    }

    #[test]
    fn strength() {
        assert!(find_keywords("验证码").iter().all(|h| h.strong));
        assert!(find_keywords("your code").iter().all(|h| !h.strong));
        assert!(find_keywords("One-time passcode").iter().all(|h| h.strong));
    }
}
