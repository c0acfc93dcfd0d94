/**
 * Closed sets stored as text (migrations 20261206_100_closed_sets, 20261207_500_audit_target_types): the database refuses a value outside each set,
 * written the way the run engine writes (raw SQL, text parameters), and each CHECK constraint's list equals its
 * TypeScript array, read back from pg_constraint, so that the two cannot drift apart.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NO_TENANT } from "@/server/db/client";
import { testDb } from "@/test/db";
import { execute } from "@/server/db/execute";
import { sql, type Sql } from "@/server/db/sql";
import { newId } from "@/lib/ids";
import { ACTOR_TYPES } from "@/lib/schemas/common";
import { RUN_CHANNELS, RUN_TARGET_TYPES, STEP_KINDS, STEP_STATUSES } from "@/lib/schemas/runs";
import { USAGE_OUTCOMES } from "@/lib/schemas/usage";
import { AUDIT_ACTIONS, AUDIT_TARGET_TYPES, AUTH_EVENT_ACTIONS, auditEntrySchema, authEventSchema } from "@/lib/schemas/audit";
import { openApiDocument } from "@/server/rest/openapi";
import { makeWorkspace, type TestWorkspace } from "@/test/helpers";
import { TOOL_APPROVAL_STATUSES, TOOL_KINDS } from "@/lib/schemas/tools";
import { MCP_AUTH_TYPES, MCP_SERVER_STATUSES, MCP_TRANSPORTS } from "@/lib/schemas/mcp";
import { SECRET_KINDS } from "@/server/vault/service";
import { MEMORY_KINDS, MEMORY_SCOPE_TYPES, MEMORY_SOURCES } from "@/lib/schemas/memory";
import { MEMORY_DOCUMENT_MIME_TYPES, MEMORY_DOCUMENT_STATUSES } from "@/lib/schemas/memory-documents";
import { MEMORY_REEMBED_STATUSES } from "@/lib/schemas/memory-models";
import { SCHEDULE_MISSED_POLICIES, SCHEDULE_SKIP_REASONS, SCHEDULE_STATUSES } from "@/lib/schemas/schedules";
import { MCP_CONNECTION_REVOKE_REASONS, MCP_TOKEN_KINDS } from "@/lib/schemas/mcp-oauth";
import { AGENT_GATES } from "@/lib/schemas/quality-gate";

/** Each constraint, the TS array it mirrors, and a write of `value` into its column. */
const SETS: { constraint: string; values: readonly string[]; write: (value: string) => Sql; tenant?: false }[] = [
  { constraint: "Run_targetType_check", values: RUN_TARGET_TYPES, write: (v) => runInsert({ targetType: v }) },
  { constraint: "Run_createdByType_check", values: ACTOR_TYPES, write: (v) => runInsert({ createdByType: v }) },
  { constraint: "Run_channel_check", values: RUN_CHANNELS, write: (v) => runInsert({ channel: v }) },
  { constraint: "RunStep_status_check", values: STEP_STATUSES, write: (v) => stepInsert({ status: v }) },
  { constraint: "RunStep_kind_check", values: STEP_KINDS, write: (v) => stepInsert({ kind: v }) },
  { constraint: "Tool_kind_check", values: TOOL_KINDS, write: (v) => toolInsert(v) },
  { constraint: "ToolApproval_status_check", values: TOOL_APPROVAL_STATUSES, write: (v) => approvalInsert(v) },
  { constraint: "McpServer_transport_check", values: MCP_TRANSPORTS, write: (v) => mcpInsert({ transport: v }) },
  { constraint: "McpServer_authType_check", values: MCP_AUTH_TYPES, write: (v) => mcpInsert({ authType: v }) },
  { constraint: "Memory_scopeType_check", values: MEMORY_SCOPE_TYPES, write: (v) => memoryInsert({ scopeType: v }) },
  { constraint: "Memory_kind_check", values: MEMORY_KINDS, write: (v) => memoryInsert({ kind: v }) },
  { constraint: "Memory_source_check", values: MEMORY_SOURCES, write: (v) => memoryInsert({ source: v }) },
  { constraint: "Memory_createdByType_check", values: ACTOR_TYPES, write: (v) => memoryInsert({ createdByType: v }) },
  { constraint: "MemoryDocument_scopeType_check", values: MEMORY_SCOPE_TYPES, write: (v) => documentInsert({ scopeType: v }) },
  { constraint: "MemoryDocument_status_check", values: MEMORY_DOCUMENT_STATUSES, write: (v) => documentInsert({ status: v }) },
  { constraint: "MemoryDocument_mimeType_check", values: MEMORY_DOCUMENT_MIME_TYPES, write: (v) => documentInsert({ mimeType: v }) },
  { constraint: "MemoryDocument_createdByType_check", values: ACTOR_TYPES, write: (v) => documentInsert({ createdByType: v }) },
  { constraint: "MemoryModelSetting_scopeType_check", values: MEMORY_SCOPE_TYPES, write: (v) => settingInsert({ scopeType: v }) },
  { constraint: "MemoryModelSetting_updatedByType_check", values: ACTOR_TYPES, write: (v) => settingInsert({ updatedByType: v }) },
  { constraint: "MemoryReembed_scopeType_check", values: MEMORY_SCOPE_TYPES, write: (v) => reembedInsert({ scopeType: v }) },
  { constraint: "MemoryReembed_status_check", values: MEMORY_REEMBED_STATUSES, write: (v) => reembedInsert({ status: v }) },
  { constraint: "MemoryReembed_createdByType_check", values: ACTOR_TYPES, write: (v) => reembedInsert({ createdByType: v }) },
  { constraint: "McpServer_status_check", values: MCP_SERVER_STATUSES, write: (v) => mcpInsert({ status: v }) },
  { constraint: "McpConnection_revokeReason_check", values: MCP_CONNECTION_REVOKE_REASONS, write: (v) => mcpConnectionInsert(v) },
  { constraint: "McpToken_kind_check", values: MCP_TOKEN_KINDS, write: (v) => mcpTokenInsert(v) },
  {
    constraint: "Secret_kind_check",
    values: SECRET_KINDS,
    write: (
      v,
    ) => sql`INSERT INTO "Secret" ("id", "workspaceId", "name", "kind", "ciphertext", "iv", "authTag", "wrappedKey", "keyVersion", "last4", "updatedAt")
      VALUES (${newId("sec")}, ${ws.id}, ${`k-${newId("stp")}`}, ${v}, '\\x00', '\\x00', '\\x00', '\\x00', 'v', '', now())`,
  },
  { constraint: "UsageRecord_outcome_check", values: USAGE_OUTCOMES, write: (v) => usageInsert({ outcome: v }) },
  { constraint: "UsageRecord_actorType_check", values: ACTOR_TYPES, write: (v) => usageInsert({ actorType: v }) },
  { constraint: "AuditLog_actorType_check", values: ACTOR_TYPES, write: (v) => auditInsert({ actorType: v }) },
  { constraint: "AuditLog_action_check", values: AUDIT_ACTIONS, write: (v) => auditInsert({ action: v }) },
  { constraint: "AuditLog_targetType_check", values: AUDIT_TARGET_TYPES, write: (v) => auditInsert({ targetType: v }) },
  { constraint: "TeamVersion_agentGates_check", values: AGENT_GATES, write: (v) => teamVersionInsert(v) },
  { constraint: "Schedule_status_check", values: SCHEDULE_STATUSES, write: (v) => scheduleInsert({ status: v }) },
  { constraint: "Schedule_missedPolicy_check", values: SCHEDULE_MISSED_POLICIES, write: (v) => scheduleInsert({ missedPolicy: v }) },
  { constraint: "Schedule_lastSkipReason_check", values: SCHEDULE_SKIP_REASONS, write: (v) => scheduleInsert({ lastSkipReason: v }) },
  {
    constraint: "AuthEvent_action_check",
    values: AUTH_EVENT_ACTIONS,
    write: (v) => sql`INSERT INTO "AuthEvent" ("id", "action") VALUES (${newId("aev")}, ${v})`,
    tenant: false,
  },
];

