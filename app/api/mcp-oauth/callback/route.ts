import { sessionHandlers } from "@/server/rest/session";
import { webMcpOAuthCallbackRoute } from "@/server/rest/routes/mcp-servers";

export const dynamic = "force-dynamic";

/** The OAuth callback of an MCP server's authorization (the browser session; ?workspace= from the redirect URI). */
export const { GET } = sessionHandlers(webMcpOAuthCallbackRoute);
