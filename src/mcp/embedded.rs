//! Embedded mode: the MCP process runs the actor system, the store and the webhook
//! listener itself — one `agentpass-sms mcp` is a complete single-node deployment.

use std::sync::Arc;

use agentpass_actors::{Cursor, Service, Viewer};
use async_trait::async_trait;
use tokio::sync::Mutex;

use super::backend::{Backend, WaitSpec};
use crate::app::Running;
use crate::views::{HistoryPage, SmsView};

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

    async fn wait(&self, number: &str, spec: WaitSpec) -> Result<SmsView, String> {
        let filter = spec
            .filter
            .build()
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
        // A number's next owner never reads the previous owner's SMS.
        let page = self
            .service
            .number_history(number, Viewer::Holder, cursor.as_ref(), limit)
            .await
            .map_err(|e| e.to_string())?;
        Ok(HistoryPage::from(&page))
    }

    async fn shutdown(&self) {
        if let Some(running) = self.running.lock().await.take() {
            running.shutdown().await;
        }
    }
}
