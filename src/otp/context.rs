//! Message-wide context: links (whose numbers are never codes), sender
//! tags (`【铁路12306】`), marketing and verification vocabulary, and
//! stale-code wording ("previous code", "has expired"). Every regex here is
//! compiled once and runs once per message or on a short window.

use std::sync::LazyLock;

use regex::Regex;

use super::normalize::{head_chars, tail_chars};
use super::span::Span;

fn re(pattern: &str) -> Regex {
    super::compile(pattern)
}

/// URLs, bare `host.tld/path` links and e-mail-like `a@b` tokens.
static LINK: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?i)(?:https?://|www\.)[^\s<>"'）)】]+|[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.[a-z]{2,}/[^\s<>"'）)】]*|[^\s@<>"'(（]+@[^\s@<>"')）]+"#,
    )
});

/// Words that mark a code as stale ("previous code", "has expired").
static STALE_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)previous|old code|old otp|former|earlier|prior|vorherige|alter code|anterior|ancien|précédent|precedente|vorige|poprzedni|предыдущ|прежн|önceki|sebelumnya|trước|이전|之前|以前|旧|前回",
    )
});

/// Words after a code that mark it as stale ("112233 has expired").
static STALE_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)has expired|expired|no longer valid|abgelaufen|ha caducado|expiró|a expiré|expiré|è scaduto|scaduto|is verlopen|wygasł|истек|истёк|sona erdi|kedaluwarsa|đã hết hạn|만료되었|已过期|已失效|期限切れ",
    )
});

/// Any stale-code word at all (a cheap message-wide pre-check).
static STALE_ANY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)previous|old|former|earlier|prior|vorherig|alte|anterior|ancien|précédent|precedente|vorige|poprzedni|предыдущ|прежн|önceki|sebelumnya|trước|이전|之前|以前|旧|前回|expir|no longer valid|abgelaufen|caducado|scaduto|verlopen|wygasł|истек|истёк|sona erdi|kedaluwarsa|hết hạn|만료|已过期|已失效|期限切れ",
    )
});

/// Marketing: percentages and sale/promo vocabulary.
static MARKETING: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\d\s?[%％]|(?:^|[^\p{L}])(?:sale|promo|promotion|discount|coupon|voucher|rebajas|descuento|rabatt|soldes|réduction|sconto|saldi|korting|aanbieding|скидк|акци|indirim|kampanya|diskon|giảm giá|khuyến mãi)|ลดราคา|โปรโมชั่น|הנחה|تخفیف|خصم|छूट|优惠|大促|折扣|退订|回T|割引|クーポン|セール|할인|쿠폰|\(광고\)",
    )
});

/// Verification vocabulary: the message is about signing in or verifying.
static VOCAB: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)verif|sign[ -]?in|log[ -]?in|logon|authent|authori[sz]|confirm|approve|2-step|two-step|password|passwort|contraseña|senha|mot de passe|bestätig|anmeld|inicia|iniciar sesión|connexion|accedi|accesso|inlog|logowan|вход|войти|подтвер|giriş|masuk|đăng nhập|xác|เข้าสู่ระบบ|ยืนยัน|התחבר|אימות|ورود|تایید|الدخول|تحقق|लॉगिन|सत्यापन|验证|驗證|登录|登錄|認証|ログイン|인증|로그인",
    )
});

/// True when the message mentions old or expired codes at all.
pub(crate) fn mentions_staleness(text: &str) -> bool {
    STALE_ANY.is_match(text)
}

/// True when the candidate is marked as an old/expired code.
/// Both windows stop at the end of the candidate's sentence.
pub(crate) fn is_stale(text: &str, s: &Span) -> bool {
    const ENDS: [char; 5] = ['.', '!', '?', '\n', '。'];
    let before = tail_chars(&text[..s.start], 24);
    let before = match before.char_indices().rev().find(|(_, c)| ENDS.contains(c)) {
        Some((i, c)) => &before[i + c.len_utf8()..],
        None => before,
    };
    let after = head_chars(&text[s.end..], 32);
    let after = &after[..after.find(ENDS).unwrap_or(after.len())];
    STALE_BEFORE.is_match(before) || STALE_AFTER.is_match(after)
}

/// Byte ranges of links and e-mail addresses.
pub(crate) fn link_ranges(text: &str) -> Vec<(usize, usize)> {
    if !text.contains(['/', '@']) && !text.contains("www.") {
        return Vec::new();
    }
    LINK.find_iter(text).map(|m| (m.start(), m.end())).collect()
}

/// True for sales and promotion messages.
pub(crate) fn is_marketing(text: &str) -> bool {
    MARKETING.is_match(text)
}

/// True when the message talks about verifying or signing in.
pub(crate) fn has_vocabulary(text: &str) -> bool {
    VOCAB.is_match(text)
}

/// Byte ranges of the insides of sender tags such as `【铁路12306】` or
/// `[Acme 2024]`: brackets on one line that hold letters. A number inside
/// one is part of a name, not a code (`[482913]` holds no letters).
pub(crate) fn sender_tags(text: &str) -> Vec<(usize, usize)> {
    let mut tags = Vec::new();
    if !text.contains(['【', '[', '「']) {
        return tags;
    }
    for (open, close) in [('【', '】'), ('[', ']'), ('「', '」')] {
        let mut from = 0;
        while let Some(o) = text[from..].find(open) {
            let inner_start = from + o + open.len_utf8();
            let Some(c) = text[inner_start..].find(close) else {
                break;
            };
            let inner = &text[inner_start..inner_start + c];
            if inner.contains(open) {
                from = inner_start;
                continue;
            }
            if !inner.contains('\n') && inner.chars().any(char::is_alphabetic) {
                tags.push((inner_start, inner_start + c));
            }
            from = inner_start + c + close.len_utf8();
        }
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::super::candidates::scan;
    use super::*;

    #[test]
    fn links_and_message_signals() {
        let text = "Go to https://x.example/a/482913 or v.example.com/482913, mail a@b.example";
        assert_eq!(link_ranges(text).len(), 3);
        assert!(link_ranges("no links 482913").is_empty());
        assert!(is_marketing("Sale! 50% off today"));
        assert!(is_marketing("满100减50，回T退订"));
        assert!(!is_marketing("Your verification code is 482913"));
        assert!(has_vocabulary("Use 418 027 to verify your account"));
        assert!(has_vocabulary("로그인 인증"));
        assert!(!has_vocabulary("Your parcel ships today"));
    }

    #[test]
    fn stale_codes_and_sender_tags() {
        let text = "Your previous code 112233 has expired. Your new code is 445566.";
        let spans = scan(text);
        assert!(is_stale(text, &spans[0]));
        assert!(!is_stale(text, &spans[1]));
        let text = "旧验证码。验证码123456。 Earlier msg. Code 654321";
        let spans = scan(text);
        assert!(!is_stale(text, &spans[0]) && !is_stale(text, &spans[1]));
        let text = "【铁路12306】您的验证码是：583020。[Web발신] [482913] [a [B] c";
        let tags: Vec<&str> = sender_tags(text)
            .iter()
            .map(|&(a, b)| &text[a..b])
            .collect();
        assert_eq!(tags, ["铁路12306", "Web발신", "B"]);
        assert!(sender_tags("no tags 482913").is_empty());
    }
}
