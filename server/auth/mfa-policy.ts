/**
 * Who must have a second factor: a person who belongs to an organisation that requires one, as its member or as a
 * member of one of its workspaces (docs/organizations.md). Read straight from the organisation tables in the
 * person's own scope (auth does not import server/orgs/). Consulted when a signed-in person opens a workspace
 * (server/api/trpc.ts; API keys are not people) and by the account page, which says why.
 */
import { db, userScope } from "@/server/db/client";

/** The name of the first organisation that requires a second factor of this person, or null. */
export async function mfaRequiringOrganization(userId: string): Promise<string | null> {
  const org = await db(userScope(userId)).organization.findFirst({
    where: {
      mfaRequired: true,
      OR: [{ members: { some: { userId } } }, { workspaces: { some: { deletedAt: null, memberships: { some: { userId } } } } }],
    },
    select: { name: true },
    orderBy: { name: "asc" },
  });
  return org?.name ?? null;
}

export async function mfaRequiredFor(userId: string): Promise<boolean> {
  return (await mfaRequiringOrganization(userId)) !== null;
}

/** Whether the workspace's organisation requires a second factor (read in the workspace's own scope). */
export async function workspaceRequiresMfa(workspaceId: string): Promise<boolean> {
  const ws = await db({ workspaceId }).workspace.findUnique({ where: { id: workspaceId }, select: { organization: { select: { mfaRequired: true } } } });
  return ws?.organization?.mfaRequired ?? false;
}
