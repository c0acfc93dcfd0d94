/**
 * SCIM Groups of an organisation (RFC 7643 §4.2). A group's display name is what the organisation's group-to-role
 * mapping (OrgGroupRole) names: every change of a group's members or name re-applies the mapped workspace roles of
 * the people concerned (server/orgs/group-roles.ts `applyGroupRoles`, acting as the token's creator).
 */
import { newId } from "@/lib/ids";
import { db, orgScope } from "@/server/db/client";
import type { Prisma } from "@/server/db/generated/client";
import { recordOrgAudit } from "@/server/orgs/audit";
import { reapplyGroupRoles } from "./access";
import { assertIfMatch, etagOf, MAX_PAGE, SCIM_GROUP_SCHEMA, type ScimContext } from "./context";
import { scimBadRequest, scimConflict, scimNotFound } from "./errors";
import { listPage, parsePagination, parseScimFilter, type ScimFilter } from "./filter";
import { applyGroupOps, type GroupDraft, isObject, memberIdsOf, parsePatchOps, scimString } from "./patch";

const groupInclude = { members: { select: { scimUser: { select: { id: true, userName: true } } } } } satisfies Prisma.ScimGroupInclude;
type Row = Prisma.ScimGroupGetPayload<{ include: typeof groupInclude }>;

export function toScimGroup(ctx: ScimContext, row: Row, withMembers = true) {
  return {
    schemas: [SCIM_GROUP_SCHEMA],
    id: row.id,
    ...(row.externalId ? { externalId: row.externalId } : {}),
    displayName: row.displayName,
    ...(withMembers
      ? { members: row.members.map((m) => ({ value: m.scimUser.id, display: m.scimUser.userName, $ref: `${ctx.baseUrl}/Users/${m.scimUser.id}` })) }
      : {}),
    meta: {
      resourceType: "Group",
      created: row.createdAt.toISOString(),
      lastModified: row.updatedAt.toISOString(),
      location: `${ctx.baseUrl}/Groups/${row.id}`,
      version: etagOf(row.version),
    },
  };
}

function whereOf(ctx: ScimContext, filter: ScimFilter | null): Prisma.ScimGroupWhereInput {
  const base = { organizationId: ctx.organizationId };
  if (!filter) return base;
  if (filter.attribute === "displayName") return { ...base, displayName: { equals: filter.value, mode: "insensitive" } };
  if (filter.attribute === "externalId") return { ...base, externalId: filter.value };
  return { ...base, id: filter.value };
}

/** `excludedAttributes=members` (Okta and Entra ask for it when listing): the groups without their member lists. */
const withoutMembers = (params: URLSearchParams) =>
  (params.get("excludedAttributes") ?? "")
    .toLowerCase()
    .split(",")
    .map((s) => s.trim())
    .includes("members");

export async function listScimGroups(ctx: ScimContext, params: URLSearchParams) {
  const filter = parseScimFilter(params.get("filter"), ["displayName", "externalId", "id"]);
  const scoped = db(orgScope(ctx.organizationId));
  const where = whereOf(ctx, filter);
  const members = !withoutMembers(params);
  return listPage(
    parsePagination(params, MAX_PAGE),
    () => scoped.scimGroup.count({ where }),
    (page) => scoped.scimGroup.findMany({ where, include: groupInclude, ...page }),
    (row) => toScimGroup(ctx, row, members),
  );
}

async function findRow(ctx: ScimContext, id: string): Promise<Row> {
  const row = await db(orgScope(ctx.organizationId)).scimGroup.findFirst({ where: { id, organizationId: ctx.organizationId }, include: groupInclude });
  if (!row) throw scimNotFound("Group", id);
  return row;
}

export async function getScimGroup(ctx: ScimContext, id: string, params: URLSearchParams) {
  return toScimGroup(ctx, await findRow(ctx, id), !withoutMembers(params));
}

async function assertMembersExist(ctx: ScimContext, ids: ReadonlySet<string>) {
  if (ids.size === 0) return;
  const found = await db(orgScope(ctx.organizationId)).scimUser.findMany({
    where: { organizationId: ctx.organizationId, id: { in: [...ids] } },
    select: { id: true },
  });
  const known = new Set(found.map((u) => u.id));
  const missing = [...ids].filter((id) => !known.has(id));
  if (missing.length > 0) throw scimBadRequest("invalidValue", `Not users of this organisation: ${missing.slice(0, 5).join(", ")}`);
}

async function assertNameFree(ctx: ScimContext, displayName: string, exceptId?: string) {
  const taken = await db(orgScope(ctx.organizationId)).scimGroup.findFirst({
    where: { organizationId: ctx.organizationId, displayName: { equals: displayName, mode: "insensitive" }, ...(exceptId ? { id: { not: exceptId } } : {}) },
    select: { id: true },
  });
  if (taken) throw scimConflict(`A group named "${displayName}" already exists`);
}

