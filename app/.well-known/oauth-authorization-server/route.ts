import { authorizationServerMetadataResponse, corsPreflight } from "@/server/mcp-auth/http";

/** RFC 8414 metadata of Cadre's authorization server for the hosted MCP endpoint. */
export const GET = authorizationServerMetadataResponse;
export const OPTIONS = corsPreflight;
