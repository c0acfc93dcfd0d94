/** Nested teams (hybrid topology): the workspace's graph of teams and how deep they may nest. */
import type { TenantContext } from "@/server/context";
import { topologySpecSchema } from "@/lib/schemas/topology";
import { refsOf, type TeamWithCurrent, type Tx, withCurrent } from "@/server/teams/rows";

/** How many levels of nested teams a team may have below it (a team including a plain team is 1). */
export const MAX_TEAM_NESTING = 5;

export interface TeamGraphEntry {
  archived: boolean;
  nested: string[];
}

/** slug -> (archived, nested team slugs of its current version) for every team of the workspace. */
export async function teamGraph(ctx: TenantContext, tx: Tx): Promise<Map<string, TeamGraphEntry & { row: TeamWithCurrent }>> {
  const rows = await tx.team.findMany({ where: { workspaceId: ctx.workspaceId }, include: withCurrent });
  const out = new Map<string, TeamGraphEntry & { row: TeamWithCurrent }>();
  for (const row of rows) {
    const v = row.versions[0];
    const parsed = v ? topologySpecSchema.safeParse(v.spec) : undefined;
    out.set(row.slug, { archived: row.archivedAt !== null, nested: parsed?.success ? refsOf(parsed.data).teams : [], row });
  }
  return out;
}
