/**
 * The workspace's tool registry as people and API clients manage it: the built-ins (their definitions fixed, their
 * limits and approval policy a `builtin` row of the workspace once changed), custom HTTP tools, and tools synced from
 * MCP servers (their definitions the server's; here only their limits, `enabled` and approval). Every write is
 * audited in its transaction (`tool.create`, `tool.update`, `tool.delete`; never a secret's value: a tool only holds
 * the id of a vault secret). The run engine reads the registry through ./registry.ts.
 *
 * A tool is named by id (tool_...) or by name; another workspace's tool is NOT_FOUND. Deleting a built-in deletes
 * its settings row (back to the platform's defaults; the tool itself stays). Deleting or renaming a custom or MCP
 * tool that the current version of an agent grants is a CONFLICT naming the agents (edit them first).
 */
import type { z } from "zod";
import { db } from "@/server/db/client";
import { execute } from "@/server/db/execute";
import { inWorkspace } from "@/server/db/in-workspace";
import { prismaCode } from "@/server/db/errors";
import { sql } from "@/server/db/sql";
import type { Prisma } from "@/server/db/generated/client";
import { newId } from "@/lib/ids";
import { AppError } from "@/lib/errors";
import { sameJson } from "@/lib/line-diff";
import { actorUserId, type TenantContext } from "@/server/context";
import { recordAudit } from "@/server/audit/service";
import {
  approvalPolicySchema,
  BUILTIN_TOOL_NAMES,
  createToolInputSchema,
  httpToolConfigSchema,
  toolIdSchema,
  updateToolInputSchema,
  type ApprovalPolicy,
  type ToolOut,
  type UpdateToolInput,
} from "@/lib/schemas/tools";
import { isBuiltinName } from "./builtin/definitions";
import { resolvedOf } from "./registry";
import { httpToolIssues, toolValidationError, type ToolIssue } from "./http-tool-checks";

const withSecretName = { secret: { select: { name: true } } } as const;
type ToolRow = Prisma.ToolGetPayload<{ include: typeof withSecretName }>;
type Grant = ToolOut["grantedTo"][number];

/** The fields a built-in or MCP tool accepts in an update (their definitions are not the workspace's). */
const SETTINGS_FIELDS = ["enabled", "timeoutMs", "maxResponseBytes", "rateLimitPerMinute", "agentRateLimitPerMinute", "costPerCallUsd", "approval"] as const;
type SettingsField = (typeof SETTINGS_FIELDS)[number];
/** Every field of a custom HTTP tool, as stored. */
const HTTP_FIELDS = ["name", "description", "inputSchema", "config", "secretId", "secretHost", ...SETTINGS_FIELDS] as const;
type HttpField = (typeof HTTP_FIELDS)[number];

const toolNotFound = (ref: string) => new AppError("NOT_FOUND", `Tool "${ref}" not found`);
const nameTaken = (name: string) => new AppError("CONFLICT", `A tool named "${name}" already exists in this workspace`);

function agentList(grants: Grant[]): string {
  return grants.map((g) => `"${g.slug}"`).join(", ");
}

/**
 * The non-archived agents whose CURRENT version grants each of the named tools (all tools when `names` is omitted),
 * in one statement.
 */
async function grantsOf(ctx: TenantContext, names?: readonly string[]): Promise<Map<string, Grant[]>> {
  const out = new Map<string, Grant[]>();
  if (names?.length === 0) return out;
  const filter = names ? sql`v."allowedTools" && ${sql.array(names, "text")}` : sql`cardinality(v."allowedTools") > 0`;
  const { rows } = await execute<{ id: string; slug: string; name: string; allowedTools: string[] }>(
    ctx,
    sql`SELECT a.id, a.slug, a.name, v."allowedTools" FROM "Agent" a
      JOIN "AgentVersion" v ON v."agentId" = a.id AND v.version = a."currentVersion" AND v."workspaceId" = a."workspaceId"
      WHERE a."workspaceId" = ${ctx.workspaceId} AND a."archivedAt" IS NULL AND ${filter}
      ORDER BY a.slug`,
  );
  for (const row of rows) {
    for (const tool of new Set(row.allowedTools)) {
      if (names && !names.includes(tool)) continue;
      const list = out.get(tool) ?? [];
      list.push({ agentId: row.id, slug: row.slug, name: row.name });
      out.set(tool, list);
    }
  }
  return out;
}

const approvalOf = (value: unknown): ApprovalPolicy => {
  const parsed = approvalPolicySchema.safeParse(value);
  return parsed.success ? parsed.data : { mode: "always" };
};

