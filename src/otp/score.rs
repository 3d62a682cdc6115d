//! Scoring: every candidate that survives the negative evidence gets a
//! score from its relation to the keywords (right after "code is", shortly
//! before "is your code", in the same sentence), from verbs ("Use … to
//! verify"), from its shape, and loses points for looking like a year, a
//! date, a sender tag, a stale code or a phone number. A message that
//! neither names a code nor talks about verifying yields nothing.

use super::candidates::{looks_like_date, scan};
use super::context::{
    has_vocabulary, is_marketing, is_stale, link_ranges, mentions_staleness, sender_tags,
};
use super::keywords::{find_keywords, KeywordHit};
use super::labels::{adjacent_reject, negative_after, negative_before};
use super::relations::{relate, sentence_start, verb_after, verb_before};
use super::span::{Kind, Span};

/// Minimum score for the best candidate to be returned as the code.
pub(crate) const ACCEPT: f32 = 1.0;

/// A candidate with its score and the main reason for it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Scored {
    /// The code as the form expects it.
    pub code: String,
    /// Higher is better; [`ACCEPT`] and above is a code.
    pub score: f32,
    /// The strongest evidence.
    pub reason: &'static str,
}

/// Scores every candidate of a digit-normalised message body, best first.
pub(crate) fn score(text: &str) -> Vec<Scored> {
    let spans = scan(text);
    if spans.is_empty() {
        return Vec::new();
    }
    let links = link_ranges(text);
    let in_link = |a: usize, b: usize| links.iter().any(|&(s, e)| a < e && b > s);
    let kws: Vec<KeywordHit> = find_keywords(text)
        .into_iter()
        .filter(|k| !in_link(k.start, k.end))
        .collect();
    let any_strong = kws.iter().any(|k| k.strong);
    let vocab = any_strong || has_vocabulary(text);
    let marketing = is_marketing(text);
    // A message that starts with the code alone on its line (`583917`, `604 281`, then
    // perhaps "Valid for 10 minutes" in any language) needs no keyword: nothing else in
    // an SMS looks like that.
    if let Some(s) = code_line(text, &spans).filter(|_| !marketing) {
        return vec![Scored {
            code: s.code.clone(),
            score: 2.0,
            reason: "code-line",
        }];
    }
    // Not a code message: no keyword and no verification talk, or an ad
    // that never talks about verifying.
    if !vocab && (kws.is_empty() || marketing) {
        return Vec::new();
    }
    let starts: Vec<usize> = spans
        .iter()
        .map(|s| sentence_start(text, s.start))
        .collect();
    // Why each candidate cannot be the code (`None`: it can).
    let rejected: Vec<Option<&'static str>> = spans
        .iter()
        .zip(&starts)
        .map(|(s, &sent)| {
            if in_link(s.start, s.end) {
                Some("in-link")
            } else {
                rejection(text, s, sent, &kws)
            }
        })
        .collect();
    let viable = |j: usize| rejected[j].is_none();
    // Capitals-only words (`SMITH`, `IRCTC`), promo-like tokens and dashed
    // pairs (`12-05-25`) are codes only right after a keyword, so they never
    // stand between a keyword and another candidate.
    let blocks =
        |o: &Span| !(o.kind == Kind::Letters || o.promo_shape || (o.dashed && o.groups == 3));
    let between = |from: usize, to: usize, me: usize| {
        spans
            .iter()
            .enumerate()
            .any(|(j, o)| j != me && viable(j) && blocks(o) && o.start >= from && o.end <= to)
    };

    let stale_words = mentions_staleness(text);
    let tags = sender_tags(text);
    let mut out: Vec<Scored> = Vec::new();
    let mut dropped: Vec<Scored> = Vec::new();
    let mut unrelated = Vec::new();
    for (i, s) in spans.iter().enumerate() {
        if let Some(reason) = rejected[i] {
            dropped.push(Scored {
                code: s.code.clone(),
                score: 0.0,
                reason,
            });
            continue;
        }
        let rel = relate(text, s, &kws, |a, b| between(a, b, i));
        // Verbs only matter for codes that are not right after a keyword.
        let sentence = &text[starts[i]..s.start];
        let verb = if !rel.tight && verb_before(sentence) {
            1.6
        } else {
            0.0
        };
        let purpose = if !rel.tight && verb_after(&text[s.end..]) {
            0.6
        } else {
            0.0
        };
        let keep = match s.kind {
            Kind::Letters => rel.tight,
            Kind::Grouped if s.dashed && s.groups == 3 => rel.tight,
            _ if s.promo_shape => rel.tight && vocab && !marketing,
            _ => !marketing || rel.strong,
        };
        if !keep {
            let reason = if marketing {
                "marketing"
            } else {
                "needs-keyword"
            };
            dropped.push(Scored {
                code: s.code.clone(),
                score: 0.0,
                reason,
            });
            continue;
        }
        if rel.score == 0.0 && verb == 0.0 {
            unrelated.push(i);
            continue;
        }
        let (mut score, mut reason) = (rel.score + verb + purpose, rel.reason);
        if verb > rel.score {
            reason = "verb-phrase";
        }
        score += shape_adjustment(s, rel.tight, &tags);
        if stale_words && is_stale(text, s) {
            score -= 2.0;
        }
        out.push(Scored {
            code: s.code.clone(),
            score,
            reason,
        });
    }
    // The seed's last rule: a lone number in a message that names a code.
    // ... standing on its own: at the start of its sentence or after a colon,
    // not labelled by a preceding word (`Apartment 4512`, `Flight 2045`).
    let numeric = |i: usize| {
        let lead = text[starts[i]..spans[i].start].trim_end();
        matches!(spans[i].kind, Kind::Digits | Kind::Grouped | Kind::Prefixed)
            && (lead.is_empty() || lead.ends_with([':', '：']))
    };
    let lone =
        out.is_empty() && !kws.is_empty() && unrelated.iter().filter(|&&i| numeric(i)).count() == 1;
    for i in unrelated {
        let s = &spans[i];
        let base = if lone && numeric(i) { 1.0 } else { 0.3 };
        let score = base + shape_adjustment(s, false, &tags).min(0.0);
        out.push(Scored {
            code: s.code.clone(),
            score,
            reason: "standalone",
        });
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score));
    out.append(&mut dropped);
    let mut seen: Vec<&str> = Vec::new();
    let mut deduped = Vec::with_capacity(out.len());
    for s in &out {
        if !seen.contains(&s.code.as_str()) {
            seen.push(&s.code);
            deduped.push(s.clone());
        }
    }
    deduped
}

