//! How a candidate relates to the words around it: the linking words
//! between a keyword and a code ("code **is** 1234", "1234 **es tu**
//! código", "验证码**是**1234"), the verbs that introduce a code without a
//! keyword ("**Use** 1234 **to verify**", "**enter** 1234") and the gap
//! measurements (sentence breaks, distance), combined by [`relate`].

use std::sync::LazyLock;

use regex::Regex;

use super::keywords::KeywordHit;
use super::normalize::{head_chars, is_break_at, tail_chars};
use super::span::Span;

fn re(pattern: &str) -> Regex {
    super::compile(pattern)
}

/// A keyword→code gap that ends with a linking word or mark.
static LINK_TAIL: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?i)(?:(?:^|[^\p{L}])(?:is|are|was|es|est|est le|es el|ist|lautet|lauten|sind|è|é|là|la|adalah|",
        r"ialah|yaitu|to|это|є|este|jest|je|on|är|er|είναι|olarak|است|هو|هي|הוא|היא|है|ist:|is:)",
        r"|是|为|為|は|는|은|이|가|คือ|[:：=\-–—])[\s\x22'«»“”\[(（【「]*$",
    ))
});

/// A code→keyword gap that starts with a linking word ("is your",
/// "es tu", "是您的", "(이)가", "— ваш").
static LINK_HEAD: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?i)^[\s,，、:)\]】」]*(?:(?:is|are|es|est|ist|è|é|to|это|là|la|adalah|merupakan|as|como|comme|",
        r"als|come|jako|olarak|هو|هي|הוא|היא|—|–|-)(?:[^\p{L}]|$)|是|为|為|は|が|\(이\)가|이|가|를|을|आपका|คือ)",
    ))
});

/// The seed's second rule: a code followed by "is your" / "is the".
static IS_YOUR: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)^\s*(?:is your|is the)(?:[^\p{L}]|$)"));

/// A verb right before the code: "Use 1234", "enter 1234", "Введите 1234".
static VERB_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?i)(?:(?:^|[^\p{L}])(?:use|enter|type|input|key in|confirm with|verify with|utilisez|utilise|",
        r"saisissez|saisir|entrez|entrer|usa|usá|ingresa|ingrese|introduce|introduzca|digite|insira|informe|",
        r"gebruik|voer|verwende|verwenden sie|nutze|nutzen sie|geben sie|gib|inserisci|immetti|utilizza|",
        r"użyj|wpisz|wprowadź|podaj|введите|используйте|укажите|введіть|використовуйте|girin|giriniz|",
        r"kullanın|kullanin|masukkan|gunakan|nhập|nhap|dùng|sử dụng|su dung)",
        r"|ใช้|กรอก|הזן|הקלד|השתמש|أدخل|استخدم|输入|輸入|입력)[\s:：]*$",
    ))
});

/// A purpose right after the code: "to verify", "para confirmar", "を入力".
static VERB_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?i)^[\s,)\]]*(?:(?:to|in order to) (?:verify|sign|log|confirm|approve|authenticate|complete|",
        r"continue|reset|access|activate|finish|validate|authori[sz]e|proceed|change|unlock|link|set)",
        r"|as (?:your|the)|for (?:verification|login|sign)|para (?:verificar|confirmar|iniciar|acceder|",
        r"validar|activar|autorizar|entrar)|pour (?:vérifier|confirmer|valider|vous connecter|activer|accéder)",
        r"|per (?:verificare|confermare|accedere|autorizzare|attivare)|om (?:te|je|uw) |um |zur |zum |для |",
        r"чтобы|untuk|để |を入力|를\s*입력|을\s*입력)",
    ))
});

/// How a candidate relates to the nearest keywords.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Relation {
    /// 0 when unrelated; 3 for "code is 1234"; less the farther away.
    pub score: f32,
    /// The kind of relation (see [`super::Candidate::reason`]).
    pub reason: &'static str,
    /// Right after a keyword and its linking word ("code is 1234").
    pub tight: bool,
    /// The related keyword names a one-time/verification code.
    pub strong: bool,
}