/** A tool as the API shows it: a built-in (with its settings row, if any), or a custom or MCP tool's row. */
function toOut(name: string, row: ToolRow | null, grants: Map<string, Grant[]>): ToolOut {
  const grantedTo = grants.get(name) ?? [];
  if (isBuiltinName(name)) {
    const r = resolvedOf(name, row)!;
    return {
      id: r.id,
      name,
      kind: "builtin",
      description: r.description,
      inputSchema: r.inputSchema,
      enabled: r.enabled,
      config: null,
      secretId: null,
      secretName: null,
      secretHost: null,
      timeoutMs: r.timeoutMs,
      maxResponseBytes: r.maxResponseBytes,
      rateLimitPerMinute: r.rateLimitPerMinute,
      agentRateLimitPerMinute: r.agentRateLimitPerMinute,
      costPerCallUsd: r.costPerCallUsd,
      approval: r.approval,
      grantedTo,
      createdAt: row?.createdAt ?? null,
      updatedAt: row?.updatedAt ?? null,
    };
  }
  const tool = row!;
  const config = tool.kind === "http" ? httpToolConfigSchema.safeParse(tool.config) : null;
  const inputSchema = tool.inputSchema && typeof tool.inputSchema === "object" && !Array.isArray(tool.inputSchema) ? tool.inputSchema : { type: "object" };
  return {
    id: tool.id,
    name: tool.name,
    kind: tool.kind === "mcp" ? "mcp" : "http",
    description: tool.description,
    inputSchema: inputSchema as Record<string, unknown>,
    enabled: tool.enabled,
    config: config?.success ? config.data : null,
    secretId: tool.secretId,
    secretName: tool.secret?.name ?? null,
    secretHost: tool.secretHost,
    timeoutMs: tool.timeoutMs,
    maxResponseBytes: tool.maxResponseBytes,
    rateLimitPerMinute: tool.rateLimitPerMinute,
    agentRateLimitPerMinute: tool.agentRateLimitPerMinute,
    costPerCallUsd: Number(tool.costPerCallUsd.toString()),
    approval: approvalOf(tool.approval),
    grantedTo,
    createdAt: tool.createdAt,
    updatedAt: tool.updatedAt,
  };
}

/** Every tool of the workspace: the built-ins first (in their fixed order), then custom tools, then MCP tools, by name. */
export async function listTools(ctx: TenantContext): Promise<ToolOut[]> {
  const [rows, grants] = await Promise.all([
    db(ctx).tool.findMany({ where: { workspaceId: ctx.workspaceId }, include: withSecretName, orderBy: { name: "asc" } }),
    grantsOf(ctx),
  ]);
  const builtinRows = new Map(rows.filter((r) => r.kind === "builtin").map((r) => [r.name, r]));
  return [
    ...BUILTIN_TOOL_NAMES.map((name) => toOut(name, builtinRows.get(name) ?? null, grants)),
    ...rows.filter((r) => r.kind === "http").map((r) => toOut(r.name, r, grants)),
    ...rows.filter((r) => r.kind === "mcp").map((r) => toOut(r.name, r, grants)),
  ];
}

/** A tool by id or name: its row (null for a built-in the workspace has not configured) and its name. */
async function findTool(ctx: TenantContext, ref: string): Promise<{ name: string; row: ToolRow | null }> {
  const isId = toolIdSchema.safeParse(ref).success;
  const row = await db(ctx).tool.findFirst({ where: { workspaceId: ctx.workspaceId, ...(isId ? { id: ref } : { name: ref }) }, include: withSecretName });
  if (row) {
    // a stray row of kind builtin under a name that is no built-in (never written by this service) is not a tool
    if (row.kind === "builtin" && !isBuiltinName(row.name)) throw toolNotFound(ref);
    return { name: row.name, row };
  }
  if (!isId && isBuiltinName(ref)) return { name: ref, row: null };
  throw toolNotFound(ref);
}

/** One tool by id (tool_...) or name (a built-in's name works without a settings row); another workspace's is NOT_FOUND. */
export async function getTool(ctx: TenantContext, ref: string): Promise<ToolOut> {
  const { name, row } = await findTool(ctx, ref);
  return toOut(name, row, await grantsOf(ctx, [name]));
}

/** A name a custom tool cannot take: a built-in's, or one that reads like a tool id. */
function nameIssues(name: string): ToolIssue[] {
  if (isBuiltinName(name)) return [{ path: "name", message: `"${name}" is the name of a built-in tool: choose another name` }];
  if (toolIdSchema.safeParse(name).success) return [{ path: "name", message: `"${name}" reads like a tool id (tool_...): choose another name` }];
  return [];
}

/** The bound secret must be the workspace's (checked with the other problems, so a form shows them together). */
async function secretIssues(ctx: TenantContext, secretId: string | null): Promise<ToolIssue[]> {
  if (secretId === null) return [];
  const found = await db(ctx).secret.findFirst({ where: { id: secretId, workspaceId: ctx.workspaceId, kind: "user" }, select: { id: true } });
  return found ? [] : [{ path: "secretId", message: "No secret with this id in the workspace's vault" }];
}

