/**
 * A model policy as a package carries it (agents' and judges'): never the publisher's model ids, provider ids or
 * preset names of its own (server/marketplace/package.ts).
 */
import type { z } from "zod";
import type { packageModelPolicySchema } from "@/lib/schemas/marketplace";
import { modelConstraintsSchema, type ModelConstraints, type ModelPolicy } from "@/lib/schemas/model-policy";
import type { TenantContext } from "@/server/context";
import { db } from "@/server/db/client";

type PackageModelPolicy = z.infer<typeof packageModelPolicySchema>;

const BUILTIN_PRESETS = new Set(["fast", "balanced", "capable"]);

/** A provider preference without the publisher's provider ids (prv_...): kinds only. */
function withoutProviderIds(constraints: ModelConstraints): ModelConstraints {
  return modelConstraintsSchema.parse({ ...constraints, preferredProviders: constraints.preferredProviders.filter((p) => !p.startsWith("prv_")) });
}

/** A model policy as a package carries it: a preset by name (a custom one inlined), or constraints (a pinned model becomes the constraints it met). */
export async function packagePolicy(ctx: TenantContext, policy: ModelPolicy): Promise<PackageModelPolicy> {
  switch (policy.type) {
    case "constraints":
      return { type: "constraints", constraints: withoutProviderIds(modelConstraintsSchema.parse(policy.constraints)) };
    case "preset": {
      if (BUILTIN_PRESETS.has(policy.preset)) return { type: "preset", preset: policy.preset as "fast" | "balanced" | "capable" };
      const row = await db(ctx).routingPreset.findFirst({ where: { workspaceId: ctx.workspaceId, name: policy.preset }, select: { policy: true } });
      const parsed = modelConstraintsSchema.safeParse(row?.policy ?? {});
      return { type: "constraints", constraints: withoutProviderIds(parsed.success ? parsed.data : modelConstraintsSchema.parse({})) };
    }
    case "pinned": {
      const model = await db(ctx).model.findFirst({
        where: { id: policy.modelId, workspaceId: ctx.workspaceId },
        select: { capabilities: true, quality: true },
      });
      const constraints = modelConstraintsSchema.parse({
        requiredCapabilities: model ? model.capabilities.filter((c) => c !== "embeddings") : [],
        ...(model && model.quality > 0 ? { minQuality: Math.min(1, model.quality) } : {}),
      });
      return { type: "constraints", constraints };
    }
  }
}
