//! The parts of Twilio's JSON resources we use, read leniently: unknown fields are
//! ignored, every field may be `null` or missing, and loosely typed fields go through
//! the [`de`] helpers.

use serde::Deserialize;

use super::de;

/// `GET Accounts/{Sid}.json`. Twilio's reply also carries the account's `auth_token`:
/// it is deliberately not a field here, so it is dropped while parsing.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct Account {
    /// `AC…` SID.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub sid: Option<String>,
    /// Account name.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub friendly_name: Option<String>,
    /// `active`, `suspended` or `closed`.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub status: Option<String>,
    /// `Trial` or `Full`.
    #[serde(default, rename = "type", deserialize_with = "de::opt_string")]
    pub kind: Option<String>,
}

/// What a number can do. Twilio spells the keys `sms`/`mms`/`voice` in some replies
/// and `SMS`/`MMS` in others.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct Capabilities {
    /// Can receive SMS.
    #[serde(default, alias = "SMS", deserialize_with = "de::opt_bool")]
    pub sms: Option<bool>,
    /// Can receive MMS.
    #[serde(default, alias = "MMS", deserialize_with = "de::opt_bool")]
    pub mms: Option<bool>,
    /// Can receive calls.
    #[serde(default, alias = "Voice", deserialize_with = "de::opt_bool")]
    pub voice: Option<bool>,
}

/// One result of `GET AvailablePhoneNumbers/{Country}/Local.json`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct AvailableNumber {
    /// E.164 number to pass to a purchase.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub phone_number: Option<String>,
    /// Human formatting, e.g. `(808) 925-1571`.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub friendly_name: Option<String>,
    /// City.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub locality: Option<String>,
    /// State or province.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub region: Option<String>,
    /// ISO country code.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub iso_country: Option<String>,
    /// Latitude: a string in Twilio's examples, a number in its schema.
    #[serde(default, deserialize_with = "de::opt_f64")]
    pub latitude: Option<f64>,
    /// Longitude: same as `latitude`.
    #[serde(default, deserialize_with = "de::opt_f64")]
    pub longitude: Option<f64>,
    /// `none`, `any`, `local` or `foreign`.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub address_requirements: Option<String>,
    /// Capabilities; all unknown when absent.
    #[serde(default)]
    pub capabilities: Option<Capabilities>,
}

/// A number the account owns (`IncomingPhoneNumbers`).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct IncomingNumber {
    /// `PN…` SID: what update and delete address.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub sid: Option<String>,
    /// E.164 number.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub phone_number: Option<String>,
    /// Name shown in the console.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub friendly_name: Option<String>,
    /// Where inbound SMS are sent (`None` when unset or `""`).
    #[serde(default, deserialize_with = "de::opt_string")]
    pub sms_url: Option<String>,
    /// `GET` or `POST`.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub sms_method: Option<String>,
    /// When set, Twilio uses this application's SMS URL and ignores `sms_url`.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub sms_application_sid: Option<String>,
    /// `in-use`, …
    #[serde(default, deserialize_with = "de::opt_string")]
    pub status: Option<String>,
    /// Capabilities; all unknown when absent.
    #[serde(default)]
    pub capabilities: Option<Capabilities>,
}

/// A message (`Messages.json`).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct TwilioMessage {
    /// `SM…` or `MM…` SID.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub sid: Option<String>,
    /// Receiving number.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub to: Option<String>,
    /// Sender: E.164, short code or alphanumeric id.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub from: Option<String>,
    /// Text; may be empty or missing for filtered messages.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub body: Option<String>,
    /// `inbound`, `outbound-api`, `outbound-call` or `outbound-reply`.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub direction: Option<String>,
    /// `received`, `receiving`, `failed`, `undelivered`, …
    #[serde(default, deserialize_with = "de::opt_string")]
    pub status: Option<String>,
    /// Twilio error code when the message failed or was filtered (e.g. 30038).
    #[serde(default, deserialize_with = "de::opt_u32")]
    pub error_code: Option<u32>,
    /// Twilio's text for `error_code`.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub error_message: Option<String>,
    /// RFC 2822; for inbound messages, when Twilio received it.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub date_sent: Option<String>,
    /// RFC 2822 creation time.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub date_created: Option<String>,
    /// Number of media items (a string in Twilio's replies).
    #[serde(default, deserialize_with = "de::opt_string")]
    pub num_media: Option<String>,
    /// Number of segments (a string in Twilio's replies).
    #[serde(default, deserialize_with = "de::opt_string")]
    pub num_segments: Option<String>,
    /// Owning account.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub account_sid: Option<String>,
    /// Messaging service the message went through.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub messaging_service_sid: Option<String>,
}

/// Why a message did not arrive as a normal SMS: Twilio's error code and status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageFailure {
    /// Twilio error code (e.g. 30038, OTP message body filtered); `None` when only the
    /// status says it failed.
    pub code: Option<u32>,
    /// Twilio's text for the code.
    pub message: Option<String>,
    /// The message status (`failed`, `undelivered`, or `received` with an error).
    pub status: Option<String>,
}

impl TwilioMessage {
    /// Whether Twilio received it from outside (`direction == inbound`).
    pub fn is_inbound(&self) -> bool {
        self.direction.as_deref() == Some("inbound")
    }

    /// Epoch ms of `date_sent`, else `date_created`, when parseable.
    pub fn timestamp_ms(&self) -> Option<u64> {
        self.date_sent
            .as_deref()
            .or(self.date_created.as_deref())
            .and_then(super::dates::parse_rfc2822)
    }

    /// The failure, when Twilio set an error code or a failed status.
    pub fn failure(&self) -> Option<MessageFailure> {
        let failed = matches!(self.status.as_deref(), Some("failed" | "undelivered"));
        (self.error_code.is_some() || failed).then(|| MessageFailure {
            code: self.error_code,
            message: self.error_message.clone(),
            status: self.status.clone(),
        })
    }
}

/// One page of a Twilio list; the item key differs per resource.
#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub(crate) struct ListPage<T> {
    /// The page's items.
    #[serde(
        default = "Vec::new",
        alias = "available_phone_numbers",
        alias = "incoming_phone_numbers",
        alias = "messages",
        deserialize_with = "de::vec_or_null"
    )]
    pub items: Vec<T>,
    /// Path (or URL) of the next page; `None` on the last one.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub next_page_uri: Option<String>,
}
