//! `[[sms_gate.devices]]`: read from the file, secrets from the environment, every
//! mistake a start-up error naming the device, secrets never shown.

use super::*;

const DEVICE_KEY: &str = "sg-signing-key-31337";
const DEVICE_PASSWORD: &str = "sg-password-4242";

fn device(extra: &str) -> String {
    format!(
        "[[sms_gate.devices]]\nname = \"pixel-1\"\napi_url = \"https://192.168.1.10:8080\"\nusername = \"sms\"\nnumbers = [\"+15557770001\", \"+15557770002\"]\n{extra}"
    )
}

#[test]
fn a_device_is_read_and_its_secrets_may_come_from_the_environment() {
    let file = device(&format!("password = \"{DEVICE_PASSWORD}\"\n"));
    let vars = [("AGENTPASS_SMS_GATE_PIXEL_1_SIGNING_KEY", DEVICE_KEY)];
    let config = load_from(Some(&file), &vars).unwrap();
    let d = &config.sms_gate.devices[0];
    assert_eq!(d.name, "pixel-1");
    assert_eq!(d.numbers, ["+15557770001", "+15557770002"]);
    assert_eq!(d.signing_key.as_ref().unwrap().expose(), DEVICE_KEY);
    assert_eq!(d.password.as_ref().unwrap().expose(), DEVICE_PASSWORD);
    assert_eq!(
        sms_gate_env_var("pixel-1", "password"),
        "AGENTPASS_SMS_GATE_PIXEL_1_PASSWORD"
    );
    let shown = toml::to_string(&config).unwrap();
    assert!(
        shown.contains("[[sms_gate.devices]]") && shown.contains("pixel-1"),
        "{shown}"
    );
    assert!(
        !shown.contains(DEVICE_KEY) && !shown.contains(DEVICE_PASSWORD),
        "{shown}"
    );
}

#[test]
fn a_bad_device_is_an_error_naming_it_without_its_secrets() {
    let key = format!("signing_key = \"{DEVICE_KEY}\"\n");
    for (file, needle) in [
        (device(""), "a signing key is required"),
        (
            device(&key).replace("pixel-1", "Pixel 1"),
            "must be [a-z0-9-]+",
        ),
        (
            device(&key).replace("+15557770002", "5557770002"),
            "is not an E.164",
        ),
        (
            device(&key).replace("https://192.168.1.10:8080", "ftp://x"),
            "api_url",
        ),
        (format!("{}{}", device(&key), device(&key)), "used twice"),
        (
            device(&format!("{key}pin = 1\n")),
            "sms_gate.devices[0].pin",
        ),
        (
            device("signing_key = 7\n"),
            "sms_gate.devices[0].signing_key",
        ),
    ] {
        let text = error_text(load_from(Some(&file), &[]));
        assert!(text.contains(needle), "{needle}: {text}");
        assert_no_secret(&text);
        assert!(!text.contains(DEVICE_KEY), "{text}");
    }
    // A SIM number that Twilio's list has too.
    let vars = [("TWILIO_PHONE_NUMBERS", "+15557770001")];
    let text = error_text(load_from(Some(&device(&key)), &vars));
    assert!(
        text.contains("device pixel-1") && text.contains("+15557770001"),
        "{text}"
    );
}
