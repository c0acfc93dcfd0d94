/**
 * SCIM Users of an organisation (RFC 7643 §4.1): a Cadre user provisioned or linked by the organisation's identity
 * provider. Only addresses on the organisation's verified domains: an existing account is linked when its email is
 * on one (the organisation proved it owns the domain), a new one is created with its email counted as verified;
 * an account outside them is never taken over (409), and a new address outside them is refused (400).
 */
import { newId } from "@/lib/ids";
import type { OrgAuditAction } from "@/lib/schemas/organizations";
import { emailDomainOf } from "@/server/auth/org-policy";
import { db, NO_TENANT, orgScope } from "@/server/db/client";
import type { Prisma } from "@/server/db/generated/client";
import { recordOrgAudit } from "@/server/orgs/audit";
import { endAccess, restoreAccess, suspendedOf } from "./access";
import { assertIfMatch, etagOf, MAX_PAGE, SCIM_USER_SCHEMA, type ScimContext } from "./context";
import { scimBadRequest, scimConflict, scimNotFound } from "./errors";
import { listPage, parsePagination, parseScimFilter, type ScimFilter } from "./filter";
import { applyUserOps, isObject, nameOf, parsePatchOps, scimBoolean, scimString, type UserDraft } from "./patch";

const ACTION: OrgAuditAction = "org.scim_user";
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const userInclude = {
  user: { select: { email: true } },
  groups: { select: { group: { select: { id: true, displayName: true } } } },
} satisfies Prisma.ScimUserInclude;
type Row = Prisma.ScimUserGetPayload<{ include: typeof userInclude }>;

export function toScimUser(ctx: ScimContext, row: Row) {
  const name = (isObject(row.name) ? row.name : {}) as Record<string, string>;
  return {
    schemas: [SCIM_USER_SCHEMA],
    id: row.id,
    ...(row.externalId ? { externalId: row.externalId } : {}),
    userName: row.userName,
    ...(Object.keys(name).length > 0 ? { name } : {}),
    ...(row.displayName ? { displayName: row.displayName } : {}),
    active: row.active,
    emails: [{ value: row.user.email, type: "work", primary: true }],
    groups: row.groups.map((g) => ({ value: g.group.id, display: g.group.displayName, $ref: `${ctx.baseUrl}/Groups/${g.group.id}` })),
    meta: {
      resourceType: "User",
      created: row.createdAt.toISOString(),
      lastModified: row.updatedAt.toISOString(),
      location: `${ctx.baseUrl}/Users/${row.id}`,
      version: etagOf(row.version),
    },
  };
}
export type ScimUserResource = ReturnType<typeof toScimUser>;

function whereOf(ctx: ScimContext, filter: ScimFilter | null): Prisma.ScimUserWhereInput {
  const base = { organizationId: ctx.organizationId };
  if (!filter) return base;
  switch (filter.attribute) {
    case "userName":
      return { ...base, userName: filter.value.toLowerCase() };
    case "externalId":
      return { ...base, externalId: filter.value };
    case "displayName":
      return { ...base, displayName: { equals: filter.value, mode: "insensitive" } };
    case "id":
      return { ...base, id: filter.value };
    case "email":
      return { ...base, user: { email: filter.value.trim().toLowerCase() } };
  }
}

export async function listScimUsers(ctx: ScimContext, params: URLSearchParams) {
  const filter = parseScimFilter(params.get("filter"), ["userName", "externalId", "displayName", "id", "email"]);
  const scoped = db(orgScope(ctx.organizationId));
  const where = whereOf(ctx, filter);
  return listPage(
    parsePagination(params, MAX_PAGE),
    () => scoped.scimUser.count({ where }),
    (page) => scoped.scimUser.findMany({ where, include: userInclude, ...page }),
    (row) => toScimUser(ctx, row),
  );
}

async function findRow(ctx: ScimContext, id: string): Promise<Row> {
  const row = await db(orgScope(ctx.organizationId)).scimUser.findFirst({ where: { id, organizationId: ctx.organizationId }, include: userInclude });
  if (!row) throw scimNotFound("User", id);
  return row;
}

export async function getScimUser(ctx: ScimContext, id: string) {
  return toScimUser(ctx, await findRow(ctx, id));
}

