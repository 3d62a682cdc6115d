//! The MCP server as a whole: what it announces at the handshake, the tools (routed by
//! [`SmsTools`]' router) and the resources ([`resources`](super::resources)).

use rmcp::model::{
    Implementation, ListResourceTemplatesResult, ListResourcesResult, PaginatedRequestParams,
    ReadResourceRequestParams, ReadResourceResponse, ServerCapabilities, ServerConfig,
    SubscribeRequestParams, SubscriptionFilter, UnsubscribeRequestParams,
};
use rmcp::service::{RequestContext, SubscriptionContext};
use rmcp::{tool_handler, ErrorData, RoleServer, ServerHandler};

use super::resources;
use super::tools::SmsTools;

#[tool_handler(router = self.tool_router)]
impl ServerHandler for SmsTools {
    fn get_info(&self) -> ServerConfig {
        let capabilities = ServerCapabilities::builder()
            .enable_tools()
            .enable_resources()
            .enable_resources_subscribe()
            .build();
        ServerConfig::new(capabilities)
            .with_server_info(Implementation::new(
                "agentpass-sms",
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(INSTRUCTIONS.to_owned())
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        resources::list(&*self.backend(&ctx).map_err(unauthorized)?).await
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _ctx: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        Ok(resources::templates())
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        ctx: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let backend = self.backend(&ctx).map_err(unauthorized)?;
        resources::read(&*backend, &request.uri)
            .await
            .map(Into::into)
    }

    #[allow(deprecated)]
    async fn subscribe(
        &self,
        request: SubscribeRequestParams,
        ctx: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        let backend = self.backend(&ctx).map_err(unauthorized)?;
        let peer = ctx.peer.clone();
        self.subscriptions
            .subscribe(&*backend, &request.uri, peer)
            .await
    }

    #[allow(deprecated)]
    async fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        _ctx: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.subscriptions.unsubscribe(&request.uri);
        Ok(())
    }

    fn accepted_subscription_filter(
        &self,
        requested: &SubscriptionFilter,
    ) -> Option<SubscriptionFilter> {
        Some(resources::accepted(requested))
    }

    async fn listen(&self, ctx: SubscriptionContext) -> Result<(), ErrorData> {
        let backend = self.backend(ctx.request_context()).map_err(unauthorized)?;
        resources::listen(&*backend, ctx).await
    }
}

/// What the server tells clients at the handshake.
const INSTRUCTIONS: &str = "Phone numbers and SMS one-time codes for agents: get_phone_number for your passport, then wait_for_otp (or wait_for_sms + extract_otp_from_sms) after triggering the SMS; release_phone_number when done. Each number you hold is also a resource, sms://<number>/messages, that can be subscribed to.";

fn unauthorized(e: String) -> ErrorData {
    ErrorData::invalid_request(e, None)
}
