import { createHash, randomBytes } from "node:crypto";
import { db, systemDb } from "@/server/db/client";
import { inWorkspace } from "@/server/db/in-workspace";
import { newId } from "@/lib/ids";
import { AppError } from "@/lib/errors";
import type { TenantContext } from "@/server/context";
import type { ClientInfo } from "@/server/http/client-info";
import { recordAudit } from "@/server/audit/service";
import { createInvitationInputSchema } from "@/lib/schemas/members";
import { permissionsOf, type Role } from "@/lib/permissions";
import type { Prisma } from "@/server/db/generated/client";
import { holdsRole } from "@/server/context";
import type { z } from "zod";
import { sendMail } from "@/server/mail/send";

const DAY_MS = 24 * 60 * 60 * 1000;

export function hashInvitationToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

type InvitationRow = {
  id: string;
  email: string;
  role: string;
  expiresAt: Date;
  createdAt: Date;
  acceptedAt: Date | null;
  revokedAt: Date | null;
  invitedBy?: { email: string } | null;
};

function statusOf(inv: InvitationRow, now = new Date()) {
  if (inv.acceptedAt) return "accepted" as const;
  if (inv.revokedAt) return "revoked" as const;
  if (inv.expiresAt <= now) return "expired" as const;
  return "pending" as const;
}

function toInvitation(inv: InvitationRow) {
  return {
    id: inv.id,
    email: inv.email,
    role: inv.role as Role,
    status: statusOf(inv),
    invitedBy: inv.invitedBy?.email ?? null,
    expiresAt: inv.expiresAt,
    createdAt: inv.createdAt,
  };
}

/**
 * Creates an invitation and returns it with its token, which exists only in the link: the database
 * keeps its hash. A pending invitation to the same email is replaced. The link is emailed to the invitee when
 * SMTP is configured (`emailed` says whether it was) and returned to the inviter either way, whatever the channel.
 */
/** The workspace's organisation may limit invitations to its email domains (docs/organizations.md). */
async function assertInvitationDomainAllowed(ctx: TenantContext, email: string) {
  const ws = await db(ctx).workspace.findUnique({
    where: { id: ctx.workspaceId },
    select: { organization: { select: { name: true, invitationDomains: true } } },
  });
  const domains = ws?.organization?.invitationDomains ?? [];
  const domain = email.slice(email.lastIndexOf("@") + 1).toLowerCase();
  if (domains.length > 0 && !domains.includes(domain))
    throw new AppError("VALIDATION_FAILED", `${ws!.organization!.name} allows invitations only to ${domains.join(", ")}`, {
      issues: [{ path: "email", message: `Only addresses at ${domains.join(", ")}` }],
    });
}

