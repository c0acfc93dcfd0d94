/**
 * A version saved under a promotion rule is a candidate (lib/schemas/promotion.ts): the agent or team service writes
 * it, and the evaluations (a higher layer, server/quality/evaluations/promotion.ts) start its evaluation through this
 * hook, registered when that module loads (server boot imports it: server/quality/evaluations/boot.ts). Without a
 * registered handler the candidate waits: an evaluation with `promote` started by hand releases it.
 */
import { promotionRuleSchema, type PromotionRule } from "@/lib/schemas/promotion";
import type { TenantContext } from "@/server/context";
import { logger } from "@/server/logger";

export interface SavedCandidate {
  kind: "agent" | "team";
  id: string;
  slug: string;
  version: number;
  rule: PromotionRule;
}

type Handler = (ctx: TenantContext, candidate: SavedCandidate) => Promise<void>;
// on globalThis: a server's route bundles each have their own copy of this module, the handler is the process's
const registry = globalThis as unknown as { cadreCandidateHandler?: Handler };

export function onCandidateSaved(h: Handler): void {
  registry.cadreCandidateHandler = h;
}

/** Hands a new candidate to the registered handler; its failure leaves the candidate waiting, logged. */
export async function candidateSaved(ctx: TenantContext, candidate: SavedCandidate): Promise<void> {
  const handler = registry.cadreCandidateHandler;
  if (!handler) {
    logger.warn({ candidate: { kind: candidate.kind, id: candidate.id, version: candidate.version } }, "candidate saved with no evaluation starter");
    return;
  }
  await handler(ctx, candidate);
}

/** A stored rule (null, or one that no longer parses: none). */
export function storedPromotionRule(value: unknown): PromotionRule | null {
  const parsed = promotionRuleSchema.nullable().safeParse(value ?? null);
  return parsed.success ? parsed.data : null;
}
