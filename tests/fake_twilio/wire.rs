//! The fake's request handling: auth, injected faults, and the Twilio routes.

use serde_json::{json, Value};
use warp::http::Response;

use super::{reply, Owned, Recorded, State, SID, TOKEN};

/// `Basic base64(user:password)`.
pub fn basic_auth(user: &str, password: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let input = format!("{user}:{password}").into_bytes();
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    format!("Basic {out}")
}

/// Percent-encodes everything but unreserved characters.
pub fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Decodes an `application/x-www-form-urlencoded` body.
pub fn decode_form(body: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(body);
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

fn twilio_error(status: u16, code: u32, message: &str) -> Response<String> {
    let body = json!({
        "code": code, "message": message,
        "more_info": format!("https://www.twilio.com/docs/errors/{code}"), "status": status,
    });
    reply(
        status,
        body.to_string(),
        &[("content-type", "application/json".into())],
    )
}

fn ok(status: u16, body: Value) -> Response<String> {
    reply(
        status,
        body.to_string(),
        &[("content-type", "application/json".into())],
    )
}

/// Answers one request against `state`.
pub fn handle(state: &mut State, req: &Recorded) -> Response<String> {
    if req.authorization.as_deref() != Some(basic_auth(SID, TOKEN).as_str()) {
        let mut r = twilio_error(401, 20003, "Authenticate");
        r.headers_mut().insert(
            "www-authenticate",
            "Basic realm=\"Twilio API\"".parse().unwrap(),
        );
        return r;
    }
    if state.rate_limit_next > 0 {
        state.rate_limit_next -= 1;
        let mut r = twilio_error(429, 20429, "Too Many Requests");
        if let Some(after) = &state.retry_after {
            r.headers_mut()
                .insert("retry-after", after.parse().unwrap());
        }
        return r;
    }
    if let Some((status, body)) = state.fail_next.take() {
        return ok(status, body);
    }
    let account = format!("/2010-04-01/Accounts/{SID}");
    let Some(rest) = req.path.strip_prefix(&account) else {
        return twilio_error(404, 20404, "The requested resource was not found");
    };
    let segments: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    match (req.method.as_str(), segments.as_slice()) {
        ("GET", [".json"]) => ok(200, account_json()),
        ("GET", ["AvailablePhoneNumbers", country, "Local.json"]) => {
            let numbers: Vec<Value> = state
                .unavailable
                .iter()
                .chain(&state.available)
                .enumerate()
                .map(|(i, n)| available_json(n, country, i))
                .collect();
            ok(
                200,
                json!({ "available_phone_numbers": numbers, "uri": req.path }),
            )
        }
        ("POST", ["IncomingPhoneNumbers.json"]) => buy(state, req),
        ("GET", ["IncomingPhoneNumbers.json"]) => {
            let items: Vec<Value> = state.owned.iter().map(incoming_json).collect();
            ok(
                200,
                page(&items, "incoming_phone_numbers", req, state.page_size),
            )
        }
        ("POST", ["IncomingPhoneNumbers", file]) | ("DELETE", ["IncomingPhoneNumbers", file]) => {
            let sid = file.trim_end_matches(".json");
            let Some(pos) = state.owned.iter().position(|o| o.sid == sid) else {
                return twilio_error(404, 20404, "The requested resource was not found");
            };
            if req.method == "DELETE" {
                state.owned.remove(pos);
                return reply(204, String::new(), &[]);
            }
            let owned = &mut state.owned[pos];
            if let Some(url) = req.form("SmsUrl") {
                owned.sms_url = url.to_owned();
            }
            if let Some(method) = req.form("SmsMethod") {
                owned.sms_method = method.to_owned();
            }
            ok(200, incoming_json(owned))
        }
        ("GET", ["Messages.json"]) => {
            ok(200, page(&state.messages, "messages", req, state.page_size))
        }
        _ => twilio_error(404, 20404, "The requested resource was not found"),
    }
}

fn buy(state: &mut State, req: &Recorded) -> Response<String> {
    if req.content_type.as_deref() != Some("application/x-www-form-urlencoded") {
        return twilio_error(400, 21604, "form body expected");
    }
    let Some(number) = req.form("PhoneNumber") else {
        return twilio_error(400, 21604, "A 'PhoneNumber' or 'AreaCode' is required.");
    };
    let taken = state.owned.iter().any(|o| o.phone_number == number);
    if taken || state.unavailable.iter().any(|n| n == number) {
        return twilio_error(
            400,
            21422,
            &format!("PhoneNumber {number} is not available."),
        );
    }
    state.available.retain(|n| n != number);
    let sid = state.own(number, req.form("SmsUrl").unwrap_or(""));
    let owned = state.owned.iter_mut().find(|o| o.sid == sid).unwrap();
    owned.sms_method = req.form("SmsMethod").unwrap_or("POST").to_owned();
    ok(201, incoming_json(owned))
}

/// One page of `items` per Twilio's paging (`Page`, `PageSize`, `next_page_uri`).
fn page(items: &[Value], key: &str, req: &Recorded, page_size: usize) -> Value {
    let index: usize = req.query("Page").and_then(|p| p.parse().ok()).unwrap_or(0);
    let start = (index * page_size).min(items.len());
    let end = (start + page_size).min(items.len());
    let mut carried: String = req
        .query
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "Page" | "PageSize" | "PageToken"))
        .map(|(k, v)| format!("{}={}&", percent_encode(k), percent_encode(v)))
        .collect();
    carried.push_str(&format!("PageSize={page_size}"));
    let next = (end < items.len()).then(|| {
        format!(
            "{}?{carried}&Page={}&PageToken=PT{}",
            req.path,
            index + 1,
            end
        )
    });
    json!({
        key: &items[start..end], "page": index, "page_size": page_size, "start": start,
        "end": end.saturating_sub(1), "next_page_uri": next, "previous_page_uri": null,
        "first_page_uri": format!("{}?{carried}&Page=0", req.path), "uri": req.path,
    })
}

