//! `agentpass-sms mcp`: the MCP server on stdio.
//!
//! Without `AGENTPASS_API_URL` it is **embedded**: it runs the whole service (store,
//! actors, webhook listener) itself. With it, it is a thin **remote** client of a
//! running `serve`. stdout carries only protocol; logs go to stderr.

pub mod args;
pub mod backend;
pub mod embedded;
pub mod handler;
pub mod remote;
pub mod resources;
pub mod results;
pub mod tools;

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rmcp::service::ServerInitializeError;
use rmcp::ServiceExt;
use tokio::io::{AsyncRead, ReadBuf};
use tokio_util::sync::CancellationToken;

use self::backend::Backend;
use crate::app::{self, AppError};
use crate::config::Config;
use crate::secrets;

/// Why the MCP server stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum McpError {
    /// The embedded service could not start.
    #[error(transparent)]
    App(#[from] AppError),
    /// No API key for remote mode.
    #[error("remote mode (AGENTPASS_API_URL={0}) needs an API key: set AGENTPASS_API_KEY")]
    NoKey(String),
    /// The MCP session failed.
    #[error("MCP session failed: {0}")]
    Session(String),
}

impl McpError {
    /// Whether the server failed before an MCP session began (so the client has not
    /// been answered at all).
    pub fn before_session(&self) -> bool {
        matches!(self, McpError::App(_) | McpError::NoKey(_))
    }
}

/// A server that cannot start still answers the client's first request (`initialize`)
/// with a JSON-RPC error carrying `message`, so the client shows why instead of
/// "connection closed". Waits at most 5 s for that request; writes nothing without one.
pub async fn refuse_session(message: &str) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let mut line = String::new();
    let mut stdin = tokio::io::BufReader::new(tokio::io::stdin());
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        stdin.read_line(&mut line),
    );
    if !matches!(read.await, Ok(Ok(n)) if n > 0) {
        return;
    }
    let Ok(request) = serde_json::from_str::<serde_json::Value>(&line) else {
        return;
    };
    let Some(id) = request.get("id").cloned() else {
        return;
    };
    let reply = serde_json::json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": { "code": -32603, "message": format!("agentpass-sms could not start: {message}") },
    });
    let mut stdout = tokio::io::stdout();
    let _ = stdout.write_all(format!("{reply}\n").as_bytes()).await;
    let _ = stdout.flush().await;
}

/// Serves MCP on stdin/stdout until stdin closes.
pub async fn run(config: Config) -> Result<(), McpError> {
    let backend: Arc<dyn Backend> = match &config.api_url {
        Some(url) => {
            let key = match &config.api_key {
                Some(k) => k.expose().to_owned(),
                None => secrets::read(&config.data_dir, secrets::DEV_API_KEY)
                    .ok_or_else(|| McpError::NoKey(url.clone()))?,
            };
            tracing::info!("MCP remote mode: using the service at {url}");
            Arc::new(remote::Remote::new(url, key))
        }
        None => {
            let running = app::start(&config).await?;
            tracing::info!("MCP embedded mode: data in {}", config.data_dir.display());
            Arc::new(embedded::Embedded::new(running))
        }
    };
    let shutdown = CancellationToken::new();
    let (stdin, stdout) = rmcp::transport::stdio();
    let stdin = EofSignal {
        inner: stdin,
        on_eof: shutdown.clone(),
    };
    let result = match tools::SmsTools::new(backend.clone(), shutdown)
        .serve((stdin, stdout))
        .await
    {
        Ok(running) => running
            .waiting()
            .await
            .map(|_| ())
            .map_err(|e| McpError::Session(e.to_string())),
        // stdin closed before the handshake: nothing to do.
        Err(ServerInitializeError::ConnectionClosed(_)) => Ok(()),
        Err(e) => Err(McpError::Session(e.to_string())),
    };
    backend.shutdown().await;
    result
}

/// Cancels `on_eof` when stdin reaches end of file. rmcp itself waits up to 5 s for
/// in-flight requests after EOF; this lets long waits end at once.
struct EofSignal<R> {
    inner: R,
    on_eof: CancellationToken,
}

impl<R: AsyncRead + Unpin> AsyncRead for EofSignal<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(())))
            && buf.filled().len() == before
            && buf.remaining() > 0
        {
            self.on_eof.cancel();
        }
        result
    }
}
