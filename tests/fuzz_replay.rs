//! The fuzz targets' checks (`src/fuzz_checks.rs`) on stable Rust, in the normal test
//! command: over every input committed in `fuzz/corpus/<target>/` (seeds and anything
//! `cargo fuzz` found), then over random input from proptest. `fuzz/run.sh` runs the
//! coverage-guided fuzzers themselves for a bounded time.

use std::path::Path;

use agentpass_sms::fuzz_checks;
use proptest::prelude::*;

fn corpus(target: &str, check: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(outcome.is_ok(), "{target} fails on {}", path.display());
        n += 1;
    }
    n
}

#[test]
fn every_committed_corpus_input_passes_its_check() {
    for (target, check) in [
        ("form", fuzz_checks::form as fn(&[u8])),
        ("signature", fuzz_checks::signature),
        ("otp", fuzz_checks::otp),
        ("config", fuzz_checks::config),
    ] {
        assert!(
            corpus(target, check) >= 3,
            "{target}: seed inputs are committed"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn form_bytes(data in proptest::collection::vec(any::<u8>(), 0..200)) {
        fuzz_checks::form(&data);
    }

    #[test]
    fn form_text(text in "[a-zA-Z0-9%+=&._-]{0,120}") {
        fuzz_checks::form(text.as_bytes());
    }

    #[test]
    fn signature_fields(key in ".{0,20}", url in ".{0,60}", body in "[a-z=&%+]{0,60}", header in ".{0,40}") {
        let data = format!("{key}\0{url}\0{body}\0{header}\0other");
        fuzz_checks::signature(data.as_bytes());
    }

    #[test]
    fn otp_text(body in "\\PC{0,160}") {
        fuzz_checks::otp(body.as_bytes());
    }

    #[test]
    fn otp_code_like(body in "(code|Code|OTP|G-|is|your|[0-9]{2,8}|[ .:#-]|\\p{L}{1,8}){0,16}") {
        fuzz_checks::otp(body.as_bytes());
    }

    #[test]
    fn config_text(text in "(\\[(webhook|pool|store|delivery|limits|server|twilio)\\]\n|[a-z_]{1,22} = (\"[^\"\n]{0,20}\"|[0-9]{1,8}|true|false)\n){0,8}") {
        fuzz_checks::config(format!("{text}\0AGENTPASS_POOL_MAX_NUMBERS\0{}", text.len()).as_bytes());
    }
}