/// The candidate that is the whole first non-empty line of `text`, if one is: 4 to 8
/// digits (grouped or not), or 4 to 10 letters and digits with at least one of each.
fn code_line<'a>(text: &str, spans: &'a [Span]) -> Option<&'a Span> {
    let offset = text.len() - text.trim_start().len();
    let line = text[offset..].lines().next()?.trim_end();
    let s = spans.iter().find(|s| s.start == offset)?;
    if s.end - s.start != line.len() {
        return None;
    }
    let digits = s.code.bytes().filter(u8::is_ascii_digit).count();
    let fits = match s.kind {
        Kind::Digits | Kind::Grouped => (4..=8).contains(&digits) && digits == s.code.len(),
        Kind::Alnum => (4..=10).contains(&s.code.len()) && digits > 0 && digits < s.code.len(),
        _ => false,
    };
    fits.then_some(s)
}

/// Why a candidate cannot be the code, if it cannot.
fn rejection(text: &str, s: &Span, sentence: usize, kws: &[KeywordHit]) -> Option<&'static str> {
    if let Some(reason) = adjacent_reject(text, s) {
        return Some(reason);
    }
    let kw_end = kws
        .iter()
        .rev()
        .find(|k| k.end <= s.start)
        .map_or(0, |k| k.end);
    let from = kw_end.max(sentence);
    negative_before(&text[from..s.start]).or_else(|| negative_after(text, s.end))
}

/// Bonus or penalty from the candidate's shape and position.
fn shape_adjustment(s: &Span, tight: bool, tags: &[(usize, usize)]) -> f32 {
    let mut adj = match s.kind {
        Kind::Prefixed => 0.3,
        Kind::Digits | Kind::Grouped if s.code.len() == 6 => 0.2,
        Kind::Digits | Kind::Grouped => 0.0,
        Kind::Alnum => -0.3,
        Kind::Letters => -0.5,
    };
    if s.dashed && s.code.len() == 8 {
        adj -= 0.5;
    }
    if !tight && s.kind == Kind::Digits && looks_like_date(&s.code) {
        adj -= 1.2;
    }
    if tags.iter().any(|&(a, b)| a <= s.start && s.end <= b) {
        adj -= 1.5;
    }
    adj
}

#[cfg(test)]
mod tests {
    use super::*;

    fn best(text: &str) -> Option<String> {
        score(text)
            .into_iter()
            .next()
            .filter(|s| s.score >= ACCEPT)
            .map(|s| s.code)
    }

    #[test]
    fn seed_priority_is_the_floor() {
        assert_eq!(best("Your code is 482913").as_deref(), Some("482913"));
        assert_eq!(best("OTP: 4821, ref 99887766").as_deref(), Some("4821"));
        assert_eq!(best("739104 is your Amazon OTP").as_deref(), Some("739104"));
        assert_eq!(best("Use this code. 58213").as_deref(), Some("58213"));
    }

    #[test]
    fn relations_pick_the_right_number() {
        assert_eq!(
            best("Ticket 4821: your verification code is 739152.").as_deref(),
            Some("739152")
        );
        assert_eq!(
            best("Your previous code 112233 has expired. Your new code is 445566.").as_deref(),
            Some("445566")
        );
        assert_eq!(
            best("If it was you, enter 290471 to log in.").as_deref(),
            Some("290471")
        );
        assert_eq!(
            best("【铁路12306】您的验证码是：583020。").as_deref(),
            Some("583020")
        );
    }

    #[test]
    fn no_code_messages() {
        assert_eq!(best("Your order 12345678 has shipped."), None);
        assert_eq!(
            best("Get 20% off with code RIDE20. Reply STOP to 55955"),
            None
        );
        assert_eq!(best("Welcome to FitClub 2024! Your code is below."), None);
        assert_eq!(best("Your code 4821 2025 5512"), None);
    }
}
