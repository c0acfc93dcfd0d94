/**
 * A team run's gates at its start (docs/architecture.md, Quality gate): the root team version's own quality gate,
 * and, for each team of the run (root and nested) whose `agentGates` setting is on, its member agents' own gates
 * with their judges pinned at their current versions (a re-run keeps the pins it copies).
 */
import { db } from "@/server/db/client";
import type { TenantContext } from "@/server/context";
import type { PinnedGate, QualityGate } from "@/lib/schemas/quality-gate";
import { nodeRefs } from "@/lib/schemas/topology";
import { pinGate } from "@/server/quality/judges/service";
import { storedAgentGates, storedQualityGate, type TeamVersionRow } from "./rows";
import type { PinnedTeam, PinnedTeamExtras } from "./pinning";

export interface TeamGateSettings {
  /** the root team version's gate on the run's output */
  gate: QualityGate | null;
  /** the agents' gates inside the teams whose setting is on; undefined when none applies */
  agentGates?: { teams: string[]; gates: Record<string, PinnedGate> };
}

export async function teamGateSettings(
  ctx: TenantContext,
  pinned: PinnedTeam & { slug: string } & Pick<PinnedTeamExtras, "rootGate">,
): Promise<TeamGateSettings> {
  const versions = [
    { slug: pinned.slug, teamId: pinned.teamId, version: pinned.version },
    ...Object.entries(pinned.teams).map(([slug, t]) => ({ slug, ...t })),
  ];
  // a team without nested teams: its version's gate columns came with the pinning statement
  const rows =
    pinned.rootGate && versions.length === 1
      ? [pinned.rootGate as { teamId: string; version: number; qualityGate: TeamVersionRow["qualityGate"]; agentGates: TeamVersionRow["agentGates"] }]
      : await db(ctx).teamVersion.findMany({
          where: { workspaceId: ctx.workspaceId, OR: versions.map((v) => ({ teamId: v.teamId, version: v.version })) },
          select: { teamId: true, version: true, qualityGate: true, agentGates: true },
        });
  const rowOf = (v: { teamId: string; version: number }) => rows.find((r) => r.teamId === v.teamId && r.version === v.version);
  const root = rowOf(versions[0]!);
  const on = versions.filter((v) => {
    const row = rowOf(v);
    return row !== undefined && storedAgentGates(row) === "on";
  });
  if (on.length === 0) return { gate: root ? storedQualityGate(root) : null };
  const members = new Set<string>();
  for (const team of on) {
    const spec = team.slug === pinned.slug ? pinned.spec : pinned.teams[team.slug]!.spec;
    for (const { ref } of nodeRefs(spec)) if (typeof ref === "string" && pinned.agents[ref]) members.add(ref);
  }
  // the pinned versions' gates, read here (the agents' rows pinTeam reads in one statement do not carry them)
  const pinnedVersions = [...members].map((slug) => ({ agentId: pinned.agents[slug]!.agentId, version: pinned.agents[slug]!.version }));
  const stored = pinnedVersions.length
    ? await db(ctx).agentVersion.findMany({ where: { workspaceId: ctx.workspaceId, OR: pinnedVersions }, select: { agentId: true, qualityGate: true } })
    : [];
  const gates: Record<string, PinnedGate> = {};
  for (const slug of [...members].sort()) {
    const row = stored.find((r) => r.agentId === pinned.agents[slug]!.agentId);
    const gate = row ? await pinGate(ctx, storedQualityGate(row)) : undefined;
    if (gate) gates[slug] = gate;
  }
  return { gate: root ? storedQualityGate(root) : null, agentGates: { teams: on.map((t) => t.slug), gates } };
}
