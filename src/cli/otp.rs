//! `agentpass-sms otp`: print the code of one body, or stream JSON lines.

use std::io::{BufRead, Write};

use clap::Args;
use serde_json::{json, Value};

/// Arguments of `otp`.
#[derive(Args, Debug)]
pub struct OtpArgs {
    /// The SMS body (omit with --jsonl).
    #[arg(required_unless_present = "jsonl", conflicts_with = "jsonl")]
    pub body: Option<String>,
    /// Read `{"body": "..."}` lines on stdin, write one `{"code": ...}` line per input line.
    #[arg(long)]
    pub jsonl: bool,
}

/// Runs `otp`; exit code 1 when a single body has no code.
pub fn run(args: &OtpArgs) -> anyhow::Result<i32> {
    if !args.jsonl {
        let body = args.body.as_deref().unwrap_or_default();
        return Ok(match crate::otp::extract_code(body) {
            Some(code) => {
                println!("{code}");
                0
            }
            None => 1,
        });
    }
    let stdin = std::io::stdin().lock();
    let mut out = std::io::stdout().lock();
    for line in stdin.lines() {
        let line = line?;
        serde_json::to_writer(&mut out, &answer(&line))?;
        out.write_all(b"\n")?;
        out.flush()?;
    }
    Ok(0)
}

/// The output object for one input line.
fn answer(line: &str) -> Value {
    match serde_json::from_str::<Value>(line) {
        Ok(Value::Object(o)) => match o.get("body") {
            Some(Value::String(body)) => json!({ "code": crate::otp::extract_code(body) }),
            _ => {
                json!({ "code": null, "error": "expected an object with a string field \"body\"" })
            }
        },
        Ok(_) => {
            json!({ "code": null, "error": "expected a JSON object like {\"body\": \"...\"}" })
        }
        Err(e) => json!({ "code": null, "error": format!("invalid JSON: {e}") }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_lines_get_an_error_and_a_null_code() {
        assert_eq!(
            answer(r#"{"body": "Your code is 123456"}"#),
            json!({"code": "123456"})
        );
        assert_eq!(answer(r#"{"body": "hello"}"#), json!({"code": null}));
        for bad in ["not json", "[1]", r#"{"text": "x"}"#, ""] {
            let a = answer(bad);
            assert_eq!(a["code"], Value::Null);
            assert!(a["error"].is_string(), "{bad}");
        }
    }
}
