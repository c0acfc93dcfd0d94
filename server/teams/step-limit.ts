/** The step limit: the worst case of one run (server/topologies/worst-case.ts) against the workspace's limit. */
import { AppError } from "@/lib/errors";
import type { TenantContext } from "@/server/context";
import { topologySpecSchema, type TopologySpec } from "@/lib/schemas/topology";
import { formatCount, worstCase, type WorstCase } from "@/server/topologies/worst-case";
import { effectiveRunStepLimit } from "./run-step-limit";
import type { Tx } from "@/server/teams/rows";
import { teamGraph } from "@/server/teams/team-graph";
import type { PinnedTeam } from "@/server/teams/pinning";

/** The workspace's step limit per run, read with `tx` (inside a save's transaction). */
async function stepLimitOf(ctx: TenantContext, tx: Tx): Promise<number> {
  const w = await tx.workspace.findFirst({ where: { id: ctx.workspaceId }, select: { runStepLimit: true } });
  return effectiveRunStepLimit(w?.runStepLimit ?? null);
}

/** What a team over the limit is told (422): the count and the limit. */
export function stepLimitMessage(slug: string, worst: WorstCase, limit: number, through?: string): string {
  const who = through ? `Team "${through}" (which includes "${slug}")` : `Team "${slug}"`;
  return (
    `${who} may make up to ${formatCount(worst.steps)} steps in one run (worst case, up to ${formatCount(worst.peakParallel)} at once), ` +
    `above this workspace's limit of ${formatCount(limit)} steps per run. Lower its rounds, iterations, fan-out or nesting, ` +
    `or ask an owner or admin to raise the limit in the workspace settings.`
  );
}

export class StepLimitError extends AppError {
  constructor(message: string, details: { team: string; worstCase: WorstCase; limit: number; through?: string }) {
    super("VALIDATION_FAILED", message, { ...details, issues: [{ path: "spec", message }] });
    this.name = "StepLimitError";
  }
}

/**
 * A save of `spec` for team `slug` within the step limit: the team's own worst case, and that of every team whose
 * current version includes it (through nested teams), as they would be with this spec. Null when all fit.
 */
export async function stepLimitProblem(ctx: TenantContext, tx: Tx, slug: string, spec: TopologySpec): Promise<StepLimitError | null> {
  const limit = await stepLimitOf(ctx, tx);
  const graph = await teamGraph(ctx, tx);
  const specs = new Map<string, TopologySpec>();
  for (const [s, entry] of graph) {
    const v = entry.row.versions[0];
    const parsed = v ? topologySpecSchema.safeParse(v.spec) : undefined;
    if (parsed?.success) specs.set(s, parsed.data);
  }
  specs.set(slug, spec);
  const lookup = (s: string) => specs.get(s);
  const own = worstCase(spec, lookup);
  if (own.steps > limit) return new StepLimitError(stepLimitMessage(slug, own, limit), { team: slug, worstCase: own, limit });
  // the teams that include this one, transitively (their worst case grows with it)
  const parents = new Map<string, string[]>();
  for (const [s, entry] of graph) for (const child of entry.nested) parents.set(child, [...(parents.get(child) ?? []), s]);
  const seen = new Set<string>([slug]);
  const queue = [...(parents.get(slug) ?? [])];
  while (queue.length > 0) {
    const s = queue.shift()!;
    if (seen.has(s)) continue;
    seen.add(s);
    queue.push(...(parents.get(s) ?? []));
    const entry = graph.get(s);
    const parentSpec = specs.get(s);
    if (!entry || entry.archived || !parentSpec) continue;
    const worst = worstCase(parentSpec, lookup);
    if (worst.steps > limit) return new StepLimitError(stepLimitMessage(slug, worst, limit, s), { team: slug, worstCase: worst, limit, through: s });
  }
  return null;
}

/** A run of the pinned team within the workspace's step limit (checked when a run starts), else StepLimitError. */
export function assertRunWithinStepLimit(pinned: Pick<PinnedTeam, "slug" | "spec" | "teams">, limit: number): WorstCase {
  const worst = worstCase(pinned.spec, (slug) => pinned.teams[slug]?.spec);
  if (worst.steps > limit) throw new StepLimitError(stepLimitMessage(pinned.slug, worst, limit), { team: pinned.slug, worstCase: worst, limit });
  return worst;
}
