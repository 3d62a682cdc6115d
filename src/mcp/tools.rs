//! The MCP tools: schemas, annotations, structured results, progress and cancellation.
//! Each tool validates its arguments, calls the [`Backend`] and shapes the result;
//! failures are tool results with `isError: true`, never a crashed server.

use std::sync::Arc;
use std::time::Duration;

use agentpass_actors::Service;
use rmcp::handler::server::{tool::ToolRouter, wrapper::Parameters};
use rmcp::model::ProgressNotificationParam;
use rmcp::service::RequestContext;
use rmcp::{tool, tool_router, Json, RoleServer};
use tokio_util::sync::CancellationToken;

use super::args::{ExtractArgs, GetNumberArgs, ListArgs, PassportArgs, WaitArgs};
use super::backend::{Backend, WaitSpec, Where};
use super::embedded::Embedded;
use super::resources::Subscriptions;
use super::results::{CodeOut, OtpOut, PhoneNumberOut, ReleasedOut};
use crate::access::Scope;
use crate::rules::FilterSpec;
use crate::views::{HistoryPage, SmsView};

/// Default and longest wait, in milliseconds.
const DEFAULT_TIMEOUT_MS: u64 = 30_000;
const MAX_TIMEOUT_MS: u64 = 600_000;
/// How often a long wait reports progress (when the client asked for it).
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// Where the tools find the service.
#[derive(Clone)]
pub enum Backends {
    /// One backend for the whole session (stdio: the process is the agent's own).
    Fixed(Arc<dyn Backend>),
    /// Over Streamable HTTP: for each request, the service as the request's API key may
    /// see it. The `/mcp` route puts the key's [`Scope`] on the HTTP request; a request
    /// without one is refused.
    PerCaller(Arc<Service>),
}

/// The MCP server.
#[derive(Clone)]
pub struct SmsTools {
    backends: Backends,
    /// Cancelled when stdin closes or the server stops, so waits end at once.
    shutdown: CancellationToken,
    /// The session's `resources/subscribe` watchers (shared by the handler's clones).
    pub(super) subscriptions: Arc<Subscriptions>,
    pub(super) tool_router: ToolRouter<Self>,
}

#[tool_router]
impl SmsTools {
    /// Tools over `backend`.
    pub fn new(backend: Arc<dyn Backend>, shutdown: CancellationToken) -> Self {
        Self::over(Backends::Fixed(backend), shutdown)
    }

    /// Tools over `backends`.
    pub fn over(backends: Backends, shutdown: CancellationToken) -> Self {
        SmsTools {
            backends,
            shutdown,
            subscriptions: Arc::default(),
            tool_router: Self::tool_router(),
        }
    }