function draftOf(body: unknown): GroupDraft {
  if (!isObject(body)) throw scimBadRequest("invalidSyntax", "The body must be a Group object");
  return {
    displayName: scimString(body.displayName, "displayName", 256),
    externalId: body.externalId === undefined || body.externalId === null ? null : scimString(body.externalId, "externalId", 256),
    members: new Set(memberIdsOf(body.members)),
  };
}

export async function createScimGroup(ctx: ScimContext, body: unknown) {
  const draft = draftOf(body);
  await assertNameFree(ctx, draft.displayName);
  await assertMembersExist(ctx, draft.members);
  const id = newId("scg");
  await db(orgScope(ctx.organizationId)).$transaction(async (tx) => {
    await tx.scimGroup.create({ data: { id, organizationId: ctx.organizationId, displayName: draft.displayName, externalId: draft.externalId } });
    if (draft.members.size > 0)
      await tx.scimGroupMember.createMany({ data: [...draft.members].map((scimUserId) => ({ organizationId: ctx.organizationId, groupId: id, scimUserId })) });
    await recordOrgAudit(tx, ctx, {
      action: "org.scim_group",
      targetType: "group",
      targetId: id,
      metadata: { operation: "create", displayName: draft.displayName, added: [...draft.members] },
    });
  });
  await reapplyGroupRoles(ctx, [...draft.members]);
  return toScimGroup(ctx, await findRow(ctx, id));
}

async function writeDraft(ctx: ScimContext, row: Row, draft: GroupDraft, operation: "replace" | "patch") {
  const before = new Set(row.members.map((m) => m.scimUser.id));
  const added = [...draft.members].filter((id) => !before.has(id));
  const removed = [...before].filter((id) => !draft.members.has(id));
  const renamed = draft.displayName !== row.displayName;
  if (renamed) await assertNameFree(ctx, draft.displayName, row.id);
  await assertMembersExist(ctx, new Set(added));
  if (!renamed && draft.externalId === row.externalId && added.length === 0 && removed.length === 0) return toScimGroup(ctx, row);
  await db(orgScope(ctx.organizationId)).$transaction(async (tx) => {
    await tx.scimGroup.update({
      where: { id: row.id },
      data: { displayName: draft.displayName, externalId: draft.externalId, version: { increment: 1 } },
    });
    if (removed.length > 0) await tx.scimGroupMember.deleteMany({ where: { groupId: row.id, scimUserId: { in: removed } } });
    if (added.length > 0)
      await tx.scimGroupMember.createMany({
        data: added.map((scimUserId) => ({ organizationId: ctx.organizationId, groupId: row.id, scimUserId })),
        skipDuplicates: true,
      });
    await recordOrgAudit(tx, ctx, {
      action: "org.scim_group",
      targetType: "group",
      targetId: row.id,
      metadata: { operation, displayName: draft.displayName, ...(renamed ? { renamedFrom: row.displayName } : {}), added, removed },
    });
  });
  // a rename changes what the mapping grants to everyone in the group
  await reapplyGroupRoles(ctx, renamed ? [...before, ...added] : [...added, ...removed]);
  return toScimGroup(ctx, await findRow(ctx, row.id));
}

export async function replaceScimGroup(ctx: ScimContext, id: string, body: unknown, ifMatch: string | null) {
  const row = await findRow(ctx, id);
  assertIfMatch(ifMatch, row.version);
  const draft = draftOf(body);
  // PUT without `members` keeps them (Okta's profile push sends only the name)
  if (isObject(body) && body.members === undefined) draft.members = new Set(row.members.map((m) => m.scimUser.id));
  return writeDraft(ctx, row, draft, "replace");
}

export async function patchScimGroup(ctx: ScimContext, id: string, body: unknown, ifMatch: string | null) {
  const row = await findRow(ctx, id);
  assertIfMatch(ifMatch, row.version);
  const current: GroupDraft = { displayName: row.displayName, externalId: row.externalId, members: new Set(row.members.map((m) => m.scimUser.id)) };
  return writeDraft(ctx, row, applyGroupOps(current, parsePatchOps(body)), "patch");
}

export async function deleteScimGroup(ctx: ScimContext, id: string, ifMatch: string | null) {
  const row = await findRow(ctx, id);
  assertIfMatch(ifMatch, row.version);
  const members = row.members.map((m) => m.scimUser.id);
  await db(orgScope(ctx.organizationId)).$transaction(async (tx) => {
    await tx.scimGroup.delete({ where: { id: row.id } });
    await recordOrgAudit(tx, ctx, {
      action: "org.scim_group",
      targetType: "group",
      targetId: row.id,
      metadata: { operation: "delete", displayName: row.displayName, removed: members },
    });
  });
  await reapplyGroupRoles(ctx, members);
}
