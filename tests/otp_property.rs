//! Property tests: `extract` never panics, and any code it returns is made
//! of chars of the input, in order and contiguous once digits are
//! normalised and code separators (spaces, dashes) are removed.

use agentpass_sms::otp::{extract, extract_code, is_code_separator, normalize_digits};
use proptest::prelude::*;

/// The input as the form would see it: ASCII digits, no separators.
fn flattened(body: &str) -> String {
    normalize_digits(body)
        .chars()
        .filter(|&c| !is_code_separator(c))
        .collect()
}

fn check(body: &str) -> Result<(), TestCaseError> {
    let Some(otp) = extract(body) else {
        return Ok(());
    };
    prop_assert!(!otp.code.is_empty());
    prop_assert!((0.0..=1.0).contains(&otp.confidence));
    prop_assert!(
        otp.code.chars().all(|c| c.is_ascii_alphanumeric()),
        "{:?}",
        otp.code
    );
    prop_assert!(
        flattened(body).contains(&otp.code),
        "code {:?} is not a contiguous run of {:?}",
        otp.code,
        body
    );
    prop_assert_eq!(extract_code(body), Some(otp.code));
    Ok(())
}

/// Pieces that real messages are built from, so that generated strings
/// often contain codes, keywords, separators and framing.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,9}",
        "[٠-٩]{3,8}",
        "[۰-۹]{3,8}",
        "[०-९]{3,8}",
        "[０-９]{3,8}",
        "[๐-๙]{3,8}",
        "[A-Z0-9]{4,10}",
        "[a-zA-Z0-9+/]{11}",
        Just(" ".to_string()),
        Just("-".to_string()),
        Just("\n".to_string()),
        Just(": ".to_string()),
        Just(". ".to_string()),
        Just("\u{a0}".to_string()),
        Just("\u{3000}".to_string()),
        Just("<#> ".to_string()),
        Just("G-".to_string()),
        Just("FB-".to_string()),
        Just("\n@example.com #".to_string()),
        Just(" %pay.example".to_string()),
        Just("Your code is ".to_string()),
        Just(" is your verification code".to_string()),
        Just("OTP".to_string()),
        Just("验证码".to_string()),
        Just("認証番号は".to_string()),
        Just("인증번호 [".to_string()),
        Just("]를 입력".to_string()),
        Just("【银行】".to_string()),
        Just("رمز التحقق ".to_string()),
        Just("код: ".to_string()),
        Just("$1,234.56".to_string()),
        Just("https://x.example/".to_string()),
        Just("card ending ".to_string()),
        Just("previous code ".to_string()),
        Just(" has expired。".to_string()),
        Just("旧".to_string()),
        Just("promo code ".to_string()),
        Just("código de ".to_string()),
        Just("Reply STOP to ".to_string()),
        Just("Rs.".to_string()),
        Just("Use ".to_string()),
        Just(" to verify".to_string()),
        "\\PC{0,6}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn arbitrary_strings(body in "\\PC{0,200}") {
        check(&body)?;
    }

    #[test]
    fn arbitrary_with_controls(body in ".{0,120}") {
        check(&body)?;
    }

    #[test]
    fn built_from_message_pieces(pieces in proptest::collection::vec(piece(), 0..14)) {
        check(&pieces.concat())?;
    }
}
