import { systemDb } from "@/server/db/client";

const db = () => systemDb("denial-log");

/**
 * Whether a "not found" was in fact a resource of another workspace (a probe across the tenant line, worth a
 * security event) rather than a typo. Reads across workspaces by primary key: one of the privileged paths
 * (docs/security.md), used only to classify a 404 that is being logged, never to answer a request.
 */
type Lookup = (id: string) => Promise<{ workspaceId: string } | null>;

const BY_PREFIX: Record<string, Lookup> = {
  mem: (id) => db().membership.findUnique({ where: { id }, select: { workspaceId: true } }),
  inv: (id) => db().invitation.findUnique({ where: { id }, select: { workspaceId: true } }),
  key: (id) => db().apiKey.findUnique({ where: { id }, select: { workspaceId: true } }),
  sec: (id) => db().secret.findUnique({ where: { id }, select: { workspaceId: true } }),
  prv: (id) => db().provider.findUnique({ where: { id }, select: { workspaceId: true } }),
  mdl: (id) => db().model.findUnique({ where: { id }, select: { workspaceId: true } }),
  agt: (id) => db().agent.findUnique({ where: { id }, select: { workspaceId: true } }),
  team: (id) => db().team.findUnique({ where: { id }, select: { workspaceId: true } }),
  run: (id) => db().run.findUnique({ where: { id }, select: { workspaceId: true } }),
  mdoc: (id) => db().memoryDocument.findUnique({ where: { id }, select: { workspaceId: true } }),
  remb: (id) => db().memoryReembed.findUnique({ where: { id }, select: { workspaceId: true } }),
  mcpc: (id) => db().mcpConnection.findUnique({ where: { id }, select: { workspaceId: true } }),
};

const ID = /^([a-z]{2,4})_[a-z0-9]{8,40}$/;

/** The ids of known kinds among the string values of an input (path parameters, a tRPC input), at most 5. */
export function idsIn(input: unknown): string[] {
  const out: string[] = [];
  const visit = (value: unknown, depth: number) => {
    if (out.length >= 5 || depth > 2) return;
    if (typeof value === "string") {
      const m = ID.exec(value);
      if (m && BY_PREFIX[m[1]!]) out.push(value);
    } else if (value && typeof value === "object") {
      for (const v of Object.values(value as Record<string, unknown>)) visit(v, depth + 1);
    }
  };
  visit(input, 0);
  return out;
}

/** The first id of the input that names a resource of a workspace other than `workspaceId`, with that workspace. */
export async function foreignResource(workspaceId: string, input: unknown): Promise<{ id: string; ownerWorkspaceId: string } | null> {
  for (const id of idsIn(input)) {
    const row = await BY_PREFIX[ID.exec(id)![1]!]!(id).catch(() => null);
    if (row && row.workspaceId !== workspaceId) return { id, ownerWorkspaceId: row.workspaceId };
  }
  return null;
}

/** Whether a workspace with this slug exists (a membership-not-found for an existing slug is a probe). */
export async function workspaceSlugExists(slug: string): Promise<boolean> {
  if (!/^[a-z0-9-]{1,64}$/.test(slug)) return false;
  return (
    (await db()
      .workspace.findUnique({ where: { slug }, select: { id: true } })
      .catch(() => null)) !== null
  );
}
