import { randomBytes } from "node:crypto";
import { Resolver, resolveTxt } from "node:dns/promises";
import type { z } from "zod";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { addDomainInputSchema, emailDomainSchema } from "@/lib/schemas/organizations";
import { db, orgScope, SYSTEM } from "@/server/db/client";
import { prismaCode } from "@/server/db/errors";
import { env } from "@/server/env";
import { type OrgContext, requireOrgAdmin } from "./context";
import { recordOrgAudit } from "./audit";

/** Where the verification record goes and what it holds. */
export const txtRecordName = (domain: string) => `_cadre-verification.${domain}`;
export const txtRecordValue = (token: string) => `cadre-verification=${token}`;

type TxtResolver = (name: string) => Promise<string[][]>;

/** A look-up through the operator's DNS servers (CADRE_DNS_SERVERS: a private zone, a split-horizon resolver). */
function configuredTxtResolver(servers: string[]): TxtResolver {
  return (name) => {
    const r = new Resolver({ timeout: 3_000, tries: 2 });
    r.setServers(servers);
    return r.resolveTxt(name);
  };
}

/** CADRE_DNS_SERVERS when set, else the system's resolver. */
function defaultTxtResolver(): TxtResolver {
  const servers = env().CADRE_DNS_SERVERS;
  return servers.length > 0 ? configuredTxtResolver(servers) : resolveTxt;
}

const resolver: { resolve: TxtResolver | null } = { resolve: null };

/** Tests point DNS at their own answers (no test queries the network); null: the configured resolver again. */
export function setTxtResolverForTests(fn: TxtResolver | null): void {
  resolver.resolve = fn;
}

function toDomain(row: { id: string; domain: string; verificationToken: string; verifiedAt: Date | null; verifiedBy: string | null; createdAt: Date }) {
  return {
    id: row.id,
    domain: row.domain,
    verified: row.verifiedAt !== null,
    verifiedAt: row.verifiedAt,
    verifiedBy: row.verifiedBy as "dns" | "operator" | null,
    txtRecordName: txtRecordName(row.domain),
    txtRecordValue: txtRecordValue(row.verificationToken),
    createdAt: row.createdAt,
  };
}

export async function listDomains(ctx: OrgContext) {
  const rows = await db(orgScope(ctx.organizationId)).organizationDomain.findMany({
    where: { organizationId: ctx.organizationId },
    orderBy: { domain: "asc" },
  });
  return rows.map(toDomain);
}

/** Claims a domain (unverified until its TXT record is seen or an operator confirms it). */
export async function addDomain(ctx: OrgContext, input: z.input<typeof addDomainInputSchema>) {
  requireOrgAdmin(ctx);
  const { domain } = addDomainInputSchema.parse(input);
  try {
    return await db(orgScope(ctx.organizationId)).$transaction(async (tx) => {
      const row = await tx.organizationDomain.create({
        data: { id: newId("odm"), organizationId: ctx.organizationId, domain, verificationToken: randomBytes(18).toString("base64url") },
      });
      await recordOrgAudit(tx, ctx, { action: "org.domain_add", targetType: "domain", targetId: row.id, metadata: { domain } });
      return toDomain(row);
    });
  } catch (error) {
    if (prismaCode(error) === "P2002") throw new AppError("CONFLICT", `The organisation already claims ${domain}`);
    throw error;
  }
}

async function markVerified(ctx: OrgContext, id: string, by: "dns" | "operator") {
  try {
    return await db(orgScope(ctx.organizationId)).$transaction(async (tx) => {
      const row = await tx.organizationDomain.update({ where: { id }, data: { verifiedAt: new Date(), verifiedBy: by } });
      await recordOrgAudit(tx, ctx, { action: "org.domain_verify", targetType: "domain", targetId: id, metadata: { domain: row.domain, by } });
      return toDomain(row);
    });
  } catch (error) {
    if (prismaCode(error) === "P2002") throw new AppError("CONFLICT", "Another organisation has already verified this domain");
    throw error;
  }
}

/** Looks for the TXT record; verified when one of the domain's TXT strings is the expected value. */
export async function verifyDomain(ctx: OrgContext, id: string) {
  requireOrgAdmin(ctx);
  const row = await db(orgScope(ctx.organizationId)).organizationDomain.findFirst({ where: { id, organizationId: ctx.organizationId } });
  if (!row) throw new AppError("NOT_FOUND", "Domain not found");
  if (row.verifiedAt) return toDomain(row);
  const expected = txtRecordValue(row.verificationToken);
  const records = await (resolver.resolve ?? defaultTxtResolver())(txtRecordName(row.domain)).catch(() => [] as string[][]);
  if (!records.some((chunks) => chunks.join("") === expected))
    throw new AppError("VALIDATION_FAILED", `No TXT record "${expected}" at ${txtRecordName(row.domain)} yet (DNS changes can take a while to show)`);
  return markVerified(ctx, row.id, "dns");
}

/** An operator confirms a domain offline (CLI: `cadre orgs verify-domain <org> <domain>`). */
export async function confirmDomainAsOperator(organizationSlug: string, domainRaw: string, operator = "cli") {
  const domain = emailDomainSchema.parse(domainRaw);
  const row = await db(SYSTEM("operator")).organizationDomain.findFirst({
    where: { domain, organization: { slug: organizationSlug } },
    include: { organization: true },
  });
  if (!row) throw new AppError("NOT_FOUND", `The organisation ${organizationSlug} has not claimed ${domain}`);
  const ctx: OrgContext = { organizationId: row.organizationId, organizationSlug, actor: { type: "operator", label: operator }, role: null };
  return row.verifiedAt ? toDomain(row) : markVerified(ctx, row.id, "operator");
}

export async function removeDomain(ctx: OrgContext, id: string) {
  requireOrgAdmin(ctx);
  await db(orgScope(ctx.organizationId)).$transaction(async (tx) => {
    const row = await tx.organizationDomain.findFirst({ where: { id, organizationId: ctx.organizationId } });
    if (!row) throw new AppError("NOT_FOUND", "Domain not found");
    await tx.organizationDomain.delete({ where: { id } });
    await recordOrgAudit(tx, ctx, { action: "org.domain_remove", targetType: "domain", targetId: id, metadata: { domain: row.domain } });
  });
}
