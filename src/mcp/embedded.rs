//! Embedded mode: the MCP process runs the actor system, the store and the webhook
//! listener itself — one `agentpass-sms mcp` is a complete single-node deployment.

use std::sync::Arc;

use agentpass_actors::{Filter, HistoryScope, NumberRecord, NumberState, Service, SmsRecord};
use async_trait::async_trait;
use tokio::sync::Mutex;

use super::backend::{Backend, SmsOut, SmsPage, WaitSpec};
use crate::app::Running;
use crate::timefmt::rfc3339;

/// The service in this process.
pub struct Embedded {
    service: Arc<Service>,
    running: Mutex<Option<Running>>,
}

impl Embedded {
    /// Wraps a started service.
    pub fn new(running: Running) -> Self {
        Embedded {
            service: running.service.clone(),
            running: Mutex::new(Some(running)),
        }
    }
}

/// The tool shape of a stored message.
pub fn sms_out(r: &SmsRecord) -> SmsOut {
    SmsOut {
        id: r.sms_id.clone(),
        from: r.sender.clone(),
        to: r.phone_number.clone(),
        body: r.body.clone(),
        received_at: rfc3339(r.received_at),
    }
}

#[async_trait]
impl Backend for Embedded {
    async fn assign(&self, passport: &str) -> Result<String, String> {
        let a = self
            .service
            .assign(passport)
            .await
            .map_err(|e| e.to_string())?;
        Ok(a.phone_number)
    }

    async fn release(&self, passport: &str) -> Result<String, String> {
        let a = self
            .service
            .release(passport)
            .await
            .map_err(|e| e.to_string())?;
        Ok(a.phone_number)
    }

    async fn wait(&self, number: &str, spec: WaitSpec) -> Result<SmsOut, String> {
        let mut filter = Filter::new(spec.from, spec.contains, spec.since);
        if spec.with_code {
            filter = filter.with_body_test(|b| crate::otp::extract_code(b).is_some());
        }
        let d = self
            .service
            .wait(number, filter, spec.timeout, None)
            .await
            .map_err(|e| e.to_string())?;
        Ok(sms_out(&d.sms))
    }

    async fn list(
        &self,
        number: &str,
        limit: usize,
        cursor: Option<String>,
    ) -> Result<SmsPage, String> {
        // Only the current holder's messages: a number's next owner never reads the
        // previous owner's SMS (the same rule a passport-scoped API key gets).
        let holder = match self
            .service
            .lookup(number)
            .await
            .map_err(|e| e.to_string())?
        {
            Some(NumberRecord {
                state: NumberState::Assigned { passport, .. },
                ..
            }) => Some(passport),
            _ => None,
        };
        let keep = |m: &SmsRecord| holder.is_none() || m.passport == holder;
        let page = self
            .service
            .history(HistoryScope::Number(number), cursor.as_deref(), limit, keep)
            .map_err(|e| e.to_string())?;
        Ok(SmsPage {
            messages: page.messages.iter().map(sms_out).collect(),
            next_cursor: page.next_cursor,
        })
    }

    async fn shutdown(&self) {
        if let Some(running) = self.running.lock().await.take() {
            running.shutdown().await;
        }
    }
}