/** The person's email: the primary one, else the work one, else the first, else the userName if it is an address. */
function emailOf(body: Record<string, unknown>, userName: string): string {
  const emails = Array.isArray(body.emails) ? body.emails.filter(isObject) : [];
  const pick = emails.find((e) => e.primary === true || e.primary === "true") ?? emails.find((e) => e.type === "work") ?? emails[0];
  const raw = typeof pick?.value === "string" ? pick.value : userName;
  const email = raw.trim().toLowerCase();
  if (!EMAIL.test(email) || email.length > 320) throw scimBadRequest("invalidValue", "The user needs an email address (emails or an address as userName)");
  return email;
}

function draftOf(body: unknown): UserDraft & { body: Record<string, unknown> } {
  if (!isObject(body)) throw scimBadRequest("invalidSyntax", "The body must be a User object");
  return {
    body,
    userName: scimString(body.userName, "userName", 320).toLowerCase(),
    externalId: body.externalId === undefined || body.externalId === null ? null : scimString(body.externalId, "externalId", 256),
    displayName: body.displayName === undefined || body.displayName === null ? null : scimString(body.displayName, "displayName", 256),
    name: nameOf(body.name),
    active: body.active === undefined ? true : scimBoolean(body.active, "active"),
  };
}

const personName = (d: UserDraft) => d.displayName ?? d.name.formatted ?? ([d.name.givenName, d.name.familyName].filter(Boolean).join(" ") || null);

async function assertUserNameFree(ctx: ScimContext, userName: string, exceptId?: string) {
  const taken = await db(orgScope(ctx.organizationId)).scimUser.findFirst({
    where: { organizationId: ctx.organizationId, userName, ...(exceptId ? { id: { not: exceptId } } : {}) },
    select: { id: true },
  });
  if (taken) throw scimConflict(`A user with userName "${userName}" already exists`);
}

export async function createScimUser(ctx: ScimContext, body: unknown) {
  const draft = draftOf(body);
  const email = emailOf(draft.body, draft.userName);
  await assertUserNameFree(ctx, draft.userName);
  const scoped = db(orgScope(ctx.organizationId));
  const domain = emailDomainOf(email);
  const verified = domain
    ? await scoped.organizationDomain.findFirst({ where: { organizationId: ctx.organizationId, domain, verifiedAt: { not: null } }, select: { id: true } })
    : null;
  const existing = await db(NO_TENANT).user.findUnique({ where: { email }, select: { id: true } });
  // an account outside the organisation's verified domains is never linked (it is someone else's)
  if (existing && !verified) throw scimConflict(`An account with the email ${email} exists and its domain is not a verified domain of the organisation`);
  if (!verified) throw scimBadRequest("invalidValue", `The email's domain (${domain}) is not a verified domain of the organisation`);
  if (existing) {
    const linked = await scoped.scimUser.findFirst({ where: { organizationId: ctx.organizationId, userId: existing.id }, select: { id: true } });
    if (linked) throw scimConflict(`The account ${email} is already provisioned as user ${linked.id}`);
  }
  const userId =
    existing?.id ??
    (await db(NO_TENANT).user.create({ data: { id: newId("usr"), email, name: personName(draft), emailVerified: new Date() }, select: { id: true } })).id;
  const id = newId("scu");
  await scoped.$transaction(async (tx) => {
    await tx.organizationMember.upsert({
      where: { organizationId_userId: { organizationId: ctx.organizationId, userId } },
      create: { organizationId: ctx.organizationId, userId, role: "member" },
      update: {},
    });
    await tx.scimUser.create({
      data: {
        id,
        organizationId: ctx.organizationId,
        userId,
        userName: draft.userName,
        externalId: draft.externalId,
        displayName: draft.displayName,
        name: draft.name,
        active: true,
      },
    });
    await recordOrgAudit(tx, ctx, {
      action: ACTION,
      targetType: "user",
      targetId: userId,
      metadata: { operation: "create", scimId: id, userName: draft.userName, linkedExisting: Boolean(existing) },
    });
  });
  // a re-provisioned account (deleted from SCIM earlier) signs in again
  if (existing && draft.active) await db(NO_TENANT).user.update({ where: { id: userId }, data: { deactivatedAt: null } });
  if (!draft.active) await setActive(ctx, await findRow(ctx, id), false, "create");
  return toScimUser(ctx, await findRow(ctx, id));
}