let ws: TestWorkspace;
let runId: string;
let agentId: string;

function scheduleInsert(v: { status?: string; missedPolicy?: string; lastSkipReason?: string }): Sql {
  const status = v.status ?? "active";
  return sql`INSERT INTO "Schedule" ("id", "workspaceId", "name", "targetType", "agentId", "cron", "timezone", "input", "status", "missedPolicy", "lastSkipReason", "nextRunAt", "createdByType")
    VALUES (${newId("sch")}, ${ws.id}, 's', 'agent', ${agentId}, '0 9 * * *', 'UTC', 'x', ${status}, ${v.missedPolicy ?? "skip"}, ${v.lastSkipReason ?? null},
      ${status === "active" ? new Date() : null}, 'user')`;
}
let oauthClientId: string;
let mcpConnectionId: string;

function memoryInsert(v: { scopeType?: string; kind?: string; source?: string; createdByType?: string }): Sql {
  const scopeType = v.scopeType ?? "workspace";
  const vector = `[${Array.from({ length: 384 }, (_, i) => (i === 0 ? 1 : 0)).join(",")}]`;
  return sql`INSERT INTO "Memory" ("id", "workspaceId", "scopeType", "scopeId", "kind", "content", "source", "createdByType", "embeddingModel", "dims", "embedding")
    VALUES (${newId("memo")}, ${ws.id}, ${scopeType}, ${scopeType === "workspace" ? null : "x:1"}, ${v.kind ?? "semantic"}, 'x', ${v.source ?? "api"}, ${v.createdByType ?? "user"}, 'test', 384, ${vector}::vector)`;
}

