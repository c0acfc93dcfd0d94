"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import type { ModelPolicy } from "@/lib/schemas/model-policy";
import { useWorkspace } from "@/components/workspace/workspace-context";

/** An agent's model policy in words; a pinned model by its display name (its catalog id as the title). */
export function PolicyLabel({ policy }: { policy: ModelPolicy }) {
  const trpc = useTRPC();
  const { can } = useWorkspace();
  const pinned = policy.type === "pinned" ? policy.modelId : null;
  const model = useQuery({
    ...trpc.models.get.queryOptions({ id: pinned ?? "" }),
    enabled: pinned !== null && can("models:read"),
    staleTime: 60_000,
    retry: false,
  });
  if (!pinned) return <>{policyLabel(policy)}</>;
  return (
    <span title={pinned} data-testid="policy-pinned-model">
      pinned {model.data ? model.data.displayName : model.isError ? "(a model no longer in the catalog)" : pinned}
    </span>
  );
}

export function policyLabel(p: ModelPolicy): string {
  if (p.type === "preset") return `preset ${p.preset}`;
  if (p.type === "pinned") return `pinned ${p.modelId}`;
  const c = p.constraints;
  const parts = [
    c.minQuality !== undefined ? `quality ≥ ${c.minQuality}` : null,
    c.maxP95LatencyMs !== undefined ? `p95 ≤ ${c.maxP95LatencyMs} ms` : null,
    c.maxCostPerCallUsd !== undefined ? `≤ $${c.maxCostPerCallUsd}/call` : null,
    c.localOnly ? "local only" : c.localFirst ? "local first" : null,
  ].filter(Boolean);
  return `constraints${parts.length ? `: ${parts.join(", ")}` : ""}`;
}
