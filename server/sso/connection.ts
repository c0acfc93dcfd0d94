/**
 * An organisation's SSO connection: read, create or replace, test (discovery), delete. The client secret is sealed
 * with the vault's envelope encryption and is write-only.
 */
import type { z } from "zod";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import type { Role } from "@/lib/permissions";
import type { samlConnectionInputSchema, ssoConnectionInputSchema, ssoTestInputSchema } from "@/lib/schemas/sso";
import { db, orgScope } from "@/server/db/client";
import { logger } from "@/server/logger";
import { recordOrgAudit } from "@/server/orgs/audit";
import { type OrgContext, requireOrgAdmin } from "@/server/orgs/context";
import { decryptSecret, encryptSecret, orgSecretBinding, VaultCryptoError } from "@/server/vault/crypto";
import { vaultKeyring } from "@/server/vault/master-key";
import { describeConfiguration, discover } from "./oidc";
import { describeCertificate, parseCertificates, samlServiceProvider } from "./saml";

export type SsoConnectionRow = NonNullable<Awaited<ReturnType<typeof findConnection>>>;

const bindingOf = (row: { organizationId: string; id: string }) => orgSecretBinding(row.organizationId, row.id);

export function findConnection(organizationId: string, scope = orgScope(organizationId)) {
  return db(scope).ssoConnection.findFirst({ where: { organizationId }, include: { defaultWorkspace: { select: { slug: true, deletedAt: true } } } });
}

export function ssoUrls(origin: string, organizationSlug: string) {
  return { startUrl: `${origin}/api/sso/${organizationSlug}/start`, redirectUri: `${origin}/api/sso/${organizationSlug}/callback` };
}

function samlView(row: SsoConnectionRow, ctx: OrgContext, origin: string) {
  if (row.kind !== "saml") return null;
  return {
    ssoUrl: row.samlSsoUrl ?? "",
    certificates: row.samlCertificates.map((pem) => {
      const { fingerprint, subject, notAfter, expired } = describeCertificate(pem);
      return { fingerprint, subject, notAfter, expired };
    }),
    emailAttribute: row.samlEmailAttribute,
    nameAttribute: row.samlNameAttribute,
    serviceProvider: samlServiceProvider(origin, ctx.organizationSlug),
  };
}

function toView(row: SsoConnectionRow, ctx: OrgContext, origin: string) {
  return {
    kind: row.kind === "saml" ? ("saml" as const) : ("oidc" as const),
    issuer: row.issuer,
    clientId: row.clientId,
    hasClientSecret: row.secretCiphertext !== null,
    scopes: row.scopes,
    groupsClaim: row.groupsClaim,
    enabled: row.enabled,
    jitProvisioning: row.jitProvisioning,
    defaultWorkspace: row.defaultWorkspace && !row.defaultWorkspace.deletedAt ? row.defaultWorkspace.slug : null,
    defaultRole: row.defaultRole as Role,
    ...ssoUrls(origin, ctx.organizationSlug),
    saml: samlView(row, ctx, origin),
    updatedAt: row.updatedAt,
  };
}

export async function getSsoConnection(ctx: OrgContext, origin: string) {
  requireOrgAdmin(ctx);
  const row = await findConnection(ctx.organizationId);
  return row ? toView(row, ctx, origin) : null;
}

/** The stored client secret, for the sign-in flow only (never returned by an API). */
export function revealClientSecret(row: SsoConnectionRow): string | null {
  if (!row.secretCiphertext || !row.secretIv || !row.secretAuthTag || !row.secretWrappedKey || !row.secretKeyVersion) return null;
  try {
    return decryptSecret(vaultKeyring(), bindingOf(row), {
      ciphertext: row.secretCiphertext,
      iv: row.secretIv,
      authTag: row.secretAuthTag,
      wrappedKey: row.secretWrappedKey,
      keyVersion: row.secretKeyVersion,
    });
  } catch (error) {
    logger.error(
      { organizationId: row.organizationId, keyVersion: row.secretKeyVersion, reason: error instanceof VaultCryptoError ? error.reason : undefined },
      "sso: the client secret could not be decrypted",
    );
    throw new AppError("INTERNAL", "The client secret could not be decrypted");
  }
}