function throwIfAny(issues: ToolIssue[]): void {
  if (issues.length > 0) throw toolValidationError(issues);
}

type SettingsData = Partial<Pick<Prisma.ToolUncheckedCreateInput, SettingsField>>;

/** Writes of a tool's limits and policy (the approval policy as JSON for Prisma). */
function settingsData(s: Partial<Record<SettingsField, unknown>>): SettingsData {
  const data: Record<string, unknown> = {};
  for (const f of SETTINGS_FIELDS) if (s[f] !== undefined) data[f] = s[f];
  return data as SettingsData;
}

/** Creates a custom HTTP tool (kind http: built-ins exist already and MCP tools come from their servers). */
export async function createTool(ctx: TenantContext, input: z.input<typeof createToolInputSchema>): Promise<ToolOut> {
  const data = createToolInputSchema.parse(input);
  throwIfAny([...nameIssues(data.name), ...httpToolIssues(data), ...(await secretIssues(ctx, data.secretId))]);
  const taken = await db(ctx).tool.findFirst({ where: { workspaceId: ctx.workspaceId, name: data.name }, select: { id: true } });
  if (taken) throw nameTaken(data.name);
  const id = newId("tool");
  try {
    const row = await db(ctx).$transaction(async (tx) => {
      const created = await tx.tool.create({
        data: {
          id,
          workspaceId: ctx.workspaceId,
          name: data.name,
          kind: "http",
          description: data.description,
          inputSchema: data.inputSchema as Prisma.InputJsonValue,
          config: data.config as Prisma.InputJsonValue,
          secretId: data.secretId,
          secretHost: data.secretHost,
          ...settingsData(data),
          createdById: actorUserId(ctx),
        },
        include: withSecretName,
      });
      await recordAudit(
        ctx,
        {
          action: "tool.create",
          targetType: "tool",
          targetId: id,
          metadata: { name: data.name, kind: "http", secretId: data.secretId, secretHost: data.secretHost },
        },
        tx,
      );
      return created;
    });
    return toOut(row.name, row, new Map());
  } catch (error) {
    if (prismaCode(error) === "P2002") throw nameTaken(data.name);
    if (prismaCode(error) === "P2003") throw toolValidationError([{ path: "secretId", message: "The secret was deleted meanwhile" }]);
    throw error;
  }
}

/** A tool's stored state as the update compares it (field by field). */
function stateOf(out: ToolOut): Record<HttpField, unknown> {
  return {
    name: out.name,
    description: out.description,
    inputSchema: out.inputSchema,
    config: out.config,
    secretId: out.secretId,
    secretHost: out.secretHost,
    enabled: out.enabled,
    timeoutMs: out.timeoutMs,
    maxResponseBytes: out.maxResponseBytes,
    rateLimitPerMinute: out.rateLimitPerMinute,
    agentRateLimitPerMinute: out.agentRateLimitPerMinute,
    costPerCallUsd: out.costPerCallUsd,
    approval: out.approval,
  };
}

/**
 * Changes a tool. A built-in or MCP tool takes only `enabled`, the limits and the approval policy (anything else is
 * VALIDATION_FAILED naming the fields); a built-in's first change writes its settings row. A custom HTTP tool takes
 * any field, checked as on create; renaming one that current agent versions grant is a CONFLICT naming them. An
 * update that changes nothing writes nothing.
 */
