//! Runs the whole service from a [`Config`]: store, actors, HTTP server.
//!
//! `serve`, the embedded `mcp` mode and in-process tests share [`start`]. The store is
//! opened before the port is bound, so a second process on the same data directory
//! fails before it touches anything.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use agentpass_actors::store::sled::{SledOptions, SledStore};
use agentpass_actors::{
    SearchQuery, Service, ServiceConfig, Settings, StartError, Store, StoreError,
};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::{Config, ConfigError, Mode};
use crate::http::auth::{ApiKeys, Scope};
use crate::http::{routes, AppState};
use crate::secrets;
use crate::twilio::keys::WebhookKeys;

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Invalid configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Another process holds the data directory.
    #[error("{0}; stop it, use another AGENTPASS_DATA_DIR, or set AGENTPASS_API_URL to the running service to use it from here")]
    Locked(StoreError),
    /// The store failed to open.
    #[error("could not open the store: {0}")]
    Store(StoreError),
    /// The actor system failed to start.
    #[error(transparent)]
    Start(StartError),
    /// The Twilio client could not be built (bad SID, token or api_base).
    #[error("Twilio configuration: {0}")]
    Twilio(#[from] crate::twilio::TwilioError),
    /// Refused to run insecurely.
    #[error("{0}")]
    Refused(String),
    /// Filesystem or network failure (the cause follows as the error's source).
    #[error("{context}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> AppError {
    let context = context.into();
    move |source| AppError::Io { context, source }
}

/// A started service.
pub struct Running {
    /// Address the HTTP server listens on.
    pub addr: SocketAddr,
    /// Public base URL webhooks are signed over.
    pub public_base_url: String,
    /// The actor system.
    pub service: Arc<Service>,
    stop: oneshot::Sender<()>,
    server: JoinHandle<()>,
    /// Periodic tasks (Twilio check, reconciliation), aborted at shutdown.
    background: Vec<JoinHandle<()>>,
}

impl Running {
    /// Graceful shutdown: stop accepting, end waiters with a clear error, let in-flight
    /// requests finish (webhooks durably), then flush and close the store.
    pub async fn shutdown(self) {
        for task in &self.background {
            task.abort();
        }
        let _ = self.stop.send(());
        self.service.stop_actors().await;
        let _ = self.server.await;
        self.service.close_store().await;
        tracing::info!("AgentPass SMS stopped");
    }
}

/// Runs until `shutdown` resolves, then shuts down gracefully.
pub async fn serve(config: Config, shutdown: impl Future<Output = ()>) -> Result<(), AppError> {
    let running = start(&config).await?;
    shutdown.await;
    tracing::info!("shutting down");
    running.shutdown().await;
    Ok(())
}

/// Opens the store, starts the actors and binds the HTTP server.
pub async fn start(config: &Config) -> Result<Running, AppError> {
    let mode = config.mode()?;
    let dir = &config.data_dir;
    std::fs::create_dir_all(dir).map_err(io(format!(
        "could not create data directory {}",
        dir.display()
    )))?;
    let options = SledOptions {
        cache_bytes: config.store.cache_capacity,
        min_free_bytes: config.store.min_free_bytes,
        stall_after: config.store.write_timeout,
        ..SledOptions::default()
    };
    let store = SledStore::open_with(dir, &options).map_err(|e| match e {
        StoreError::Locked { .. } => AppError::Locked(e),
        e => AppError::Store(e),
    })?;
    let store: Arc<dyn Store> = Arc::new(store);
    let result = start_with_store(config, mode, store.clone()).await;
    if result.is_err() {
        store.close().await;
    }
    result
}