    #[tool(
        name = "get_phone_number",
        description = "Get the phone number of a passport, assigning one on first use, optionally in a country (ISO code such as US or GB) and area code. The same passport always gets the same number until it is released, even when asked for another country (the result then carries a note); passports never share a number.",
        annotations(
            title = "Get phone number",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn get_phone_number(
        &self,
        Parameters(a): Parameters<GetNumberArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<Json<PhoneNumberOut>, String> {
        let fail = |e| format!("Get phone number failed: {e}");
        // Agents send `gb`, ` 415 ` or "" for "no preference": the service wants exact values.
        let tidy = |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        let place = Where {
            country: tidy(a.country).map(|c| c.to_ascii_uppercase()),
            area_code: tidy(a.area_code),
            line_type: tidy(a.line_type).map(|l| l.to_ascii_lowercase()),
        };
        let got = self
            .backend(&ctx)
            .map_err(fail)?
            .assign(&a.passport_id, place)
            .await
            .map_err(fail)?;
        Ok(Json(PhoneNumberOut {
            phone_number: got.phone_number,
            note: got.note,
        }))
    }

    #[tool(
        name = "release_phone_number",
        description = "Release the passport's phone number. It is quarantined (not given to anyone else) for a while, so late messages never reach another agent.",
        annotations(
            title = "Release phone number",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn release_phone_number(
        &self,
        Parameters(a): Parameters<PassportArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<Json<ReleasedOut>, String> {
        let fail = |e| format!("Release phone number failed: {e}");
        let phone_number = self
            .backend(&ctx)
            .map_err(fail)?
            .release(&a.passport_id)
            .await
            .map_err(|e| format!("Release phone number failed: {e}"))?;
        Ok(Json(ReleasedOut {
            phone_number,
            released: true,
        }))
    }

    #[tool(
        name = "wait_for_sms",
        description = "Wait for the next SMS to the number that has not been delivered yet (received since the number was assigned, within the last 5 minutes), optionally filtered by sender, text or time. Returns at once if one is already there. Each message is delivered once.",
        annotations(
            title = "Wait for SMS",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn wait_for_sms(
        &self,
        Parameters(a): Parameters<WaitArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<Json<SmsView>, String> {
        let spec = spec(a.timeout, a.from, a.contains, a.pattern, a.since, false)?;
        e164(&a.phone_number).map_err(|e| format!("Wait for SMS failed: {e}"))?;
        self.wait(&a.phone_number, spec, ctx).await.map(Json)
    }

    #[tool(
        name = "wait_for_otp",
        description = "Wait for the next SMS to the number that carries a one-time code and return the code with the message, in one call. Messages without a code are left for wait_for_sms.",
        annotations(
            title = "Wait for one-time code",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn wait_for_otp(
        &self,
        Parameters(a): Parameters<WaitArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<Json<OtpOut>, String> {
        let as_otp = |e: String| match e.strip_prefix("Wait for SMS failed") {
            Some(rest) => format!("Wait for OTP failed{rest}"),
            None => e,
        };
        let spec = spec(a.timeout, a.from, a.contains, a.pattern, a.since, true).map_err(as_otp)?;
        e164(&a.phone_number).map_err(|e| format!("Wait for OTP failed: {e}"))?;
        let sms = self
            .wait(&a.phone_number, spec, ctx)
            .await
            .map_err(as_otp)?;
        let code = sms
            .code
            .clone()
            .ok_or("Wait for OTP failed: the message carries no code")?;
        Ok(Json(OtpOut { code, sms }))
    }

    #[tool(
        name = "extract_otp_from_sms",
        description = "Extract the one-time code from an SMS body; null when it carries none.",
        annotations(
            title = "Extract one-time code",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    fn extract_otp_from_sms(&self, Parameters(a): Parameters<ExtractArgs>) -> Json<CodeOut> {
        let otp = crate::otp::extract(&a.sms_body);
        Json(CodeOut {
            origin: otp.as_ref().and_then(|o| o.domain.clone()),
            code: otp.map(|o| o.code),
        })
    }

    #[tool(
        name = "list_sms",
        description = "List the messages received on the number, newest first, a page at a time.",
        annotations(
            title = "List SMS",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn list_sms(
        &self,
        Parameters(a): Parameters<ListArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<Json<HistoryPage>, String> {
        let limit = a.limit.unwrap_or(20);
        if !(1..=100).contains(&limit) {
            return Err("List SMS failed: limit must be between 1 and 100".into());
        }
        e164(&a.phone_number).map_err(|e| format!("List SMS failed: {e}"))?;
        let limit = limit as usize;
        let page = self
            .backend(&ctx)
            .map_err(|e| format!("List SMS failed: {e}"))?
            .list(&a.phone_number, limit, a.cursor)
            .await
            .map_err(|e| format!("List SMS failed: {e}"))?;
        Ok(Json(page))
    }
}

impl SmsTools {
    /// The service as this request's caller may see it.
    pub(super) fn backend(
        &self,
        ctx: &RequestContext<RoleServer>,
    ) -> Result<Arc<dyn Backend>, String> {
        match &self.backends {
            Backends::Fixed(backend) => Ok(backend.clone()),
            Backends::PerCaller(service) => {
                let scope = ctx
                    .extensions
                    .get::<http::request::Parts>()
                    .and_then(|parts| parts.extensions.get::<Scope>())
                    .ok_or("no API key on this request")?;
                Ok(Arc::new(Embedded::scoped(service.clone(), scope.clone())))
            }
        }
    }

    /// Runs a wait, reporting progress while it lasts and ending it when the client
    /// cancels the request or stdin closes (dropping the wait uses no message up).
    async fn wait(
        &self,
        number: &str,
        spec: WaitSpec,
        ctx: RequestContext<RoleServer>,
    ) -> Result<SmsView, String> {
        let backend = self
            .backend(&ctx)
            .map_err(|e| format!("Wait for SMS failed: {e}"))?;
        let total = spec.timeout.as_millis() as f64;
        let wait = backend.wait(number, spec);
        tokio::pin!(wait);
        let token = ctx.meta.get_progress_token();
        let started = tokio::time::Instant::now();
        let mut tick = tokio::time::interval_at(started + PROGRESS_EVERY, PROGRESS_EVERY);
        loop {
            tokio::select! {
                result = &mut wait => return result,
                _ = ctx.ct.cancelled() => return Err("Wait for SMS failed: cancelled".into()),
                _ = self.shutdown.cancelled() => return Err("Wait for SMS failed: the MCP server is shutting down".into()),
                _ = tick.tick(), if token.is_some() => {
                    let elapsed = started.elapsed().as_millis() as f64;
                    let p = ProgressNotificationParam::new(token.clone().expect("checked"), elapsed)
                        .with_total(total)
                        .with_message(format!("Waiting for SMS to {number}"));
                    let _ = ctx.peer.notify_progress(p).await;
                }
            }
        }
    }
}

/// A `phone_number` argument must be E.164: refused at once, not after a timeout.
fn e164(number: &str) -> Result<(), String> {
    if crate::phone::is_e164(number) {
        Ok(())
    } else {
        Err(format!(
            "phone_number {number:?} is not an E.164 number like +15550000001"
        ))
    }
}

/// Validates wait arguments.
fn spec(
    timeout: Option<u64>,
    from: Option<String>,
    contains: Option<String>,
    pattern: Option<String>,
    since: Option<String>,
    with_code: bool,
) -> Result<WaitSpec, String> {
    let timeout = timeout.unwrap_or(DEFAULT_TIMEOUT_MS);
    if !(1..=MAX_TIMEOUT_MS).contains(&timeout) {
        return Err(format!(
            "Wait for SMS failed: timeout must be between 1 and {MAX_TIMEOUT_MS} ms"
        ));
    }
    let since = since
        .map(|s| crate::timefmt::parse_since(&s))
        .transpose()
        .map_err(|e| format!("Wait for SMS failed: {e}"))?;
    let filter = FilterSpec {
        from,
        contains,
        since,
        pattern,
        with_code,
    };
    // Checked here, so a bad pattern is the same error in embedded and remote mode.
    filter
        .build()
        .map_err(|e| format!("Wait for SMS failed: {e}"))?;
    Ok(WaitSpec {
        timeout: Duration::from_millis(timeout),
        filter,
    })
}
