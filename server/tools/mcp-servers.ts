/**
 * Remote MCP servers of a workspace (issue 13): connect one by URL, sync its `tools/list` into the registry as tools
 * of kind "mcp" named `<server>_<tool>`, and review the definitions a server changed.
 *
 * Tool poisoning: a synced tool keeps the definition (description + argument schema) a person last saw, with its
 * hash. When a sync finds another definition, the tool keeps the old one, the new one waits in `pendingDefinition`,
 * and the tool is disabled until someone reviews the change (`reviewMcpTool`, which needs tools:grant since it
 * re-grants the tool to every agent that has it). A new tool is enabled, with approval policy "always": it is
 * untrusted until someone relaxes that. A tool the server no longer lists is disabled (kept, not deleted: grants
 * and history still name it); it is enabled again if it comes back unchanged. Server descriptions are untrusted
 * text: control characters stripped, at most 2,000 characters.
 *
 * Sync bookkeeping in Tool.config (unused by MCP tools otherwise): `{ syncDisabled: "changed" | "removed" }` marks
 * a tool the sync disabled, so that the sync (or an accepted review) enables it again, but never one a person disabled.
 */
import { createHash } from "node:crypto";
import type { z } from "zod";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import {
  createMcpServerInputSchema,
  mcpServerIdSchema,
  updateMcpServerInputSchema,
  type McpServerOut,
  type McpServerStatus,
  type McpSyncReport,
} from "@/lib/schemas/mcp";
import { TOOL_NAME_PATTERN, toolIdSchema } from "@/lib/schemas/tools";
import { recordAudit } from "@/server/audit/service";
import { actorUserId, type TenantContext } from "@/server/context";
import { db } from "@/server/db/client";
import { prismaCode } from "@/server/db/errors";
import { inWorkspace } from "@/server/db/in-workspace";
import { Prisma } from "@/server/db/generated/client";
import { isBuiltinName } from "./builtin/definitions";
import { deleteSystemSecret } from "@/server/vault/service";
import { cleanMultiline, listRemoteTools, McpConnectError, type McpServerTarget } from "./mcp-client";
import { beginOAuth, finishOAuth, MCP_OAUTH_CALLBACK_PATH, McpOAuthError, oauthRecordOf } from "./mcp-oauth";
import { mcpSyncHours, nextMcpSyncAt } from "./mcp-sync-times";

/** The most characters of a server's description of a tool kept (untrusted text). */
export const MCP_DESCRIPTION_MAX_CHARS = 2_000;
const MCP_SCHEMA_MAX_CHARS = 16_384;
const LAST_ERROR_MAX_CHARS = 500;

export interface McpToolDefinition {
  description: string;
  inputSchema: Record<string, unknown>;
}
/** A definition waiting for review, with its hash; `rejectedAt` once a person refused it. */
type PendingDefinition = McpToolDefinition & { hash: string; rejectedAt?: string };
type SyncMark = "changed" | "removed";

const notFound = () => new AppError("NOT_FOUND", "MCP server not found");

/** JSON with object keys sorted at every level: the same definition always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/** sha256 of the canonical JSON of { description, inputSchema }. */
export function definitionHash(definition: McpToolDefinition): string {
  return createHash("sha256")
    .update(canonicalJson({ description: definition.description, inputSchema: definition.inputSchema }))
    .digest("hex");
}

/** `<server>_<remote>` in the tool-name alphabet: lowercase, anything else an underscore, at most 64 characters. */
export function mcpToolName(serverName: string, remoteName: string): string {
  const remote = remoteName.toLowerCase().replace(/[^a-z0-9_]/g, "_");
  return `${serverName}_${remote}`.slice(0, 64);
}