async fn start_with_store(
    config: &Config,
    mode: Mode,
    store: Arc<dyn Store>,
) -> Result<Running, AppError> {
    let signing_key = signing_key(config, mode)?;
    let keys = api_keys(config)?;
    // Bound now (not yet serving: nothing is answered before the pool is restored), so
    // the webhook and bought numbers use one public URL, even with `listen` port 0.
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(io(format!("could not listen on {}", config.listen)))?;
    let addr = listener.local_addr().map_err(io("listener address"))?;
    let public_base_url = match &config.public_base_url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => format!("http://{addr}"),
    };
    let existing: Vec<String> = store
        .numbers()
        .await
        .map_err(AppError::Store)?
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    let keys_for_webhooks = webhook_keys(config, signing_key);
    let providers =
        crate::providers::build(config, mode, keys_for_webhooks, &public_base_url, &existing)?;
    let settings = Settings {
        inbox_retention: config.delivery.inbox_retention,
        claim_lease: config.delivery.claim_lease,
        quarantine: config.pool.quarantine,
        auto_provision: config.auto_provision(),
        max_numbers: config.max_numbers(),
        max_provisions_per_hour: config.pool.max_provisions_per_hour,
        release_idle_after: config.pool.release_idle_after,
        search: SearchQuery {
            country: config.twilio.country.clone(),
            area_code: config.twilio.area_code.clone(),
            calling_code: crate::countries::calling_code(&config.twilio.country).map(str::to_owned),
        },
        sim_numbers: config.sim_numbers(),
        unavailable: Default::default(),
    };
    let service_config = ServiceConfig {
        settings,
        numbers: config.pool_numbers(),
        history_retention: config.store.history_retention,
        purge_interval: config.store.purge_interval,
    };
    let service = Arc::new(
        Service::start(store, service_config, providers.numbers.clone())
            .await
            .map_err(AppError::Start)?,
    );
    let state = Arc::new(AppState {
        service: service.clone(),
        keys: Arc::new(keys),
        limits: Arc::new(crate::http::limits::Limits::new(&config.limits)),
        provider: providers.numbers.name(),
        inbound: providers.inbound.clone(),
        public_base_url: public_base_url.clone(),
        max_body: config.webhook.max_body_bytes,
        default_wait: config.delivery.default_wait_timeout,
        max_wait: config.delivery.max_wait_timeout,
        claim_lease: config.delivery.claim_lease,
        body_timeout: config.server.body_read_timeout,
        write_timeout: config.store.write_timeout,
        shutdown: CancellationToken::new(),
        devices: providers.devices.clone(),
    });
    let (stop, stopped) = oneshot::channel::<()>();
    let stopping = state.shutdown.clone();
    let open_files = crate::fdlimit::raise();
    let limits = crate::http::server::ConnectionLimits {
        max_connections: crate::fdlimit::connection_cap(config.server.max_connections, open_files),
        header_read_timeout: config.server.header_read_timeout,
    };
    if (limits.max_connections as u64) < u64::from(config.server.max_connections) {
        tracing::warn!(
            "server.max_connections lowered to {} to fit the open-files limit ({})",
            limits.max_connections,
            open_files.unwrap_or_default()
        );
    }
    let server = crate::http::server::serve(listener, routes(state), limits, async move {
        let _ = stopped.await;
        stopping.cancel();
    });
    let server = tokio::spawn(server);
    let background = providers
        .background
        .into_iter()
        .map(|job| tokio::spawn(job(service.clone())))
        .collect();
    let mode_name = match mode {
        Mode::Mock => "mock",
        Mode::Twilio => "twilio",
    };
    let webhooks: Vec<String> = providers
        .inbound
        .iter()
        .map(|p| p.url(&public_base_url))
        .collect();
    // Opening the store and restoring the pool leave freed buffers behind.
    crate::memory::trim();
    tracing::info!(
        "AgentPass SMS listening on http://{addr} ({mode_name} mode, webhook {})",
        webhooks.join(", ")
    );
    Ok(Running {
        addr,
        public_base_url,
        service,
        stop,
        server,
        background,
    })
}

/// The key webhooks are signed with: the auth token in Twilio mode; in mock
/// mode the auth token, else `WEBHOOK_SECRET`, else a dev token in the data directory.
pub fn signing_key(config: &Config, mode: Mode) -> Result<String, AppError> {
    if let Some(token) = &config.twilio.auth_token {
        return Ok(token.expose().to_owned());
    }
    debug_assert_eq!(mode, Mode::Mock, "Twilio mode always has a token");
    if let Some(secret) = &config.webhook.secret {
        return Ok(secret.expose().to_owned());
    }
    let (token, path) = secrets::read_or_create(&config.data_dir, secrets::DEV_WEBHOOK_TOKEN)
        .map_err(io("could not create the dev webhook token"))?;
    tracing::info!(
        "mock mode: webhooks are signed with the dev token in {}",
        path.display()
    );
    Ok(token)
}

/// Every secret a webhook may be signed with: `signing_key` (see [`signing_key`]) and
/// the previous auth token; the webhook shared key and its predecessor.
pub fn webhook_keys(config: &Config, signing_key: String) -> WebhookKeys {
    let expose = |s: &Option<crate::config::Secret>| s.as_ref().map(|s| s.expose().to_owned());
    WebhookKeys {
        tokens: std::iter::once(signing_key)
            .chain(expose(&config.twilio.previous_auth_token))
            .collect(),
        shared: expose(&config.webhook.shared_key)
            .into_iter()
            .chain(expose(&config.webhook.previous_shared_key))
            .collect(),
    }
}

/// The accepted API keys; a dev key on loopback when none is configured; refusal to
/// listen elsewhere without one.
fn api_keys(config: &Config) -> Result<ApiKeys, AppError> {
    let mut keys: Vec<(String, Scope)> = Vec::new();
    if let Some(k) = &config.api_key {
        keys.push((k.expose().to_owned(), Scope::All));
    }
    for k in &config.api_keys {
        let scope = if k.passports.is_empty() {
            Scope::All
        } else {
            Scope::Passports(k.passports.iter().cloned().collect())
        };
        keys.push((k.key.expose().to_owned(), scope));
    }
    if keys.is_empty() {
        if !config.listen.ip().is_loopback() {
            return Err(AppError::Refused(format!(
                "refusing to listen on {} without an API key: set AGENTPASS_API_KEY or add [[api_keys]] to the config",
                config.listen
            )));
        }
        let (key, path) = secrets::read_or_create(&config.data_dir, secrets::DEV_API_KEY)
            .map_err(io("could not create the dev API key"))?;
        tracing::info!(
            "no API key configured: using the dev key in {}",
            path.display()
        );
        keys.push((key, Scope::All));
    }
    Ok(ApiKeys::new(keys))
}