export async function updateTool(ctx: TenantContext, ref: string, patch: UpdateToolInput): Promise<ToolOut> {
  const data = updateToolInputSchema.parse(patch);
  const { name, row } = await findTool(ctx, ref);
  const kind = isBuiltinName(name) ? "builtin" : row!.kind;
  const given = (Object.keys(data) as HttpField[]).filter((f) => data[f] !== undefined);
  if (kind !== "http") {
    const refused = given.filter((f) => !(SETTINGS_FIELDS as readonly string[]).includes(f));
    if (refused.length > 0)
      throw toolValidationError(
        refused.map((f) => ({
          path: f,
          message: `${kind === "builtin" ? "A built-in" : "An MCP"} tool's ${f} cannot be changed: only enabled, the limits and the approval policy can`,
        })),
      );
  }
  const grants = await grantsOf(ctx, [name]);
  const before = toOut(name, row, grants);
  const current = stateOf(before);
  const next = { ...current };
  for (const f of given) next[f] = data[f];
  const changed = HTTP_FIELDS.filter((f) => !sameJson(current[f], next[f]));
  if (changed.length === 0) return before;

  if (kind === "http") {
    const def = {
      inputSchema: next.inputSchema as Record<string, unknown>,
      config: httpToolConfigSchema.parse(next.config),
      secretId: next.secretId as string | null,
      secretHost: next.secretHost as string | null,
    };
    throwIfAny([
      ...(changed.includes("name") ? nameIssues(next.name as string) : []),
      ...httpToolIssues(def),
      ...(changed.includes("secretId") ? await secretIssues(ctx, def.secretId) : []),
    ]);
    if (changed.includes("name")) {
      const users = grants.get(name) ?? [];
      if (users.length > 0)
        throw new AppError(
          "CONFLICT",
          `Tool "${name}" is granted to ${users.length === 1 ? "agent" : "agents"} ${agentList(users)}: remove it from their tools before renaming it`,
        );
      const taken = await db(ctx).tool.findFirst({ where: { workspaceId: ctx.workspaceId, name: next.name as string }, select: { id: true } });
      if (taken) throw nameTaken(next.name as string);
    }
  }

  const changes = Object.fromEntries(changed.map((f) => [f, next[f]])) as Partial<Record<HttpField, unknown>>;
  const settings = settingsData(changes);
  const definition: Prisma.ToolUncheckedUpdateInput = {
    ...(changes.name !== undefined ? { name: changes.name as string } : {}),
    ...(changes.description !== undefined ? { description: changes.description as string } : {}),
    ...(changes.inputSchema !== undefined ? { inputSchema: changes.inputSchema as Prisma.InputJsonValue } : {}),
    ...(changes.config !== undefined ? { config: changes.config as Prisma.InputJsonValue } : {}),
    ...("secretId" in changes ? { secretId: changes.secretId as string | null } : {}),
    ...("secretHost" in changes ? { secretHost: changes.secretHost as string | null } : {}),
  };
  try {
    const updated = await db(ctx).$transaction(async (tx) => {
      let saved: ToolRow;
      if (row) {
        saved = await tx.tool.update({ where: inWorkspace(ctx, row.id), data: { ...definition, ...settings }, include: withSecretName });
      } else {
        // a built-in's first change: its settings row holds every setting (the defaults it had, and the change)
        saved = await tx.tool.create({
          data: {
            ...settingsData(next),
            id: newId("tool"),
            workspaceId: ctx.workspaceId,
            name,
            kind: "builtin",
            description: "",
            createdById: actorUserId(ctx),
          },
          include: withSecretName,
        });
      }
      await recordAudit(
        ctx,
        {
          action: "tool.update",
          targetType: "tool",
          targetId: saved.id,
          metadata: {
            name: saved.name,
            kind,
            ...(saved.name !== name ? { previousName: name } : {}),
            changed,
            // limits and policy as they are now (a secret is named by id, never by value)
            ...Object.fromEntries(changed.filter((f) => f !== "inputSchema" && f !== "config" && f !== "description").map((f) => [f, next[f]])),
          },
        },
        tx,
      );
      return saved;
    });
    return toOut(updated.name, updated, grants.has(name) ? new Map([[updated.name, grants.get(name)!]]) : grants);
  } catch (error) {
    if (prismaCode(error) === "P2002")
      throw row ? nameTaken(next.name as string) : new AppError("CONFLICT", `Tool "${name}" was changed at the same time: try again`);
    if (prismaCode(error) === "P2003") throw toolValidationError([{ path: "secretId", message: "The secret was deleted meanwhile" }]);
    if (prismaCode(error) === "P2025") throw toolNotFound(ref);
    throw error;
  }
}

/**
 * Deletes a custom or MCP tool (refused with CONFLICT, naming them, while current agent versions grant it), or a
 * built-in's settings row (the built-in goes back to the platform's defaults; agents keep it).
 */
export async function deleteTool(ctx: TenantContext, ref: string): Promise<{ deleted: true }> {
  const { name, row } = await findTool(ctx, ref);
  if (!row) return { deleted: true }; // a built-in with its defaults: nothing to reset
  if (row.kind !== "builtin") {
    const users = (await grantsOf(ctx, [name])).get(name) ?? [];
    if (users.length > 0)
      throw new AppError(
        "CONFLICT",
        `Tool "${name}" is granted to ${users.length === 1 ? "agent" : "agents"} ${agentList(users)}: remove it from their tools before deleting it`,
      );
  }
  try {
    await db(ctx).$transaction(async (tx) => {
      await tx.tool.delete({ where: inWorkspace(ctx, row.id) });
      await recordAudit(ctx, { action: "tool.delete", targetType: "tool", targetId: row.id, metadata: { name, kind: row.kind } }, tx);
    });
  } catch (error) {
    if (prismaCode(error) === "P2025") throw toolNotFound(ref);
    throw error;
  }
  return { deleted: true };
}