function documentInsert(v: { scopeType?: string; status?: string; mimeType?: string; createdByType?: string }): Sql {
  const scopeType = v.scopeType ?? "workspace";
  return sql`INSERT INTO "MemoryDocument" ("id", "workspaceId", "scopeType", "scopeId", "title", "mimeType", "sizeBytes", "status", "createdByType")
    VALUES (${newId("mdoc")}, ${ws.id}, ${scopeType}, ${scopeType === "workspace" ? null : "x:1"}, 't', ${v.mimeType ?? "text/plain"}, 1, ${v.status ?? "queued"}, ${v.createdByType ?? "user"})`;
}

/** A setting of its own target (a new subject each time; the workspace scope once, it has no id). */
function settingInsert(v: { scopeType?: string; updatedByType?: string }): Sql {
  const scopeType = v.scopeType ?? "subject";
  return sql`INSERT INTO "MemoryModelSetting" ("id", "workspaceId", "scopeType", "scopeId", "policy", "updatedByType")
    VALUES (${newId("mmod")}, ${ws.id}, ${scopeType}, ${scopeType === "workspace" ? null : `x:${newId("mmod")}`}, '{"type":"preset","preset":"fast"}', ${v.updatedByType ?? "user"})`;
}

function reembedInsert(v: { scopeType?: string; status?: string; createdByType?: string }): Sql {
  const scopeType = v.scopeType ?? null;
  return sql`INSERT INTO "MemoryReembed" ("id", "workspaceId", "scopeType", "scopeId", "policy", "status", "createdByType")
    VALUES (${newId("remb")}, ${ws.id}, ${scopeType}, ${scopeType === null || scopeType === "workspace" ? null : "x:1"}, '{"type":"preset","preset":"fast"}', ${v.status ?? "queued"}, ${v.createdByType ?? "user"})`;
}

let teamId: string;
let teamVersions = 0;
function teamVersionInsert(agentGates: string): Sql {
  return sql`INSERT INTO "TeamVersion" ("id", "workspaceId", "teamId", "version", "name", "spec", "agentGates")
    VALUES (${newId("tmv")}, ${ws.id}, ${teamId}, ${++teamVersions}, 'v', '{}', ${agentGates})`;
}

function runInsert(v: { targetType?: string; createdByType?: string; channel?: string }): Sql {
  return sql`INSERT INTO "Run" ("id", "workspaceId", "targetType", "input", "createdByType", "channel", "updatedAt")
    VALUES (${newId("run")}, ${ws.id}, ${v.targetType ?? "agent"}, 'x', ${v.createdByType ?? "user"}, ${v.channel ?? null}, now())`;
}

function stepInsert(v: { status?: string; kind?: string }): Sql {
  return sql`INSERT INTO "RunStep" ("id", "workspaceId", "runId", "stepId", "kind", "status")
    VALUES (${newId("stp")}, ${ws.id}, ${runId}, ${newId("stp")}, ${v.kind ?? "system"}, ${v.status ?? "running"})`;
}

function toolInsert(kind: string): Sql {
  return sql`INSERT INTO "Tool" ("id", "workspaceId", "name", "kind", "updatedAt") VALUES (${newId("tool")}, ${ws.id}, ${`t_${newId("stp").slice(4).toLowerCase()}`}, ${kind}, now())`;
}

function approvalInsert(status: string): Sql {
  return sql`INSERT INTO "ToolApproval" ("id", "workspaceId", "runId", "stepId", "toolName", "input", "status", "expiresAt")
    VALUES (${newId("apr")}, ${ws.id}, ${runId}, ${newId("stp")}, 'calculator', '{}', ${status}, now())`;
}

function mcpInsert(v: { transport?: string; authType?: string; status?: string }): Sql {
  return sql`INSERT INTO "McpServer" ("id", "workspaceId", "name", "url", "transport", "authType", "status", "updatedAt")
    VALUES (${newId("mcp")}, ${ws.id}, ${`s_${newId("stp").slice(4).toLowerCase()}`}, 'https://mcp.example.com/mcp', ${v.transport ?? "streamable_http"},
      ${v.authType ?? "none"}, ${v.status ?? "ok"}, now())`;
}

function mcpConnectionInsert(revokeReason: string, id = newId("mcpc")): Sql {
  return sql`INSERT INTO "McpConnection" ("id", "workspaceId", "clientId", "userId", "resource", "scopes", "redirectUri", "codeHash", "codeChallenge", "codeExpiresAt", "revokeReason")
    VALUES (${id}, ${ws.id}, ${oauthClientId}, ${ws.users.owner.id}, 'https://cadre.example/api/mcp/x', '{}', 'https://client.example/cb', ${newId("stp")}, 'c', now(), ${revokeReason})`;
}