fn account_json() -> Value {
    json!({
        "auth_token": TOKEN, "date_created": "Thu, 30 Jul 2015 20:00:00 +0000",
        "date_updated": "Thu, 30 Jul 2015 20:00:00 +0000", "friendly_name": "fake account",
        "owner_account_sid": SID, "sid": SID, "status": "active", "subresource_uris": {},
        "type": "Full", "uri": format!("/2010-04-01/Accounts/{SID}.json"),
    })
}

fn available_json(number: &str, country: &str, i: usize) -> Value {
    // Twilio's example sends coordinates as strings; its schema says numbers: do both.
    let (lat, long) = if i % 2 == 0 {
        (json!("37.770000"), json!("-122.420000"))
    } else {
        (json!(37.77), json!(-122.42))
    };
    json!({
        "address_requirements": "none", "beta": false,
        "capabilities": {"mms": true, "SMS": true, "voice": true},
        "friendly_name": number, "iso_country": country, "lata": "722", "latitude": lat,
        "locality": "San Francisco", "longitude": long, "phone_number": number,
        "postal_code": "94103", "rate_center": "SNFC CNTL", "region": "CA",
    })
}

fn incoming_json(o: &Owned) -> Value {
    json!({
        "account_sid": SID, "address_requirements": "none", "address_sid": null,
        "api_version": "2010-04-01", "beta": null,
        "capabilities": {"voice": true, "sms": true, "mms": true, "fax": false},
        "date_created": "Thu, 30 Jul 2015 23:19:04 +0000", "friendly_name": o.phone_number,
        "phone_number": o.phone_number, "sid": o.sid, "sms_application_sid": o.sms_application_sid,
        "sms_fallback_method": "POST", "sms_fallback_url": "", "sms_method": o.sms_method,
        "sms_url": o.sms_url, "status": "in-use", "trunk_sid": null, "type": "local",
        "uri": format!("/2010-04-01/Accounts/{SID}/IncomingPhoneNumbers/{}.json", o.sid),
        "voice_url": null, "voice_receive_mode": "voice",
    })
}
