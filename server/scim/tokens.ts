/**
 * Organisation tokens (`cadre_org_...`): bearer secrets of an organisation, kept as their sha-256 only. Scope "scim"
 * is the identity provider's SCIM client; "admin" is the organisation's API acting as the token's creator. A token
 * works only while its creator is still an owner or admin of the organisation (like an API key dies with its
 * creator's membership).
 */
import { createHash, randomBytes } from "node:crypto";
import type { z } from "zod";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import type { OrgRole } from "@/lib/schemas/organizations";
import type { createOrgTokenInputSchema, OrgTokenScope } from "@/lib/schemas/org-tokens";
import { db, orgScope, SYSTEM } from "@/server/db/client";
import { recordOrgAudit } from "@/server/orgs/audit";
import { type OrgContext, orgActorUserId, requireOrgAdmin } from "@/server/orgs/context";

export const ORG_TOKEN_PREFIX = "cadre_org_";
const DAY_MS = 24 * 60 * 60 * 1000;
/** lastUsedAt is written at most this often per token (not on every SCIM request) */
const LAST_USED_GRANULARITY_MS = 60_000;

export function hashOrgToken(raw: string): string {
  return createHash("sha256").update(raw, "utf8").digest("hex");
}

type TokenRow = {
  id: string;
  name: string;
  scopes: string[];
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  createdBy: { email: string } | null;
};

function toOrgToken(t: TokenRow) {
  return {
    id: t.id,
    name: t.name,
    scopes: t.scopes,
    createdBy: t.createdBy?.email ?? null,
    createdAt: t.createdAt,
    lastUsedAt: t.lastUsedAt,
    expiresAt: t.expiresAt,
    revokedAt: t.revokedAt,
  };
}

export async function listOrgTokens(ctx: OrgContext) {
  requireOrgAdmin(ctx);
  const rows = await db(orgScope(ctx.organizationId)).orgToken.findMany({
    where: { organizationId: ctx.organizationId },
    include: { createdBy: { select: { email: true } } },
    orderBy: { createdAt: "desc" },
  });
  return rows.map(toOrgToken);
}

/** Creates a token; the secret is returned once and never stored. Only a person (owner or admin) creates one. */
export async function createOrgToken(ctx: OrgContext, input: z.output<typeof createOrgTokenInputSchema>) {
  requireOrgAdmin(ctx);
  const createdById = orgActorUserId(ctx);
  if (!createdById) throw new AppError("FORBIDDEN", "Only an owner or admin of the organisation can create a token");
  const raw = ORG_TOKEN_PREFIX + randomBytes(32).toString("base64url");
  const scopes = [...new Set(input.scopes)];
  const expiresAt = input.expiresInDays ? new Date(Date.now() + input.expiresInDays * DAY_MS) : null;
  const created = await db(orgScope(ctx.organizationId)).$transaction(async (tx) => {
    const row = await tx.orgToken.create({
      data: { id: newId("otk"), organizationId: ctx.organizationId, name: input.name, tokenHash: hashOrgToken(raw), scopes, createdById, expiresAt },
      include: { createdBy: { select: { email: true } } },
    });
    await recordOrgAudit(tx, ctx, {
      action: "org.scim_token_create",
      targetType: "scim_token",
      targetId: row.id,
      metadata: { name: row.name, scopes, expiresAt: expiresAt?.toISOString() ?? null },
    });
    return row;
  });
  return { ...toOrgToken(created), token: raw };
}

export async function revokeOrgToken(ctx: OrgContext, id: string) {
  requireOrgAdmin(ctx);
  return db(orgScope(ctx.organizationId)).$transaction(async (tx) => {
    const row = await tx.orgToken.findFirst({ where: { id, organizationId: ctx.organizationId }, include: { createdBy: { select: { email: true } } } });
    if (!row) throw new AppError("NOT_FOUND", "Token not found");
    if (row.revokedAt) return toOrgToken(row);
    const updated = await tx.orgToken.update({ where: { id }, data: { revokedAt: new Date() }, include: { createdBy: { select: { email: true } } } });
    await recordOrgAudit(tx, ctx, { action: "org.scim_token_revoke", targetType: "scim_token", targetId: id, metadata: { name: row.name } });
    return toOrgToken(updated);
  });
}

/** What a verified token acts as, beyond its OrgContext: the creator (the actor in workspaces' audit trails). */
export interface VerifiedOrgToken extends OrgContext {
  tokenId: string;
  creator: { userId: string; email: string };
}

/**
 * Resolves a bearer token to the organisation's context for one scope. Every failure is the same 401 (unknown,
 * revoked, expired, lacking the scope, its creator no longer an owner or admin, or another organisation's token when
 * `organizationSlug` is given). For scope "scim" the actor is the token; for "admin" it is the creator, with their
 * current role in the organisation.
 */
export async function verifyOrgToken(
  rawBearer: string,
  scope: OrgTokenScope,
  meta: { organizationSlug?: string; requestId?: string; clientIp?: string; userAgent?: string } = {},
): Promise<VerifiedOrgToken> {
  const invalid = new AppError("UNAUTHORIZED", "Invalid, expired or revoked organisation token");
  const raw = rawBearer.trim();
  if (!raw.startsWith(ORG_TOKEN_PREFIX) || raw.length > 256) throw invalid;
  // the organisation is known only once the token is found (docs/security.md, "Privileged paths")
  const token = await db(SYSTEM("org-token-lookup")).orgToken.findUnique({
    where: { tokenHash: hashOrgToken(raw) },
    include: { organization: { select: { slug: true } }, createdBy: { select: { id: true, email: true, deactivatedAt: true } } },
  });
  if (!token || token.revokedAt || (token.expiresAt && token.expiresAt.getTime() <= Date.now())) throw invalid;
  if (!token.scopes.includes(scope)) throw invalid;
  if (meta.organizationSlug !== undefined && token.organization.slug !== meta.organizationSlug) throw invalid;
  const scoped = db(orgScope(token.organizationId));
  const creatorRole = (
    await scoped.organizationMember.findUnique({
      where: { organizationId_userId: { organizationId: token.organizationId, userId: token.createdById } },
      select: { role: true },
    })
  )?.role as OrgRole | undefined;
  if ((creatorRole !== "owner" && creatorRole !== "admin") || token.createdBy.deactivatedAt) throw invalid;
  if (!token.lastUsedAt || Date.now() - token.lastUsedAt.getTime() > LAST_USED_GRANULARITY_MS)
    await scoped.orgToken.update({ where: { id: token.id }, data: { lastUsedAt: new Date() } });
  const creator = { userId: token.createdBy.id, email: token.createdBy.email };
  const base = {
    organizationId: token.organizationId,
    organizationSlug: token.organization.slug,
    requestId: meta.requestId,
    clientIp: meta.clientIp,
    userAgent: meta.userAgent,
    tokenId: token.id,
    creator,
  };
  return scope === "scim"
    ? { ...base, actor: { type: "scim", tokenId: token.id, label: token.name }, role: null }
    : { ...base, actor: { type: "user", userId: creator.userId, email: creator.email }, role: creatorRole };
}
