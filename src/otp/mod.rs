//! One-time-code (OTP) extraction from SMS bodies.
//!
//! [`extract`] reads a verification SMS the way a careful person would and
//! returns the code a form expects, or `None` when the message carries no
//! code (marketing, shipping, bank alerts). The pipeline:
//!
//! 1. `envelope` strips SMS Retriever framing (`<#>`, app hash) and reads
//!    a WICG origin-bound line (`@example.com #123456`), which is trusted;
//! 2. `normalize` maps digits of every script to ASCII;
//! 3. `candidates` lists digit runs, separated groups and prefixed codes,
//!    `alphanumeric` adds tokens such as `AB12CD`;
//! 4. `labels` throws out amounts, dates, times, phones, card endings,
//!    order/reference numbers; `context` links, sender tags and ads;
//! 5. `keywords` (minus the phrases in `disqualify`) and `relations`
//!    tie the rest to the words that announce a code in 20+ languages, and
//!    `score` picks the best.
//!
//! [`extract_naive`] is the seed baseline, kept for comparison.

mod alphanumeric;
mod candidates;
mod context;
mod disqualify;
mod envelope;
mod keywords;
mod labels;
mod naive;
mod normalize;
mod relations;
mod score;
mod span;

pub use naive::extract_naive;
pub use normalize::{digit_value, is_code_separator, normalize_digits};

/// A one-time code found in a message.
#[derive(Debug, Clone, PartialEq)]
pub struct Otp {
    /// The code as a form expects it: ASCII digits, separators and service
    /// prefixes (`G-`, `FB-`) removed, letters in their original case.
    pub code: String,
    /// How sure the extractor is, from 0 to 1.
    pub confidence: f32,
    /// For WICG origin-bound messages, the top-level origin the code is
    /// bound to (`example.com` in `@example.com #123456 %other.example`).
    pub domain: Option<String>,
    /// Every token considered, best first (the code is the first); tokens
    /// ruled out come last with score 0 and the reason.
    pub candidates: Vec<Candidate>,
}

/// One token the extractor considered as the code.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The token, normalised like [`Otp::code`].
    pub code: String,
    /// Its score; 1.0 and above is accepted as a code.
    pub score: f32,
    /// The main evidence behind the score (`"origin-bound"`,
    /// `"keyword-adjacent"`, `"keyword-near"`, `"keyword-after-code"`,
    /// `"is-your"`, `"verb-phrase"`, `"standalone"`, `"code-line"`), or, with score 0, why
    /// the token is not a code (`"amount"`, `"context-before"`,
    /// `"context-after"`, `"number"`, `"time"`, `"date-or-path"`,
    /// `"percent"`, `"reference"`, `"masked"`, `"short-code"`, `"in-link"`,
    /// `"marketing"`, `"needs-keyword"`).
    pub reason: &'static str,
}

/// Extracts the one-time code of an SMS body, or `None` when there is none.
pub fn extract(body: &str) -> Option<Otp> {
    let env = envelope::open(body);
    let text = normalize_digits(env.body);
    let scored = score::score(&text);
    let candidates: Vec<Candidate> = scored
        .iter()
        .map(|s| Candidate {
            code: s.code.clone(),
            score: s.score,
            reason: s.reason,
        })
        .collect();
    if let Some(origin) = env.origin {
        let agrees = scored
            .first()
            .is_some_and(|s| s.code == origin.code && s.score >= score::ACCEPT);
        let mut all = vec![Candidate {
            code: origin.code.clone(),
            score: 10.0,
            reason: "origin-bound",
        }];
        all.extend(candidates.into_iter().filter(|c| c.code != origin.code));
        return Some(Otp {
            code: origin.code,
            confidence: if agrees { 0.99 } else { 0.95 },
            domain: Some(origin.domain.to_string()),
            candidates: all,
        });
    }
    let best = scored.first().filter(|s| s.score >= score::ACCEPT)?;
    let runner_up = scored.get(1).map_or(0.0, |s| s.score.max(0.0));
    Some(Otp {
        code: best.code.clone(),
        confidence: confidence(best.score, runner_up),
        domain: None,
        candidates,
    })
}

/// Extracts just the code: `extract(body).map(|o| o.code)`.
pub fn extract_code(body: &str) -> Option<String> {
    extract(body).map(|o| o.code)
}

/// Compiles one of the module's fixed patterns. The lazy DFA gets a large
/// cache: the multilingual alternations have big Unicode states, and with
/// the default cache they would be rebuilt over and over (10× slower).
pub(crate) fn compile(pattern: &str) -> regex::Regex {
    regex::RegexBuilder::new(pattern)
        .dfa_size_limit(32 << 20)
        .build()
        .expect("built-in OTP pattern")
}

/// Maps a winning score and the runner-up's to a 0–1 confidence: higher
/// scores and wider margins give more confidence.
fn confidence(best: f32, runner_up: f32) -> f32 {
    let strength = 1.0 - (-(best - 0.5) / 1.5).exp();
    let margin = ((best - runner_up) / 2.0).clamp(0.0, 1.0);
    (strength * (0.6 + 0.4 * margin)).clamp(0.01, 0.99)
}

#[cfg(test)]
mod tests;
