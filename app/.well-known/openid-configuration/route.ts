import { authorizationServerMetadataResponse, corsPreflight } from "@/server/mcp-auth/http";

/** The same metadata at the OpenID-style path, which MCP clients probe too (Cadre issues no ID tokens). */
export const GET = authorizationServerMetadataResponse;
export const OPTIONS = corsPreflight;