function mcpTokenInsert(kind: string): Sql {
  return sql`INSERT INTO "McpToken" ("id", "workspaceId", "connectionId", "kind", "tokenHash", "expiresAt")
    VALUES (${newId("mtok")}, ${ws.id}, ${mcpConnectionId}, ${kind}, ${newId("stp")}, now())`;
}

function usageInsert(v: { outcome?: string; actorType?: string }): Sql {
  return sql`INSERT INTO "UsageRecord" ("id", "workspaceId", "modelName", "providerKind", "outcome", "actorType")
    VALUES (${newId("use")}, ${ws.id}, 'm', 'simulator', ${v.outcome ?? "ok"}, ${v.actorType ?? "user"})`;
}

function auditInsert(v: { actorType?: string; action?: string; targetType?: string }): Sql {
  return sql`INSERT INTO "AuditLog" ("id", "workspaceId", "actorType", "action", "targetType")
    VALUES (${newId("aud")}, ${ws.id}, ${v.actorType ?? "user"}, ${v.action ?? "agent.create"}, ${v.targetType ?? "agent"})`;
}

beforeAll(async () => {
  ws = await makeWorkspace("closed-sets");
  oauthClientId = (await testDb().oAuthClient.create({ data: { id: newId("ocl"), name: "closed sets", redirectUris: ["https://client.example/cb"] } })).id;
  mcpConnectionId = newId("mcpc");
  await execute({ workspaceId: ws.id }, mcpConnectionInsert("revoked", mcpConnectionId));
  runId = newId("run");
  agentId = newId("agt");
  await testDb().agent.create({ data: { id: agentId, workspaceId: ws.id, slug: "closed-sets", name: "closed sets" } });
  teamId = newId("team");
  await testDb().team.create({ data: { id: teamId, workspaceId: ws.id, slug: "closed-sets", name: "closed sets", currentVersion: 1 } });
  await testDb().run.create({
    data: { id: runId, workspaceId: ws.id, targetType: "agent", input: "x", createdByType: "user", createdById: ws.users.owner.id },
  });
});

// the Secret rows written above hold no real ciphertext: left behind, the vault's rotation (which re-wraps every
// workspace's secrets, server/vault/rotation.test.ts) would find them unreadable
afterAll(async () => {
  await testDb().secret.deleteMany({ where: { workspaceId: ws.id } });
});

describe("closed sets in the database", () => {
  it.each(SETS)("$constraint refuses a value outside its set and takes every value in it", async ({ constraint, values, write, tenant }) => {
    const scope = tenant === false ? NO_TENANT : { workspaceId: ws.id };
    await expect(execute(scope, write("not_in_the_set"))).rejects.toThrow(constraint);
    for (const value of values) await execute(scope, write(value));
  });

  it("each CHECK constraint lists exactly its TypeScript array", async () => {
    const { rows } = await execute<{ name: string; def: string }>(
      NO_TENANT,
      sql`SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE contype = 'c' AND conname LIKE '%\_check'`,
    );
    const listOf = (def: string) => [...def.matchAll(/'((?:[^']|'')*)'::text/g)].map((m) => m[1]!.replaceAll("''", "'")).sort();
    const lists = Object.fromEntries(rows.filter((r) => SETS.some((s) => s.constraint === r.name)).map((r) => [r.name, listOf(r.def)]));
    expect(lists).toEqual(Object.fromEntries(SETS.map((s) => [s.constraint, [...s.values].sort()])));
  });
});

describe("closed sets in the API", () => {
  it("an audit entry's targetType and an auth event's action are their sets, not any string (tRPC and OpenAPI outputs)", () => {
    const entry = {
      id: "aud_1",
      actorType: "user",
      actorId: null,
      actorLabel: null,
      action: "agent.create",
      targetType: "agent",
      targetId: null,
      metadata: {},
      requestId: null,
      clientIp: null,
      userAgent: null,
      createdAt: new Date(),
    };
    expect(auditEntrySchema.parse(entry).targetType).toBe("agent");
    expect(auditEntrySchema.safeParse({ ...entry, targetType: "bench" }).success).toBe(false);
    const event = { id: "aev_1", action: "auth.sign_in", email: null, clientIp: null, userAgent: null, metadata: {}, createdAt: new Date() };
    expect(authEventSchema.parse(event).action).toBe("auth.sign_in");
    expect(authEventSchema.safeParse({ ...event, action: "auth.something_else" }).success).toBe(false);
    const schemas = openApiDocument().components?.schemas as Record<string, { enum?: string[] }>;
    expect(schemas.AuditTargetType!.enum).toEqual([...AUDIT_TARGET_TYPES]);
  });
});
