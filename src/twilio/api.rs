//! The Twilio calls AgentPass uses, as methods of [`TwilioClient`]; paths, parameters
//! and reply shapes follow Twilio's OpenAPI description (`twilio_api_v2010.json`).

use reqwest::Method;

use super::config::is_sid;
use super::error::TwilioError;
use super::models::{Account, AvailableNumber, IncomingNumber, TwilioMessage};
use super::rest::{Call, TwilioClient};

/// Page size asked for in listings (Twilio's maximum).
const PAGE_SIZE: &str = "1000";

impl TwilioClient {
    /// `GET Accounts/{Sid}.json`: checks the credentials and returns the account.
    pub async fn fetch_account(&self) -> Result<Account, TwilioError> {
        self.json(Call {
            method: Method::GET,
            url: self.account_url(".json"),
            query: &[],
            form: None,
        })
        .await
    }

    /// `GET AvailablePhoneNumbers/{country}/Local.json?SmsEnabled=true[&AreaCode=..]`:
    /// local numbers that can receive SMS, best first (first page only).
    pub async fn search_local(
        &self,
        country: &str,
        area_code: Option<&str>,
    ) -> Result<Vec<AvailableNumber>, TwilioError> {
        let country = country.trim().to_ascii_uppercase();
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(TwilioError::InvalidInput(format!(
                "country {country:?} is not a two-letter ISO code"
            )));
        }
        let mut query = vec![("SmsEnabled", "true".to_owned())];
        if let Some(area) = area_code.map(str::trim).filter(|a| !a.is_empty()) {
            if !area.bytes().all(|b| b.is_ascii_digit()) {
                return Err(TwilioError::InvalidInput(format!(
                    "area code {area:?} is not a number"
                )));
            }
            query.push(("AreaCode", area.to_owned()));
        }
        let url = self.account_url(&format!("/AvailablePhoneNumbers/{country}/Local.json"));
        let page: super::models::ListPage<AvailableNumber> = self
            .json(Call {
                method: Method::GET,
                url,
                query: &query,
                form: None,
            })
            .await?;
        Ok(page.items)
    }

    /// `POST IncomingPhoneNumbers.json` with `PhoneNumber`, `SmsUrl`, `SmsMethod=POST`:
    /// buys `phone_number` and points its inbound SMS at `sms_url`. The reply is the
    /// number bought, returned as Twilio describes it.
    pub async fn buy_number(
        &self,
        phone_number: &str,
        sms_url: &str,
    ) -> Result<IncomingNumber, TwilioError> {
        let form = [
            ("PhoneNumber", phone_number.to_owned()),
            ("SmsUrl", sms_url.to_owned()),
            ("SmsMethod", "POST".to_owned()),
        ];
        self.json(Call {
            method: Method::POST,
            url: self.account_url("/IncomingPhoneNumbers.json"),
            query: &[],
            form: Some(&form),
        })
        .await
    }

    /// `GET IncomingPhoneNumbers.json`, every page: the numbers the account owns.
    pub async fn list_incoming_numbers(&self) -> Result<Vec<IncomingNumber>, TwilioError> {
        let query = [("PageSize", PAGE_SIZE.to_owned())];
        self.all_pages(self.account_url("/IncomingPhoneNumbers.json"), &query)
            .await
    }

    /// `POST IncomingPhoneNumbers/{sid}.json` with `SmsUrl` and `SmsMethod=POST`.
    pub async fn update_sms_url(
        &self,
        number_sid: &str,
        sms_url: &str,
    ) -> Result<IncomingNumber, TwilioError> {
        check_number_sid(number_sid)?;
        let form = [
            ("SmsUrl", sms_url.to_owned()),
            ("SmsMethod", "POST".to_owned()),
        ];
        self.json(Call {
            method: Method::POST,
            url: self.account_url(&format!("/IncomingPhoneNumbers/{number_sid}.json")),
            query: &[],
            form: Some(&form),
        })
        .await
    }

    /// `DELETE IncomingPhoneNumbers/{sid}.json`: gives the number back to Twilio.
    pub async fn release_number(&self, number_sid: &str) -> Result<(), TwilioError> {
        check_number_sid(number_sid)?;
        self.send(Call {
            method: Method::DELETE,
            url: self.account_url(&format!("/IncomingPhoneNumbers/{number_sid}.json")),
            query: &[],
            form: None,
        })
        .await
        .map(|_| ())
    }

    /// `GET Messages.json?DateSent>={since}`, every page, account-wide (all directions,
    /// all numbers). `since` is epoch ms, sent as RFC 3339 to the second (rounded down).
    pub async fn list_messages_since(
        &self,
        since_ms: u64,
    ) -> Result<Vec<TwilioMessage>, TwilioError> {
        let query = [
            ("DateSent>", crate::timefmt::rfc3339_secs(since_ms)),
            ("PageSize", PAGE_SIZE.to_owned()),
        ];
        self.all_pages(self.account_url("/Messages.json"), &query)
            .await
    }
}

/// Rejects anything but a `PN…` SID before it goes into a URL path.
fn check_number_sid(sid: &str) -> Result<(), TwilioError> {
    if is_sid(sid, "PN") {
        Ok(())
    } else {
        Err(TwilioError::InvalidInput(format!(
            "{sid:?} is not a Twilio phone number SID (PN followed by 32 hex digits)"
        )))
    }
}
