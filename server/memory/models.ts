/**
 * Which model policy embeds a memory scope (issue 14). A workspace's settings (MemoryModelSetting) name a target: the
 * workspace's default (no scope type), every scope of a type, or one exact scope; the most specific setting wins, and
 * without any the built-in default policy embeds. Every write path embeds with its scope's policy and recall embeds
 * the query once per policy of the scopes it searches (./service.ts, ./recall.ts); the re-embedding job resolves the
 * same thing in SQL (`effectivePolicySql`), so that a batch only touches rows whose scope still has the job's policy.
 */
import { DEFAULT_MODEL_POLICY } from "@/lib/schemas/agents";
import type { MemoryScope } from "@/lib/schemas/memory";
import { modelPolicySchema, type ModelPolicy } from "@/lib/schemas/model-policy";
import type { TenantContext } from "@/server/context";
import { sql, type Sql } from "@/server/db/sql";
import { memoryModelSettings } from "@/server/models/routing";

/** The policy that embeds a scope no setting covers: the workspace's default model policy. */
export const MEMORY_DEFAULT_EMBEDDING_POLICY: ModelPolicy = DEFAULT_MODEL_POLICY;

/** A setting's target: null scopeType is the workspace's default; scopeType alone every scope of the type. */
export interface MemoryModelTarget {
  scopeType: string | null;
  scopeId: string | null;
}

/** How specific a target is: an exact scope (2) over a scope type (1) over the default (0). */
const specificity = (t: MemoryModelTarget) => (t.scopeId !== null ? 2 : t.scopeType !== null ? 1 : 0);

/** Whether a setting's target covers a scope. */
export function targetCovers(t: MemoryModelTarget, scope: MemoryScope): boolean {
  if (t.scopeType === null) return true;
  if (t.scopeType !== scope.type) return false;
  return t.scopeId === null || t.scopeId === (scope.id ?? null);
}

/** A key equal for equal policies whatever the order of their keys (to group scopes by policy). */
export function policyKey(policy: ModelPolicy): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === "object"
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
          )
        : v;
  return JSON.stringify(canonical(policy));
}

/** A stored policy (a row edited by hand that no longer parses embeds with the default rather than breaking writes). */
export function storedPolicy(value: unknown): ModelPolicy {
  const parsed = modelPolicySchema.safeParse(value);
  return parsed.success ? parsed.data : MEMORY_DEFAULT_EMBEDDING_POLICY;
}

/**
 * The policy of each scope, in order: its most specific setting's, else the built-in default. The settings come from
 * the per-process catalog cache (server/models/catalog-cache.ts: setMemoryModel drops it in this process when it
 * commits; another process's change is seen within the cache's TTL), so a recall's embedding reads nothing here.
 */
export async function embeddingPoliciesFor(ctx: TenantContext, scopes: readonly MemoryScope[]): Promise<ModelPolicy[]> {
  const rows = await memoryModelSettings(ctx);
  return scopes.map((scope) => {
    const best = rows.filter((r) => targetCovers(r, scope)).sort((a, b) => specificity(b) - specificity(a))[0];
    return best ? storedPolicy(best.policy) : MEMORY_DEFAULT_EMBEDDING_POLICY;
  });
}

/** The model policy that embeds `scope` now (every write path embeds with it). */
export async function embeddingPolicyFor(ctx: TenantContext, scope: MemoryScope): Promise<ModelPolicy> {
  return (await embeddingPoliciesFor(ctx, [scope]))[0]!;
}

/** SQL: the policy (jsonb) of the scope of the Memory row aliased `m`, resolved like embeddingPoliciesFor. */
export function effectivePolicySql(m = "m"): Sql {
  const a = sql.ident(m);
  return sql`COALESCE((SELECT s."policy" FROM "MemoryModelSetting" s WHERE s."workspaceId" = ${a}."workspaceId"
      AND (s."scopeType" IS NULL OR (s."scopeType" = ${a}."scopeType" AND (s."scopeId" IS NULL OR s."scopeId" = ${a}."scopeId")))
      ORDER BY (s."scopeId" IS NOT NULL) DESC, (s."scopeType" IS NOT NULL) DESC LIMIT 1), ${sql.json(MEMORY_DEFAULT_EMBEDDING_POLICY)})`;
}

/** SQL: the Memory row aliased `m` is in the target (any row for the default). */
export function targetFilterSql(t: MemoryModelTarget, m = "m"): Sql {
  const a = sql.ident(m);
  if (t.scopeType === null) return sql`TRUE`;
  if (t.scopeId === null) return sql`${a}."scopeType" = ${t.scopeType}`;
  return sql`(${a}."scopeType" = ${t.scopeType} AND ${a}."scopeId" = ${t.scopeId})`;
}

/** SQL: a row of a table with scopeType/scopeId columns names exactly this target. */
export function sameTargetSql(t: MemoryModelTarget): Sql {
  return sql`"scopeType" IS NOT DISTINCT FROM ${t.scopeType} AND "scopeId" IS NOT DISTINCT FROM ${t.scopeId}`;
}