/** A remote tool's definition as stored (description cleaned and capped), or why it cannot be used. */
export function definitionOf(remote: { description?: unknown; inputSchema?: unknown }): McpToolDefinition | { problem: string } {
  const schema = remote.inputSchema;
  if (!schema || typeof schema !== "object" || Array.isArray(schema) || (schema as { type?: unknown }).type !== "object") {
    return { problem: "its argument schema is not an object schema" };
  }
  if (JSON.stringify(schema).length > MCP_SCHEMA_MAX_CHARS) return { problem: "its argument schema is larger than 16 KB" };
  const description = cleanMultiline(typeof remote.description === "string" ? remote.description : "", MCP_DESCRIPTION_MAX_CHARS);
  return { description, inputSchema: schema as Record<string, unknown> };
}

function syncMarkOf(config: unknown): SyncMark | null {
  const mark = config && typeof config === "object" ? (config as { syncDisabled?: unknown }).syncDisabled : undefined;
  return mark === "changed" || mark === "removed" ? mark : null;
}

function pendingOf(value: unknown): PendingDefinition | null {
  if (!value || typeof value !== "object") return null;
  const p = value as Partial<PendingDefinition>;
  if (typeof p.hash !== "string" || typeof p.description !== "string" || !p.inputSchema || typeof p.inputSchema !== "object") return null;
  return p as PendingDefinition;
}

const schemaOf = (value: unknown): Record<string, unknown> =>
  value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** A well-formed id or name, or NOT_FOUND. */
function serverWhere(ctx: TenantContext, ref: string): Prisma.McpServerWhereInput {
  const trimmed = typeof ref === "string" ? ref.trim() : "";
  if (!trimmed || trimmed.length > 80) throw notFound();
  const byId = mcpServerIdSchema.safeParse(trimmed).success;
  return { workspaceId: ctx.workspaceId, ...(byId ? { OR: [{ id: trimmed }, { name: trimmed }] } : { name: trimmed }) };
}

const serverInclude = {
  tools: {
    select: { id: true, name: true, remoteName: true, description: true, inputSchema: true, enabled: true, pendingDefinition: true },
    orderBy: { name: "asc" },
  },
} as const satisfies Prisma.McpServerInclude;
type ServerRow = Prisma.McpServerGetPayload<{ include: typeof serverInclude }>;

async function secretNames(ctx: TenantContext, ids: (string | null)[]): Promise<Map<string, string>> {
  const wanted = [...new Set(ids.filter((id): id is string => id !== null))];
  if (wanted.length === 0) return new Map();
  const rows = await db(ctx).secret.findMany({ where: { workspaceId: ctx.workspaceId, id: { in: wanted } }, select: { id: true, name: true } });
  return new Map(rows.map((r) => [r.id, r.name]));
}