/// Relation of a candidate to the closest keyword before and after it.
pub(crate) fn relate(
    text: &str,
    s: &Span,
    kws: &[KeywordHit],
    between: impl Fn(usize, usize) -> bool,
) -> Relation {
    let mut best = Relation::default();
    if let Some(k) = kws.iter().rev().find(|k| k.end <= s.start) {
        let gap = &text[k.end..s.start];
        if !has_break(text, k.end, s.start) && !between(k.end, s.start) {
            let n = gap.chars().count() as f32;
            let vis = visible_len(gap);
            let linked = vis > 2 && link_tail(gap);
            if vis <= 2 || (linked && vis <= 8) {
                best = Relation {
                    score: 3.0,
                    reason: "keyword-adjacent",
                    tight: true,
                    strong: k.strong,
                };
            } else if n <= 80.0 {
                let score = 2.2 - 1.2 * n / 80.0 + if linked { 0.6 } else { 0.0 };
                best = Relation {
                    score,
                    reason: "keyword-near",
                    tight: false,
                    strong: k.strong,
                };
            }
        }
    }
    if let Some(k) = kws.iter().find(|k| k.start >= s.end) {
        let gap = &text[s.end..k.start];
        let n = gap.chars().count() as f32;
        if n <= 32.0 && !has_break(text, s.end, k.start) && !between(s.end, k.start) {
            let score = 1.8 - 0.6 * n / 32.0 + if link_head(gap) { 1.2 } else { 0.0 };
            if score > best.score {
                best = Relation {
                    score,
                    reason: "keyword-after-code",
                    tight: false,
                    strong: k.strong,
                };
            }
        }
    }
    if best.score < 2.8 && is_your_after(&text[s.end..]) {
        best = Relation {
            score: 2.8,
            reason: "is-your",
            tight: false,
            strong: best.strong,
        };
    }
    best
}

/// True when the keyword→code gap ends with a linking word or mark.
pub(crate) fn link_tail(gap: &str) -> bool {
    LINK_TAIL.is_match(tail_chars(gap, 16))
}

/// True when the code→keyword gap starts with a linking word.
pub(crate) fn link_head(gap: &str) -> bool {
    LINK_HEAD.is_match(head_chars(gap, 16))
}

/// True when the code is followed by "is your" / "is the".
pub(crate) fn is_your_after(after: &str) -> bool {
    IS_YOUR.is_match(head_chars(after, 16))
}

/// True when a verb introduces the code (`before` = its sentence so far).
pub(crate) fn verb_before(before: &str) -> bool {
    VERB_BEFORE.is_match(tail_chars(before, 24))
}

/// True when a purpose follows the code.
pub(crate) fn verb_after(after: &str) -> bool {
    VERB_AFTER.is_match(head_chars(after, 32))
}

/// True when `text[from..to]` crosses a sentence or line break. A line
/// break right after a colon (`code:\n123456`) does not count.
pub(crate) fn has_break(text: &str, from: usize, to: usize) -> bool {
    for (i, c) in text[from..to].char_indices() {
        if is_break_at(text, from + i, c) {
            if c == '\n' {
                let before = text[from..from + i].trim_end();
                if before.is_empty() || before.ends_with([':', '：']) {
                    continue;
                }
            }
            return true;
        }
    }
    false
}

/// Byte offset where the sentence containing `idx` starts.
pub(crate) fn sentence_start(text: &str, idx: usize) -> usize {
    for (i, c) in text[..idx].char_indices().rev() {
        if is_break_at(text, i, c) {
            return i + c.len_utf8();
        }
    }
    0
}

/// Number of letters and digits in `gap` (what a reader would call words).
pub(crate) fn visible_len(gap: &str) -> usize {
    gap.chars().filter(|c| c.is_alphanumeric()).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linkers_after_keyword() {
        for gap in [
            " is ",
            ": ",
            " lautet ",
            " est le ",
            " là ",
            "是：",
            "는 ",
            " adalah ",
            " คือ ",
        ] {
            assert!(link_tail(gap), "{gap:?}");
        }
        for gap in [" for your account ", " Google "] {
            assert!(!link_tail(gap), "{gap:?}");
        }
    }

    #[test]
    fn linkers_before_keyword() {
        for gap in [
            " is your Google ",
            " es tu ",
            " est votre ",
            " 是您的 ",
            "(이)가 Google ",
            " — ваш ",
            " la ",
        ] {
            assert!(link_head(gap), "{gap:?}");
        }
        assert!(!link_head(" for your "));
        assert!(is_your_after(" is your Amazon OTP"));
        assert!(!is_your_after(" is yours"));
    }

    #[test]
    fn verbs() {
        assert!(verb_before("If it was you, enter "));
        assert!(verb_before("Use "));
        assert!(verb_before("Введите "));
        assert!(!verb_before("because "));
        assert!(verb_after(" to verify your account"));
        assert!(verb_after("を入力してください"));
        assert!(!verb_after(" to 89203"));
    }

    #[test]
    fn breaks_and_sentences() {
        let t = "Your code:\n482913. Call us. Now";
        assert!(!has_break(t, 9, 11));
        assert!(has_break(t, 0, t.len()));
        assert_eq!(sentence_start(t, t.len()), t.len() - 4);
        assert_eq!(sentence_start(t, 5), 0);
        assert_eq!(visible_len(" is: "), 2);
    }
}
