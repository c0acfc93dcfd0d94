/**
 * The `where` of a write after a scoped read: the row's id AND its workspace, so that an update or delete by id can
 * never reach another workspace's row (even if row-level security were off). Prisma accepts the extra field on a
 * unique `where`.
 */
export function inWorkspace<Id extends string>(scope: { workspaceId: string }, id: Id): { id: Id; workspaceId: string } {
  return { id, workspaceId: scope.workspaceId };
}