function toOut(row: ServerRow, names: Map<string, string>): McpServerOut {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    transport: row.transport as McpServerOut["transport"],
    authType: row.authType as McpServerOut["authType"],
    secretId: row.secretId,
    secretName: row.secretId ? (names.get(row.secretId) ?? null) : null,
    oauth: row.authType === "oauth" ? oauthOut(row.oauth) : null,
    enabled: row.enabled,
    status: row.status as McpServerStatus,
    lastError: row.lastError,
    lastSyncedAt: row.lastSyncedAt,
    nextSyncAt: row.enabled && row.status !== "needs_auth" && mcpSyncHours() > 0 ? row.nextSyncAt : null,
    tools: row.tools.map((t) => {
      const pending = pendingOf(t.pendingDefinition);
      const changed = pending !== null && !pending.rejectedAt;
      return {
        id: t.id,
        name: t.name,
        remoteName: t.remoteName ?? "",
        description: t.description,
        inputSchema: schemaOf(t.inputSchema),
        enabled: t.enabled,
        changed,
        // what a review compares: the reviewed definition above, and the server's new one
        pendingDefinition: changed ? { description: pending.description, inputSchema: pending.inputSchema } : null,
      };
    }),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function oauthOut(value: unknown): NonNullable<McpServerOut["oauth"]> {
  const record = oauthRecordOf(value);
  return {
    authorizationServer: record?.authorizationServerUrl ?? null,
    authorizedAt: record?.authorizedAt ? new Date(record.authorizedAt) : null,
  };
}

const NOT_AUTHORIZED = "not authorized yet: authorize the server (OAuth) to connect it";

async function findServer(ctx: TenantContext, ref: string): Promise<ServerRow> {
  const row = await db(ctx).mcpServer.findFirst({ where: serverWhere(ctx, ref), include: serverInclude });
  if (!row) throw notFound();
  return row;
}

export async function getMcpServer(ctx: TenantContext, ref: string): Promise<McpServerOut> {
  const row = await findServer(ctx, ref);
  return toOut(row, await secretNames(ctx, [row.secretId]));
}

/** Every server of the workspace, by name, with its tools. */
export async function listMcpServers(ctx: TenantContext): Promise<McpServerOut[]> {
  const rows = await db(ctx).mcpServer.findMany({ where: { workspaceId: ctx.workspaceId }, include: serverInclude, orderBy: { name: "asc" } });
  const names = await secretNames(
    ctx,
    rows.map((r) => r.secretId),
  );
  return rows.map((r) => toOut(r, names));
}

/** bearer needs a (user) secret of this workspace; none and oauth keep no secret here (oauth's are in oauthSecretId). */
async function checkedAuth(ctx: TenantContext, authType: string, secretId: string | null): Promise<string | null> {
  if (authType === "none" || authType === "oauth") return null;
  if (!secretId) throw new AppError("VALIDATION_FAILED", "A bearer server needs a token: pick the vault secret that holds it");
  const secret = await db(ctx).secret.findFirst({ where: { id: secretId, workspaceId: ctx.workspaceId, kind: "user" }, select: { id: true } });
  if (!secret) throw new AppError("VALIDATION_FAILED", "No such secret in this workspace: pick the vault secret that holds the token");
  return secretId;
}

const nameTaken = (name: string) => new AppError("CONFLICT", `An MCP server named "${name}" already exists in this workspace`);

/** Connects a server: saved first (even when it cannot be reached: status error and lastError), then synced. */
export async function createMcpServer(ctx: TenantContext, input: z.input<typeof createMcpServerInputSchema>): Promise<McpServerOut> {
  const data = createMcpServerInputSchema.parse(input);
  const secretId = await checkedAuth(ctx, data.authType, data.secretId);
  const taken = await db(ctx).mcpServer.findFirst({ where: { workspaceId: ctx.workspaceId, name: data.name }, select: { id: true } });
  if (taken) throw nameTaken(data.name);
  const id = newId("mcp");
  try {
    await db(ctx).$transaction(async (tx) => {
      await tx.mcpServer.create({
        data: {
          id,
          workspaceId: ctx.workspaceId,
          name: data.name,
          url: data.url,
          transport: data.transport,
          authType: data.authType,
          secretId,
          ...(data.authType === "oauth" ? { status: "needs_auth", lastError: NOT_AUTHORIZED } : {}),
          createdById: actorUserId(ctx),
        },
      });
      await recordAudit(
        ctx,
        {
          action: "mcp_server.create",
          targetType: "mcp_server",
          targetId: id,
          metadata: { name: data.name, url: data.url, transport: data.transport, authType: data.authType },
        },
        tx,
      );
    });
  } catch (error) {
    if (prismaCode(error) === "P2002") throw nameTaken(data.name);
    throw error;
  }
  // an OAuth server waits for `authorize`: nothing can be listed before a person has granted access
  if (data.authType === "oauth") return getMcpServer(ctx, id);
  return (await syncMcpServer(ctx, id)).server;
}

/** Changes the URL, transport, authentication or `enabled`; a changed connection (or re-enabling) syncs again. */
export async function updateMcpServer(ctx: TenantContext, ref: string, patch: z.input<typeof updateMcpServerInputSchema>): Promise<McpServerOut> {
  const data = updateMcpServerInputSchema.parse(patch);
  const existing = await findServer(ctx, ref);
  const authType = data.authType ?? existing.authType;
  const secretId = await checkedAuth(ctx, authType, data.secretId !== undefined ? data.secretId : existing.secretId);
  const next = {
    url: data.url ?? existing.url,
    transport: data.transport ?? existing.transport,
    authType,
    secretId,
    enabled: data.enabled ?? existing.enabled,
  };
  const changed = (Object.keys(next) as (keyof typeof next)[]).filter((k) => next[k] !== existing[k]);
  if (changed.length === 0) return toOut(existing, await secretNames(ctx, [existing.secretId]));
  const connectionChanged = changed.some((k) => k !== "enabled");
  // an OAuth registration and its tokens are bound to the server's URL: a new URL (or leaving OAuth) drops them
  const dropOAuth = existing.authType === "oauth" && (changed.includes("url") || changed.includes("authType"));
  const needsAuth = authType === "oauth" && (dropOAuth || existing.authType !== "oauth");
  await db(ctx).$transaction(async (tx) => {
    await tx.mcpServer.update({
      where: inWorkspace(ctx, existing.id),
      data: {
        ...next,
        ...(connectionChanged ? (needsAuth ? { status: "needs_auth", lastError: NOT_AUTHORIZED } : { status: "ok", lastError: null }) : {}),
        ...(dropOAuth ? { oauth: Prisma.DbNull, oauthSecretId: null } : {}),
      },
    });
    if (dropOAuth && existing.oauthSecretId) await deleteSystemSecret(ctx, "mcp_oauth", existing.oauthSecretId, tx);
    await recordAudit(
      ctx,
      {
        action: "mcp_server.update",
        targetType: "mcp_server",
        targetId: existing.id,
        metadata: { name: existing.name, changed, ...(changed.includes("url") ? { url: next.url } : {}) },
      },
      tx,
    );
  });
  if (next.enabled && !needsAuth && (connectionChanged || !existing.enabled)) return (await syncMcpServer(ctx, existing.id)).server;
  return getMcpServer(ctx, existing.id);
}

/**
 * Starts (or restarts) the OAuth authorization of a server: discovery, client registration if needed, a pending
 * authorization for this member (10 minutes). The person is sent to `authorizationUrl`; the authorization server
 * sends them back to /api/mcp-oauth/callback, which calls `completeMcpAuthorization`.
 */
export async function authorizeMcpServer(ctx: TenantContext, ref: string, origin: string): Promise<{ authorizationUrl: string; expiresAt: Date }> {
  const server = await findServer(ctx, ref);
  if (server.authType !== "oauth") throw new AppError("CONFLICT", `MCP server "${server.name}" does not use OAuth: set its authentication to oauth first`);
  if (!server.enabled) throw new AppError("CONFLICT", `MCP server "${server.name}" is disabled: enable it first`);
  const redirectUri = `${origin.replace(/\/+$/, "")}${MCP_OAUTH_CALLBACK_PATH}?workspace=${encodeURIComponent(ctx.workspaceSlug)}`;
  try {
    return await beginOAuth(ctx, server, redirectUri);
  } catch (error) {
    if (!(error instanceof McpOAuthError)) throw error;
    await db(ctx).mcpServer.update({
      where: inWorkspace(ctx, server.id),
      data: { status: error.status, lastError: error.message.slice(0, LAST_ERROR_MAX_CHARS) },
    });
    throw error;
  }
}

/**
 * The callback's work: the state checked and used up, the code exchanged, the tokens in the vault, the server
 * connected (audited as mcp_server.authorize) and synced. Refusals and the authorization server's errors throw.
 */
export async function completeMcpAuthorization(
  ctx: TenantContext,
  input: { state: string; code?: string | undefined; error?: string | undefined; errorDescription?: string | undefined },
): Promise<McpServerOut> {
  const serverId = await finishOAuth(ctx, input);
  const server = await findServer(ctx, serverId);
  await recordAudit(ctx, {
    action: "mcp_server.authorize",
    targetType: "mcp_server",
    targetId: server.id,
    metadata: { name: server.name, authorizationServer: oauthRecordOf(server.oauth)?.authorizationServerUrl ?? null },
  });
  if (!server.enabled) return getMcpServer(ctx, server.id);
  return (await syncMcpServer(ctx, server.id)).server;
}

/** Forgets a server's OAuth tokens and client registration (the vault secret is deleted): it needs authorizing again. */
export async function disconnectMcpServer(ctx: TenantContext, ref: string): Promise<McpServerOut> {
  const server = await findServer(ctx, ref);
  if (server.authType !== "oauth") throw new AppError("CONFLICT", `MCP server "${server.name}" does not use OAuth: there is nothing to disconnect`);
  await db(ctx).$transaction(async (tx) => {
    await tx.mcpServer.update({
      where: inWorkspace(ctx, server.id),
      data: { oauth: Prisma.DbNull, oauthSecretId: null, status: "needs_auth", lastError: NOT_AUTHORIZED },
    });
    if (server.oauthSecretId) await deleteSystemSecret(ctx, "mcp_oauth", server.oauthSecretId, tx);
    await tx.mcpOAuthState.deleteMany({ where: { workspaceId: ctx.workspaceId, mcpServerId: server.id } });
    await recordAudit(ctx, { action: "mcp_server.disconnect", targetType: "mcp_server", targetId: server.id, metadata: { name: server.name } }, tx);
  });
  return getMcpServer(ctx, server.id);
}

/** Deletes a server and its tools; refused (CONFLICT, naming them) while an agent's current version grants one. */
export async function deleteMcpServer(ctx: TenantContext, ref: string): Promise<{ deleted: true }> {
  const existing = await findServer(ctx, ref);
  const toolNames = existing.tools.map((t) => t.name);
  if (toolNames.length > 0) {
    const versions = await db(ctx).agentVersion.findMany({
      where: { workspaceId: ctx.workspaceId, allowedTools: { hasSome: toolNames }, agent: { archivedAt: null } },
      select: { version: true, agent: { select: { slug: true, currentVersion: true } } },
    });
    const agents = [...new Set(versions.filter((v) => v.version === v.agent.currentVersion).map((v) => v.agent.slug))].sort();
    if (agents.length > 0) {
      throw new AppError(
        "CONFLICT",
        `MCP server "${existing.name}" has tools granted to ${agents.length === 1 ? "agent" : "agents"} ${agents.map((a) => `"${a}"`).join(", ")}: take the tools out of ${agents.length === 1 ? "its" : "their"} tool list first`,
        { agents },
      );
    }
  }
  await db(ctx).$transaction(async (tx) => {
    // its tools and pending authorizations go with it (ON DELETE CASCADE), its OAuth tokens here
    await tx.mcpServer.delete({ where: inWorkspace(ctx, existing.id) });
    if (existing.oauthSecretId) await deleteSystemSecret(ctx, "mcp_oauth", existing.oauthSecretId, tx);
    await recordAudit(
      ctx,
      { action: "mcp_server.delete", targetType: "mcp_server", targetId: existing.id, metadata: { name: existing.name, tools: toolNames } },
      tx,
    );
  });
  return { deleted: true };
}

function emptyReport(): McpSyncReport {
  return { added: [], changed: [], removed: [], restored: [], unchanged: 0, skipped: [] };
}

/**
 * Reads the server's tools/list and brings the registry in line (see the file comment). A server that cannot be
 * reached keeps its tools as they are: its row says status error (or needs_auth) and why, and `report` is null.
 */
export async function syncMcpServer(ctx: TenantContext, ref: string): Promise<{ server: McpServerOut; report: McpSyncReport | null }> {
  const server = await findServer(ctx, ref);
  if (!server.enabled) throw new AppError("CONFLICT", `MCP server "${server.name}" is disabled: enable it first`);
  if (server.authType === "oauth" && !oauthRecordOf(server.oauth)?.authorizedAt) {
    throw new AppError("CONFLICT", `MCP server "${server.name}" is not authorized yet: authorize it (OAuth) first`);
  }
  const target: McpServerTarget = server;
  let remote: Awaited<ReturnType<typeof listRemoteTools>>;
  try {
    remote = await listRemoteTools(ctx, target);
  } catch (error) {
    if (!(error instanceof McpConnectError)) throw error;
    const lastError = error.message.slice(0, LAST_ERROR_MAX_CHARS);
    await db(ctx).$transaction(async (tx) => {
      await tx.mcpServer.update({ where: inWorkspace(ctx, server.id), data: { status: error.status, lastError, nextSyncAt: nextMcpSyncAt() } });
      await recordAudit(
        ctx,
        { action: "mcp_server.sync", targetType: "mcp_server", targetId: server.id, metadata: { name: server.name, status: error.status, error: lastError } },
        tx,
      );
    });
    return { server: await getMcpServer(ctx, server.id), report: null };
  }

  const report = emptyReport();
  await db(ctx).$transaction(async (tx) => {
    const rows = await tx.tool.findMany({
      where: { workspaceId: ctx.workspaceId, mcpServerId: server.id },
      select: { id: true, name: true, remoteName: true, enabled: true, config: true, definitionHash: true, pendingDefinition: true },
    });
    const byRemote = new Map(rows.map((r) => [r.remoteName ?? "", r]));
    const seen = new Set<string>();
    const claimed = new Set(rows.map((r) => r.name));
    for (const tool of remote) {
      if (seen.has(tool.name)) continue;
      seen.add(tool.name);
      const definition = definitionOf(tool);
      const row = byRemote.get(tool.name);
      if ("problem" in definition) {
        report.skipped.push({ remoteName: cleanMultiline(tool.name, 200), reason: definition.problem });
        continue;
      }
      const hash = definitionHash(definition);
      if (!row) {
        const name = mcpToolName(server.name, tool.name);
        const clash = !TOOL_NAME_PATTERN.test(name)
          ? "its name does not make a valid tool name"
          : isBuiltinName(name) || claimed.has(name) || (await tx.tool.findFirst({ where: { workspaceId: ctx.workspaceId, name }, select: { id: true } }))
            ? `the name ${name} is taken by another tool`
            : null;
        if (clash) {
          report.skipped.push({ remoteName: cleanMultiline(tool.name, 200), reason: clash });
          continue;
        }
        claimed.add(name);
        await tx.tool.create({
          data: {
            id: newId("tool"),
            workspaceId: ctx.workspaceId,
            name,
            kind: "mcp",
            description: definition.description,
            inputSchema: definition.inputSchema as Prisma.InputJsonValue,
            enabled: true,
            approval: { mode: "always" },
            mcpServerId: server.id,
            remoteName: tool.name,
            definitionHash: hash,
            createdById: actorUserId(ctx),
          },
        });
        report.added.push(name);
        continue;
      }
      const mark = syncMarkOf(row.config);
      const pending = pendingOf(row.pendingDefinition);
      if (hash === row.definitionHash) {
        // the reviewed definition: a pending change withdrawn, or a removed tool back, is enabled again
        if (pending || mark) {
          await tx.tool.update({
            where: inWorkspace(ctx, row.id),
            data: { pendingDefinition: Prisma.DbNull, config: {}, ...(mark ? { enabled: true } : {}) },
          });
          if (mark) report.restored.push(row.name);
          else report.unchanged++;
        } else report.unchanged++;
        continue;
      }
      if (pending?.hash === hash) {
        // already waiting for review (or rejected): nothing new
        if (mark === "removed") await tx.tool.update({ where: inWorkspace(ctx, row.id), data: { config: { syncDisabled: "changed" } } });
        report.unchanged++;
        continue;
      }
      await tx.tool.update({
        where: inWorkspace(ctx, row.id),
        data: {
          pendingDefinition: { ...definition, hash } as Prisma.InputJsonValue,
          enabled: false,
          // a tool a person had disabled stays theirs to enable: only the sync's own mark makes a review re-enable it
          config: row.enabled || mark ? { syncDisabled: "changed" } : {},
        },
      });
      report.changed.push(row.name);
    }
    for (const row of rows) {
      if (seen.has(row.remoteName ?? "")) continue;
      if (syncMarkOf(row.config) === "removed") continue;
      await tx.tool.update({
        where: inWorkspace(ctx, row.id),
        data: { enabled: false, config: row.enabled || syncMarkOf(row.config) ? { syncDisabled: "removed" } : {} },
      });
      report.removed.push(row.name);
    }
    await tx.mcpServer.update({
      where: inWorkspace(ctx, server.id),
      data: { status: "ok", lastError: null, lastSyncedAt: new Date(), nextSyncAt: nextMcpSyncAt() },
    });
    await recordAudit(
      ctx,
      {
        action: "mcp_server.sync",
        targetType: "mcp_server",
        targetId: server.id,
        metadata: {
          name: server.name,
          status: "ok",
          added: report.added,
          changed: report.changed,
          removed: report.removed,
          restored: report.restored,
          skipped: report.skipped.length,
        },
      },
      tx,
    );
  });
  return { server: await getMcpServer(ctx, server.id), report };
}

/**
 * A person's decision on a changed MCP tool definition. accept: the pending definition becomes the tool's (hash
 * updated) and the tool is enabled again; reject: the tool keeps its reviewed definition and stays disabled (the
 * rejected definition is remembered, so the next sync does not ask again until the server changes it once more).
 */
export async function reviewMcpTool(
  ctx: TenantContext,
  toolRef: string,
  decision: "accept" | "reject",
): Promise<{ toolId: string; name: string; decision: "accept" | "reject"; enabled: boolean; description: string; definitionHash: string | null }> {
  const ref = typeof toolRef === "string" ? toolRef.trim() : "";
  if (!ref || ref.length > 80) throw new AppError("NOT_FOUND", "Tool not found");
  const byId = toolIdSchema.safeParse(ref).success;
  const tool = await db(ctx).tool.findFirst({
    where: { workspaceId: ctx.workspaceId, ...(byId ? { OR: [{ id: ref }, { name: ref }] } : { name: ref }) },
    select: {
      id: true,
      name: true,
      kind: true,
      enabled: true,
      description: true,
      config: true,
      definitionHash: true,
      pendingDefinition: true,
      mcpServerId: true,
    },
  });
  if (!tool) throw new AppError("NOT_FOUND", "Tool not found");
  if (tool.kind !== "mcp" || !tool.mcpServerId) throw new AppError("CONFLICT", `Tool "${tool.name}" is not an MCP tool: there is no definition to review`);
  const pending = pendingOf(tool.pendingDefinition);
  if (!pending) throw new AppError("CONFLICT", `Tool "${tool.name}" has no changed definition to review`);
  const previousHash = tool.definitionHash;
  const updated = await db(ctx).$transaction(async (tx) => {
    const row = await tx.tool.update({
      where: inWorkspace(ctx, tool.id),
      data:
        decision === "accept"
          ? {
              description: pending.description,
              inputSchema: pending.inputSchema as Prisma.InputJsonValue,
              definitionHash: pending.hash,
              pendingDefinition: Prisma.DbNull,
              enabled: true,
              config: {},
            }
          : {
              pendingDefinition: { ...pending, rejectedAt: new Date().toISOString() } as Prisma.InputJsonValue,
              enabled: false,
            },
      select: { id: true, name: true, enabled: true, description: true, definitionHash: true },
    });
    await recordAudit(
      ctx,
      {
        action: "tool.review",
        targetType: "tool",
        targetId: tool.id,
        metadata: { name: tool.name, decision, previousHash, pendingHash: pending.hash },
      },
      tx,
    );
    return row;
  });
  return {
    toolId: updated.id,
    name: updated.name,
    decision,
    enabled: updated.enabled,
    description: updated.description,
    definitionHash: updated.definitionHash,
  };
}
