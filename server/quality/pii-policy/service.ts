/**
 * A workspace's PII and secret policy (Workspace.piiPolicy, null: the default): read, changed (audited) and tried.
 * The run engine reads it once per run and pins the compiled policy in the run's context; memory writes and session
 * messages read it per write (one indexed row). The recognisers themselves are compiled once per process
 * (server/quality/pii/recognisers.ts).
 */
import { hkdfSync } from "node:crypto";
import type { z } from "zod";
import { AppError } from "@/lib/errors";
import {
  DEFAULT_PII_POLICY,
  PII_ENTITIES,
  PII_PATHS,
  type PiiPolicy,
  phoneRegionSchema,
  piiActionSchema,
  piiPreviewInputSchema,
  updatePiiPolicyInputSchema,
} from "@/lib/schemas/pii";
import { recordAudit } from "@/server/audit/service";
import type { TenantContext } from "@/server/context";
import { db } from "@/server/db/client";
import { env } from "@/server/env";
import { type CompiledPolicy, compilePolicy, redactText } from "@/server/quality/pii/redact";

type Scope = { workspaceId: string };

const keys = new Map<string, Buffer>();

/**
 * The workspace's own hashing key: derived (HKDF) from AUTH_SECRET and the workspace id, so a hash means nothing in
 * another workspace and a value cannot be found by hashing candidates without the server's secret.
 */
export function piiHashKey(workspaceId: string): Buffer {
  const secret = env().AUTH_SECRET;
  if (!secret) throw new Error("AUTH_SECRET is not set: the launcher (npm start) provides one in embedded mode");
  const id = `${workspaceId}\u0000${secret}`;
  let key = keys.get(id);
  if (!key) {
    key = Buffer.from(hkdfSync("sha256", secret, "cadre", `pii-hash\u0000${workspaceId}`, 32));
    if (keys.size > 10_000) keys.clear();
    keys.set(id, key);
  }
  return key;
}

/** The stored value over the default: an entity or path the stored policy does not name keeps the default. */
export function policyOf(stored: unknown): PiiPolicy {
  const s = (stored ?? {}) as { actions?: Record<string, unknown>; paths?: Record<string, unknown>; phoneRegion?: unknown };
  const actions = { ...DEFAULT_PII_POLICY.actions };
  const paths = { ...DEFAULT_PII_POLICY.paths };
  for (const e of PII_ENTITIES) {
    const a = piiActionSchema.safeParse(s.actions?.[e]);
    if (a.success) actions[e] = a.data;
  }
  for (const p of PII_PATHS) if (typeof s.paths?.[p] === "boolean") paths[p] = s.paths[p] as boolean;
  const region = phoneRegionSchema.safeParse(s.phoneRegion);
  return { actions, paths, phoneRegion: region.success ? region.data : null };
}

async function stored(scope: Scope): Promise<unknown> {
  const w = await db(scope).workspace.findFirst({ where: { id: scope.workspaceId }, select: { piiPolicy: true } });
  if (!w) throw new AppError("NOT_FOUND", "Workspace not found");
  return w.piiPolicy;
}

/** The workspace's policy, compiled with its key (what a run pins, what a memory write or a session message applies). */
export async function loadPiiPolicy(scope: Scope): Promise<CompiledPolicy> {
  const w = await db(scope).workspace.findFirst({ where: { id: scope.workspaceId }, select: { piiPolicy: true } });
  return compiledPiiPolicy(scope.workspaceId, w?.piiPolicy);
}

/** A policy as stored (Workspace.piiPolicy, read with other columns, e.g. by a run's claim), compiled with its key. */
export function compiledPiiPolicy(workspaceId: string, stored: unknown): CompiledPolicy {
  return compilePolicy(policyOf(stored), piiHashKey(workspaceId));
}

/** The policy that applies and whether it is still the default. */
export async function getPiiSettings(ctx: TenantContext) {
  const value = await stored(ctx);
  return { policy: policyOf(value), isDefault: value === null };
}

/** Changes the policy (settings:update). Audited with the policy before and after. */
export async function updatePiiPolicy(ctx: TenantContext, input: z.input<typeof updatePiiPolicyInputSchema>) {
  const patch = updatePiiPolicyInputSchema.parse(input);
  const given = [...Object.values(patch.actions ?? {}), ...Object.values(patch.paths ?? {}), patch.phoneRegion].filter((v) => v !== undefined);
  if (given.length === 0) throw new AppError("BAD_REQUEST", "Nothing to change");
  const before = policyOf(await stored(ctx));
  const after: PiiPolicy = {
    actions: { ...before.actions, ...Object.fromEntries(Object.entries(patch.actions ?? {}).filter(([, v]) => v !== undefined)) },
    paths: { ...before.paths, ...Object.fromEntries(Object.entries(patch.paths ?? {}).filter(([, v]) => v !== undefined)) },
    phoneRegion: patch.phoneRegion === undefined ? before.phoneRegion : patch.phoneRegion,
  };
  await db(ctx).$transaction(async (tx) => {
    await tx.workspace.update({ where: { id: ctx.workspaceId }, data: { piiPolicy: after } });
    await recordAudit(ctx, { action: "workspace.pii.update", targetType: "workspace", targetId: ctx.workspaceId, metadata: { from: before, to: after } }, tx);
  });
  return { policy: after, isDefault: false };
}

/** The "try it" box: a text as the given policy (else the workspace's) leaves it, and what was found. Nothing is stored. */
export async function previewPii(ctx: TenantContext, input: z.input<typeof piiPreviewInputSchema>) {
  const { text, policy } = piiPreviewInputSchema.parse(input);
  const compiled = compilePolicy(policy ?? policyOf(await stored(ctx)), piiHashKey(ctx.workspaceId));
  return redactText(text, compiled, "all");
}