export async function createInvitation(ctx: TenantContext, input: z.input<typeof createInvitationInputSchema>, links: { origin: string }) {
  const { email, role, expiresInDays } = createInvitationInputSchema.parse(input);
  if (!holdsRole(ctx, role)) {
    throw new AppError("FORBIDDEN", role === "owner" ? "Only an owner can invite an owner" : `You cannot invite as ${role}: the role has powers you lack`);
  }
  await assertInvitationDomainAllowed(ctx, email);
  const alreadyMember = await db(ctx).membership.findFirst({ where: { workspaceId: ctx.workspaceId, user: { email } } });
  if (alreadyMember) throw new AppError("CONFLICT", `${email} is already a member of this workspace`);

  const token = randomBytes(32).toString("base64url");
  const invitation = await db(ctx).$transaction(async (tx) => {
    await tx.invitation.updateMany({
      where: { workspaceId: ctx.workspaceId, email, acceptedAt: null, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    const created = await tx.invitation.create({
      data: {
        id: newId("inv"),
        workspaceId: ctx.workspaceId,
        email,
        role,
        tokenHash: hashInvitationToken(token),
        invitedById: ctx.actor.userId,
        expiresAt: new Date(Date.now() + expiresInDays * DAY_MS),
      },
      include: { invitedBy: true },
    });
    await recordAudit(ctx, { action: "invitation.create", targetType: "invitation", targetId: created.id, metadata: { email, role, expiresInDays } }, tx);
    return created;
  });
  const result = toInvitation(invitation);
  const url = invitationUrl(links.origin, token);
  const inviter = ctx.actor.type === "user" ? ctx.actor.email : (invitation.invitedBy?.email ?? "Someone");
  const emailed = await sendMail({
    to: result.email,
    subject: "You are invited to a Cadre workspace",
    text: `${inviter} invited you to join as ${result.role}.\n\nAccept: ${url}\n\nThe link expires on ${result.expiresAt.toUTCString()}.`,
  });
  return { invitation: result, token, url, emailed };
}

/** The acceptance link of an invitation token under the app's public origin. */
export function invitationUrl(origin: string, token: string): string {
  return `${origin.replace(/\/$/, "")}/invite/${token}`;
}

export async function listInvitations(ctx: TenantContext) {
  const rows = await db(ctx).invitation.findMany({
    where: { workspaceId: ctx.workspaceId },
    include: { invitedBy: true },
    orderBy: { createdAt: "desc" },
    take: 200,
  });
  return rows.map(toInvitation);
}

export async function revokeInvitation(ctx: TenantContext, invitationId: string) {
  const inv = await db(ctx).invitation.findFirst({ where: { id: invitationId, workspaceId: ctx.workspaceId } });
  if (!inv) throw new AppError("NOT_FOUND", "Invitation not found");
  if (statusOf(inv) !== "pending") throw new AppError("CONFLICT", `This invitation is already ${statusOf(inv)}`);
  await db(ctx).$transaction(async (tx) => {
    await tx.invitation.update({ where: inWorkspace(ctx, inv.id), data: { revokedAt: new Date() } });
    await recordAudit(ctx, { action: "invitation.revoke", targetType: "invitation", targetId: inv.id, metadata: { email: inv.email } }, tx);
  });
  return { revoked: true as const };
}

async function findByToken(token: string) {
  const inv = await systemDb("invitation-token").invitation.findUnique({
    where: { tokenHash: hashInvitationToken(token) },
    include: { workspace: true, invitedBy: true },
  });
  if (!inv) throw new AppError("NOT_FOUND", "This invitation link is not valid");
  return inv;
}

/** What the invitation page shows before the visitor signs in. */
export async function previewInvitation(token: string) {
  const inv = await findByToken(token);
  return {
    workspaceName: inv.workspace.name,
    email: inv.email,
    role: inv.role as Role,
    status: statusOf(inv),
    invitedBy: inv.invitedBy.name ?? inv.invitedBy.email,
    expiresAt: inv.expiresAt,
  };
}

/** Whether `holder` has every permission of `granted` (what it takes to grant that role). */
export function roleCovers(holder: Role, granted: Role): boolean {
  const held = new Set(permissionsOf(holder));
  return permissionsOf(granted).every((p) => held.has(p));
}

/**
 * Revokes the pending invitations `userId` sent in the workspace that their role (`role`; null: no longer a member)
 * cannot grant, each with an `invitation.revoke` audit entry and the reason. Called when a member is demoted, removed
 * or leaves, in the same transaction.
 */
export async function revokeInvitationsBeyond(tx: Prisma.TransactionClient, ctx: TenantContext, userId: string, role: Role | null): Promise<number> {
  const pending = await tx.invitation.findMany({
    where: { workspaceId: ctx.workspaceId, invitedById: userId, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } },
    select: { id: true, email: true, role: true },
  });
  const beyond = pending.filter((inv) => role === null || !roleCovers(role, inv.role as Role));
  if (beyond.length === 0) return 0;
  await tx.invitation.updateMany({
    where: { workspaceId: ctx.workspaceId, id: { in: beyond.map((i) => i.id) }, acceptedAt: null, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  const reason = role === null ? "inviter_left" : "inviter_demoted";
  for (const inv of beyond) {
    await recordAudit(
      ctx,
      { action: "invitation.revoke", targetType: "invitation", targetId: inv.id, metadata: { email: inv.email, role: inv.role, reason } },
      tx,
    );
  }
  return beyond.length;
}

/**
 * Accepts an invitation for the signed-in user: single use, unexpired, only for the invited email, and only while the
 * person who sent it still holds a role that can grant the invited one (a removed or demoted admin's invitations are
 * dead; they are revoked then too, see revokeInvitationsBeyond).
 */
export async function acceptInvitation(user: { id: string; email: string }, token: string, requestId?: string, client: ClientInfo = {}) {
  const inv = await findByToken(token);
  const status = statusOf(inv);
  if (status === "accepted") throw new AppError("GONE", "This invitation has already been used");
  if (status === "revoked") throw new AppError("GONE", "This invitation was revoked");
  if (status === "expired") throw new AppError("GONE", "This invitation has expired: ask for a new one");
  if (inv.email !== user.email.toLowerCase()) {
    throw new AppError("FORBIDDEN", `This invitation is for ${inv.email}, but you are signed in as ${user.email}`);
  }
  const inviter = await db({ workspaceId: inv.workspaceId }).membership.findUnique({
    where: { workspaceId_userId: { workspaceId: inv.workspaceId, userId: inv.invitedById } },
  });
  if (!inviter || !roleCovers(inviter.role as Role, inv.role as Role)) {
    const ctx: TenantContext = {
      workspaceId: inv.workspaceId,
      workspaceSlug: inv.workspace.slug,
      role: "viewer",
      permissions: new Set(),
      requestId,
      actor: { type: "user", userId: user.id, email: user.email },
    };
    await db({ workspaceId: inv.workspaceId }).$transaction(async (tx) => {
      const revoked = await tx.invitation.updateMany({
        where: { ...inWorkspace(inv, inv.id), acceptedAt: null, revokedAt: null },
        data: { revokedAt: new Date() },
      });
      if (revoked.count === 1) {
        await recordAudit(
          ctx,
          {
            action: "invitation.revoke",
            targetType: "invitation",
            targetId: inv.id,
            metadata: { email: inv.email, role: inv.role, reason: inviter ? "inviter_demoted" : "inviter_left" },
          },
          tx,
        );
      }
    });
    throw new AppError("GONE", "This invitation is no longer valid: the person who sent it can no longer grant this role. Ask for a new one.");
  }
  return db({ workspaceId: inv.workspaceId }).$transaction(async (tx) => {
    // the conditional update makes acceptance single-use even under concurrent clicks
    const claimed = await tx.invitation.updateMany({
      where: { ...inWorkspace(inv, inv.id), acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } },
      data: { acceptedAt: new Date(), acceptedById: user.id },
    });
    if (claimed.count !== 1) throw new AppError("GONE", "This invitation has already been used");
    const existing = await tx.membership.findUnique({ where: { workspaceId_userId: { workspaceId: inv.workspaceId, userId: user.id } } });
    if (!existing) {
      await tx.membership.create({ data: { id: newId("mem"), workspaceId: inv.workspaceId, userId: user.id, role: inv.role } });
    }
    const ctx: TenantContext = {
      workspaceId: inv.workspaceId,
      workspaceSlug: inv.workspace.slug,
      role: inv.role as Role,
      permissions: new Set(),
      requestId,
      ...client,
      actor: { type: "user", userId: user.id, email: user.email },
    };
    await recordAudit(ctx, { action: "invitation.accept", targetType: "invitation", targetId: inv.id, metadata: { email: inv.email, role: inv.role } }, tx);
    return { workspace: { id: inv.workspace.id, slug: inv.workspace.slug, name: inv.workspace.name }, role: inv.role as Role };
  });
}
