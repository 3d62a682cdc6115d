//! The service in this process, as the tools see it. In embedded mode the MCP process
//! runs the actor system, the store and the webhook listener itself — one
//! `agentpass-sms mcp` is a complete single-node deployment; over Streamable HTTP each
//! request gets one scoped to its caller's API key.

use std::sync::Arc;

use agentpass_actors::{Cursor, Filter, NumberState, Service, Viewer};
use async_trait::async_trait;
use tokio::sync::Mutex;

use super::backend::{Arrivals, Assigned, Backend, Held, WaitSpec, Where};
use crate::access::Scope;
use crate::app::Running;
use crate::views::{HistoryPage, SmsView};

/// The service in this process.
pub struct Embedded {
    service: Arc<Service>,
    /// What the caller may touch: everything on stdio (the process is the agent's own),
    /// the API key's scope over Streamable HTTP.
    scope: Scope,
    /// The service this backend started and stops (embedded mode only).
    running: Mutex<Option<Running>>,
}

impl Embedded {
    /// Wraps a started service, which [`Backend::shutdown`] stops.
    pub fn new(running: Running) -> Self {
        Embedded {
            service: running.service.clone(),
            scope: Scope::All,
            running: Mutex::new(Some(running)),
        }
    }

    /// A caller with `scope` of a service that runs on without it.
    pub fn scoped(service: Arc<Service>, scope: Scope) -> Self {
        Embedded {
            service,
            scope,
            running: Mutex::new(None),
        }
    }

    /// Refuses a number outside the caller's scope.
    async fn reach(&self, number: &str) -> Result<(), String> {
        self.scope
            .holder(&self.service, number)
            .await
            .map(drop)
            .map_err(|e| e.to_string())
    }
}

#[async_trait]
impl Backend for Embedded {
    async fn assign(&self, passport: &str, place: Where) -> Result<Assigned, String> {
        self.scope.check(passport).map_err(|e| e.to_string())?;
        let place = crate::choice::Place {
            country: place.country.as_deref(),
            area_code: place.area_code.as_deref(),
            line_type: place.line_type.as_deref(),
        };
        let chosen = crate::choice::assign(&self.service, passport, place)
            .await
            .map_err(|e| e.to_string())?;
        Ok(Assigned {
            phone_number: chosen.assignment.phone_number,
            note: chosen.note,
        })
    }

    async fn release(&self, passport: &str) -> Result<String, String> {
        self.scope.check(passport).map_err(|e| e.to_string())?;
        let a = self
            .service
            .release(passport)
            .await
            .map_err(|e| e.to_string())?;
        Ok(a.phone_number)
    }

    async fn wait(&self, number: &str, spec: WaitSpec) -> Result<SmsView, String> {
        let filter = spec
            .filter
            .build()
            .map_err(|e| format!("Wait for SMS failed: {e}"))?;
        self.reach(number)
            .await
            .map_err(|e| format!("Wait for SMS failed: {e}"))?;
        let d = self
            .service
            .wait(number, filter, spec.timeout, None)
            .await
            .map_err(|e| e.to_string())?;
        Ok(SmsView::from(&d.sms))
    }

    async fn list(
        &self,
        number: &str,
        limit: usize,
        cursor: Option<String>,
    ) -> Result<HistoryPage, String> {
        let cursor = cursor.as_deref().map(Cursor::parse).transpose();
        let cursor = cursor.map_err(|e| e.to_string())?;
        self.reach(number).await?;
        // A number's next owner never reads the previous owner's SMS.
        let page = self
            .service
            .number_history(number, Viewer::Holder, cursor.as_ref(), limit)
            .await
            .map_err(|e| e.to_string())?;
        Ok(HistoryPage::from(&page))
    }

    async fn held(&self) -> Result<Vec<Held>, String> {
        let numbers = self.service.numbers().await.map_err(|e| e.to_string())?;
        Ok(numbers
            .into_iter()
            .filter_map(|n| match n.record.state {
                NumberState::Assigned { passport, .. } if self.scope.allows(&passport) => {
                    Some(Held {
                        phone_number: n.phone_number,
                        passport_id: passport,
                    })
                }
                _ => None,
            })
            .collect())
    }

    async fn watch(&self, number: &str) -> Result<Arrivals, String> {
        let record = self
            .service
            .lookup(number)
            .await
            .map_err(|e| e.to_string())?;
        let holder = match record.map(|r| r.state) {
            Some(NumberState::Assigned { passport, .. }) if self.scope.allows(&passport) => {
                passport
            }
            Some(NumberState::Assigned { .. }) => return Err(crate::access::FORBIDDEN.into()),
            _ => return Err(format!("{number} is not assigned to a passport")),
        };
        // What arrives for another holder later (after a release) is not this one's news.
        let subscription = self.service.subscribe(number, Filter::default());
        let arrivals = futures_util::stream::unfold(subscription, move |mut sub| {
            let holder = holder.clone();
            async move {
                loop {
                    let sms = sub.next().await?;
                    if sms.passport.as_deref() == Some(holder.as_str()) {
                        return Some(((), sub));
                    }
                }
            }
        });
        Ok(Box::pin(arrivals))
    }

    async fn shutdown(&self) {
        if let Some(running) = self.running.lock().await.take() {
            running.shutdown().await;
        }
    }
}
