//! Outbound HTTP clients (Twilio, remote MCP, CLI): reqwest with rustls on ring.

/// reqwest is built with `rustls-no-provider` (ring instead of aws-lc, see Cargo.toml):
/// installs ring as the process default unless a provider is already installed. Call
/// before building any `reqwest::Client`; [`client`] does.
pub fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Err means another thread installed one first, which is as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// A reqwest client builder with the crypto provider installed. Idle pooled connections
/// are dropped after 5 s, before a server (ours closes idle connections after
/// `server.header_read_timeout`, 10 s by default) closes them under a new request.
pub fn builder() -> reqwest::ClientBuilder {
    install_crypto_provider();
    reqwest::Client::builder().pool_idle_timeout(std::time::Duration::from_secs(5))
}

/// A default reqwest client.
pub fn client() -> reqwest::Client {
    builder().build().expect("HTTP client")
}