/** Deactivates or re-activates (no-op when unchanged), audited. */
async function setActive(ctx: ScimContext, row: Row, active: boolean, operation: string) {
  if (row.active === active) return;
  const scoped = db(orgScope(ctx.organizationId));
  if (!active) {
    const removed = await endAccess(ctx, row.userId);
    await scoped.$transaction(async (tx) => {
      await tx.scimUser.update({
        where: { id: row.id },
        data: { active: false, suspendedMemberships: [...suspendedOf(row.suspendedMemberships), ...removed] as unknown as Prisma.InputJsonValue },
      });
      await recordOrgAudit(tx, ctx, {
        action: ACTION,
        targetType: "user",
        targetId: row.userId,
        metadata: { operation: `${operation}:deactivate`, scimId: row.id, userName: row.userName, membershipsRemoved: removed.length },
      });
    });
    return;
  }
  await scoped.scimUser.update({ where: { id: row.id }, data: { active: true, suspendedMemberships: [] } });
  await restoreAccess(ctx, row, suspendedOf(row.suspendedMemberships));
  await scoped.$transaction((tx) =>
    recordOrgAudit(tx, ctx, {
      action: ACTION,
      targetType: "user",
      targetId: row.userId,
      metadata: { operation: `${operation}:reactivate`, scimId: row.id, userName: row.userName },
    }),
  );
}

async function writeDraft(ctx: ScimContext, row: Row, draft: UserDraft, operation: "replace" | "patch") {
  if (draft.userName !== row.userName) await assertUserNameFree(ctx, draft.userName, row.id);
  const changed =
    draft.userName !== row.userName ||
    draft.externalId !== row.externalId ||
    draft.displayName !== row.displayName ||
    JSON.stringify(draft.name) !== JSON.stringify(row.name ?? {});
  const scoped = db(orgScope(ctx.organizationId));
  if (changed) {
    await scoped.$transaction(async (tx) => {
      await tx.scimUser.update({
        where: { id: row.id },
        data: { userName: draft.userName, externalId: draft.externalId, displayName: draft.displayName, name: draft.name },
      });
      await recordOrgAudit(tx, ctx, {
        action: ACTION,
        targetType: "user",
        targetId: row.userId,
        metadata: { operation, scimId: row.id, userName: draft.userName },
      });
    });
  }
  await setActive(ctx, row, draft.active, operation);
  if (changed || draft.active !== row.active) await scoped.scimUser.update({ where: { id: row.id }, data: { version: { increment: 1 } } });
  return toScimUser(ctx, await findRow(ctx, row.id));
}

export async function replaceScimUser(ctx: ScimContext, id: string, body: unknown, ifMatch: string | null) {
  const row = await findRow(ctx, id);
  assertIfMatch(ifMatch, row.version);
  const draft = draftOf(body);
  // PUT without `active` keeps the current state (some IdPs leave it out of a profile update)
  if (isObject(body) && body.active === undefined) draft.active = row.active;
  return writeDraft(ctx, row, draft, "replace");
}

export async function patchScimUser(ctx: ScimContext, id: string, body: unknown, ifMatch: string | null) {
  const row = await findRow(ctx, id);
  assertIfMatch(ifMatch, row.version);
  const current: UserDraft = {
    userName: row.userName,
    externalId: row.externalId,
    displayName: row.displayName,
    name: (isObject(row.name) ? row.name : {}) as Record<string, string>,
    active: row.active,
  };
  return writeDraft(ctx, row, applyUserOps(current, parsePatchOps(body)), "patch");
}

/**
 * DELETE: the person is deactivated (access ended as above), leaves the organisation (unless an owner or admin of
 * it) and the SCIM user is gone (404 from now on). A later POST with the same address links the account again.
 */
export async function deleteScimUser(ctx: ScimContext, id: string, ifMatch: string | null) {
  const row = await findRow(ctx, id);
  assertIfMatch(ifMatch, row.version);
  if (row.active) await endAccess(ctx, row.userId);
  const affectedGroups = row.groups.map((g) => g.group.id);
  await db(orgScope(ctx.organizationId)).$transaction(async (tx) => {
    await tx.scimUser.delete({ where: { id: row.id } });
    await tx.organizationMember.deleteMany({ where: { organizationId: ctx.organizationId, userId: row.userId, role: "member" } });
    if (affectedGroups.length > 0) await tx.scimGroup.updateMany({ where: { id: { in: affectedGroups } }, data: { version: { increment: 1 } } });
    await recordOrgAudit(tx, ctx, {
      action: ACTION,
      targetType: "user",
      targetId: row.userId,
      metadata: { operation: "delete", scimId: row.id, userName: row.userName },
    });
  });
}
