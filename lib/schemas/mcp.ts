import { z } from "zod";
import { idSchema } from "./common";
import { text } from "./text";

/**
 * Remote MCP servers: a workspace connects a server by URL; its tools are synced into the registry as
 * tools of kind "mcp" named `<server>_<tool>`. Streamable HTTP (the current transport) or HTTP+SSE (the older one);
 * no stdio: the hosted platform never runs commands. Authentication: none, a bearer token kept in the vault, or
 * OAuth 2.1 as the MCP authorization spec describes.
 */
export const MCP_TRANSPORTS = ["streamable_http", "sse"] as const;
export const MCP_AUTH_TYPES = ["none", "bearer", "oauth"] as const;
export const MCP_SERVER_STATUSES = ["ok", "error", "needs_auth"] as const;
export type McpTransport = (typeof MCP_TRANSPORTS)[number];
export type McpAuthType = (typeof MCP_AUTH_TYPES)[number];
export type McpServerStatus = (typeof MCP_SERVER_STATUSES)[number];

export const MCP_SERVER_NAME_PATTERN = /^[a-z][a-z0-9_]{0,31}$/;
export const mcpServerIdSchema = idSchema("mcp");

export const mcpServerNameSchema = text()
  .trim()
  .regex(MCP_SERVER_NAME_PATTERN, "A server name is 1-32 lowercase letters, digits and underscores, starting with a letter")
  .describe("Prefixes the server's tools' names (<name>_<tool>)");

export const mcpServerUrlSchema = text()
  .trim()
  .min(1, "Enter the server's URL")
  .max(2_000)
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === "https:" || u.protocol === "http:";
    } catch {
      return false;
    }
  }, "Enter an http(s) URL, e.g. https://mcp.example.com/mcp")
  .describe("The server's endpoint (Streamable HTTP: its /mcp URL; SSE: its /sse URL)");

export const createMcpServerInputSchema = z.strictObject({
  name: mcpServerNameSchema,
  url: mcpServerUrlSchema,
  transport: z.enum(MCP_TRANSPORTS).default("streamable_http"),
  authType: z.enum(MCP_AUTH_TYPES).default("none"),
  /** bearer: a vault secret holding the token */
  secretId: idSchema("sec").nullable().default(null),
});

export const updateMcpServerInputSchema = z.strictObject({
  url: mcpServerUrlSchema.optional(),
  transport: z.enum(MCP_TRANSPORTS).optional(),
  authType: z.enum(MCP_AUTH_TYPES).optional(),
  secretId: idSchema("sec").nullable().optional(),
  enabled: z.boolean().optional(),
});

/** A tool's definition as a server describes it (untrusted text) */
export const mcpToolDefinitionSchema = z.object({
  description: z.string(),
  inputSchema: z.record(z.string(), z.unknown()),
});

export const mcpServerSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    url: z.string(),
    transport: z.enum(MCP_TRANSPORTS),
    authType: z.enum(MCP_AUTH_TYPES),
    secretId: z.string().nullable(),
    secretName: z.string().nullable(),
    /** oauth servers: the authorization server and whether Cadre holds tokens (never the tokens) */
    oauth: z
      .object({
        authorizationServer: z.string().nullable().describe("The authorization server discovered (null before the first authorize)"),
        authorizedAt: z.date().nullable().describe("When a person last completed the authorization (null: authorize first)"),
      })
      .nullable(),
    enabled: z.boolean(),
    status: z.enum(MCP_SERVER_STATUSES),
    lastError: z.string().nullable(),
    lastSyncedAt: z.date().nullable(),
    nextSyncAt: z
      .date()
      .nullable()
      .describe(
        "When its tools are synced again automatically (CADRE_MCP_SYNC_HOURS); null: not scheduled (disabled, waiting for authorization, or automatic syncs off)",
      ),
    tools: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        remoteName: z.string(),
        description: z.string().describe("The description as last reviewed (untrusted text from the server)"),
        inputSchema: z.record(z.string(), z.unknown()).describe("The JSON Schema of the arguments as last reviewed"),
        enabled: z.boolean(),
        /** the server changed the tool's description or schema since it was reviewed: disabled until reviewed */
        changed: z.boolean(),
        pendingDefinition: mcpToolDefinitionSchema
          .nullable()
          .describe("When changed: the server's new description and argument schema, waiting for review (accepting uses it); null otherwise"),
      }),
    ),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: "McpServer", description: "A remote MCP server whose tools are in the registry" });
export type McpServerOut = z.infer<typeof mcpServerSchema>;

export const mcpAuthorizeResultSchema = z
  .object({
    authorizationUrl: z
      .string()
      .describe("The authorization server's page to send the person to (PKCE S256, state, resource); it comes back to /api/mcp-oauth/callback"),
    expiresAt: z.date().describe("The authorization must be completed before this (10 minutes)"),
  })
  .meta({ id: "McpAuthorization" });

export const reviewMcpToolInputSchema = z.strictObject({
  decision: z.enum(["accept", "reject"]).describe("accept: the new definition is used and the tool enabled; reject: the tool stays disabled"),
});

/** What one sync of a server's tools/list changed in the registry (tool names as agents call them). */
export const mcpSyncReportSchema = z
  .object({
    added: z.array(z.string()).describe("New tools (enabled, approval always)"),
    changed: z.array(z.string()).describe("Tools whose definition changed: disabled until reviewed"),
    removed: z.array(z.string()).describe("Tools the server no longer lists: disabled (kept, not deleted)"),
    restored: z.array(z.string()).describe("Tools enabled again: back on the server, or back to their reviewed definition"),
    unchanged: z.number().int(),
    skipped: z.array(z.object({ remoteName: z.string(), reason: z.string() })).describe("Remote tools not added (a name taken, an invalid schema)"),
  })
  .meta({ id: "McpSyncReport" });
export type McpSyncReport = z.infer<typeof mcpSyncReportSchema>;

export const mcpSyncResultSchema = z
  .object({
    server: mcpServerSchema,
    /** null: the server could not be reached (server.status and server.lastError say why) */
    report: mcpSyncReportSchema.nullable(),
  })
  .meta({ id: "McpSyncResult" });

export const mcpToolReviewResultSchema = z
  .object({
    toolId: z.string(),
    name: z.string(),
    decision: z.enum(["accept", "reject"]),
    enabled: z.boolean(),
    description: z.string(),
    definitionHash: z.string().nullable(),
  })
  .meta({ id: "McpToolReview" });