/** The organisation's workspace a connection's new people join (its slug checked), or null. */
async function defaultWorkspaceIdOf(ctx: OrgContext, slug: string | null): Promise<string | null> {
  const scoped = db(orgScope(ctx.organizationId));
  let defaultWorkspaceId: string | null = null;
  if (slug) {
    const ws = await scoped.workspace.findFirst({
      where: { organizationId: ctx.organizationId, slug, deletedAt: null },
      select: { id: true },
    });
    if (!ws)
      throw new AppError("VALIDATION_FAILED", `The workspace "${slug}" is not in this organisation`, {
        issues: [{ path: "defaultWorkspace", message: "Not a workspace of this organisation" }],
      });
    defaultWorkspaceId = ws.id;
  }
  return defaultWorkspaceId;
}

/** SAML settings cleared when the connection becomes (or stays) OIDC. */
const NO_SAML = { samlSsoUrl: null, samlCertificates: [] };
/** OIDC settings cleared when the connection becomes SAML (the sealed client secret included). */
const NO_OIDC = {
  clientId: "",
  scopes: "openid email profile",
  secretCiphertext: null,
  secretIv: null,
  secretAuthTag: null,
  secretWrappedKey: null,
  secretKeyVersion: null,
};

export async function upsertSsoConnection(ctx: OrgContext, input: z.output<typeof ssoConnectionInputSchema>, origin: string) {
  requireOrgAdmin(ctx);
  const scoped = db(orgScope(ctx.organizationId));
  const defaultWorkspaceId = await defaultWorkspaceIdOf(ctx, input.defaultWorkspace);
  const existing = await findConnection(ctx.organizationId);
  const id = existing?.id ?? newId("sso");
  const secret = input.clientSecret ? encryptSecret(vaultKeyring(), bindingOf({ organizationId: ctx.organizationId, id }), input.clientSecret) : null;
  const sealed = secret
    ? {
        secretCiphertext: secret.ciphertext,
        secretIv: secret.iv,
        secretAuthTag: secret.authTag,
        secretWrappedKey: secret.wrappedKey,
        secretKeyVersion: secret.keyVersion,
      }
    : {};
  const fields = {
    kind: "oidc",
    issuer: input.issuer,
    clientId: input.clientId,
    scopes: input.scopes,
    groupsClaim: input.groupsClaim,
    enabled: input.enabled,
    jitProvisioning: input.jitProvisioning,
    defaultWorkspaceId,
    defaultRole: input.defaultRole,
  };
  await scoped.$transaction(async (tx) => {
    if (existing) await tx.ssoConnection.update({ where: { id }, data: { ...fields, ...NO_SAML, ...sealed } });
    else await tx.ssoConnection.create({ data: { id, organizationId: ctx.organizationId, ...fields, ...sealed } });
    await recordOrgAudit(tx, ctx, {
      action: "org.sso_update",
      targetType: "sso_connection",
      targetId: id,
      // what changed, never the secret: only whether it was replaced
      metadata: { ...fields, defaultWorkspace: input.defaultWorkspace, defaultWorkspaceId: undefined, secretReplaced: secret !== null, created: !existing },
    });
  });
  const row = await findConnection(ctx.organizationId);
  if (!row) throw new AppError("NOT_FOUND", "SSO connection not found");
  return toView(row, ctx, origin);
}

/** Cadre's side of a SAML connection, to copy into the identity provider (shown before anything is saved). */
export function getSamlServiceProvider(ctx: OrgContext, origin: string) {
  requireOrgAdmin(ctx);
  return samlServiceProvider(origin, ctx.organizationSlug);
}

/** Creates or replaces the connection as SAML: the certificates are parsed (fingerprint, expiry) before anything is stored. */
export async function upsertSamlConnection(ctx: OrgContext, input: z.output<typeof samlConnectionInputSchema>, origin: string) {
  requireOrgAdmin(ctx);
  const existing = await findConnection(ctx.organizationId);
  const kept = existing?.kind === "saml" ? existing.samlCertificates.join("\n") : "";
  const certificates = parseCertificates(input.certificates || kept);
  const defaultWorkspaceId = await defaultWorkspaceIdOf(ctx, input.defaultWorkspace);
  const id = existing?.id ?? newId("sso");
  const fields = {
    kind: "saml",
    issuer: input.idpEntityId,
    samlSsoUrl: input.ssoUrl,
    samlCertificates: certificates.map((c) => c.pem),
    samlEmailAttribute: input.emailAttribute,
    samlNameAttribute: input.nameAttribute,
    groupsClaim: input.groupsAttribute,
    enabled: input.enabled,
    jitProvisioning: input.jitProvisioning,
    defaultWorkspaceId,
    defaultRole: input.defaultRole,
  };
  await db(orgScope(ctx.organizationId)).$transaction(async (tx) => {
    if (existing) await tx.ssoConnection.update({ where: { id }, data: { ...fields, ...NO_OIDC } });
    else await tx.ssoConnection.create({ data: { id, organizationId: ctx.organizationId, ...fields, ...NO_OIDC } });
    await recordOrgAudit(tx, ctx, {
      action: "org.sso_update",
      targetType: "sso_connection",
      targetId: id,
      metadata: {
        ...fields,
        samlCertificates: undefined,
        // the certificates by fingerprint and expiry (public, but long)
        certificates: certificates.map((c) => ({ fingerprint: c.fingerprint, notAfter: c.notAfter.toISOString() })),
        defaultWorkspace: input.defaultWorkspace,
        defaultWorkspaceId: undefined,
        created: !existing,
        previousKind: existing?.kind,
      },
    });
  });
  const row = await findConnection(ctx.organizationId);
  if (!row) throw new AppError("NOT_FOUND", "SSO connection not found");
  return toView(row, ctx, origin);
}

export async function deleteSsoConnection(ctx: OrgContext): Promise<{ deleted: true }> {
  requireOrgAdmin(ctx);
  await db(orgScope(ctx.organizationId)).$transaction(async (tx) => {
    const row = await tx.ssoConnection.findFirst({ where: { organizationId: ctx.organizationId }, select: { id: true, issuer: true } });
    if (!row) throw new AppError("NOT_FOUND", "SSO connection not found");
    await tx.ssoConnection.delete({ where: { id: row.id } });
    await tx.ssoSignIn.deleteMany({ where: { organizationId: ctx.organizationId } });
    await recordOrgAudit(tx, ctx, { action: "org.sso_delete", targetType: "sso_connection", targetId: row.id, metadata: { issuer: row.issuer } });
  });
  return { deleted: true };
}

/** Runs discovery against the given issuer (the form's, before saving) or the stored one; reports what it found. */
export async function testSsoConnection(ctx: OrgContext, input: z.output<typeof ssoTestInputSchema>) {
  requireOrgAdmin(ctx);
  const row = await findConnection(ctx.organizationId);
  if (!input.issuer && row?.kind === "saml")
    return { ok: false as const, error: "Discovery applies to OpenID Connect; a SAML connection is checked when saved" };
  const issuer = input.issuer ?? row?.issuer;
  if (!issuer) throw new AppError("NOT_FOUND", "SSO connection not found");
  try {
    const config = await discover({ issuer, clientId: row?.clientId ?? "cadre-test", clientSecret: null });
    return { ok: true as const, ...describeConfiguration(config) };
  } catch (error) {
    if (error instanceof AppError && error.code !== "INTERNAL") return { ok: false as const, error: error.message };
    throw error;
  }
}
