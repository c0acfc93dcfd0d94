import { describe, expect, it } from "vitest";
import { captureMail } from "@/test/mail-capture";
import { testDb as db } from "@/test/db";
import { hashInvitationToken } from "@/server/workspaces/invitations";
import { auditRows, callerFor, makeApiKey, makeUser, makeWorkspace, outcome, rest, roleIn, type TestWorkspace } from "@/test/helpers";

const ownerOf = (ws: TestWorkspace) => callerFor(ws.users.owner, ws.slug);

/** GONE is an HTTP 410; over tRPC it travels as NOT_FOUND with the AppError code underneath. */
const GONE = { ok: false, code: "NOT_FOUND", appCode: "GONE" } as const;

async function invite(ws: TestWorkspace, role: "owner" | "admin" | "member" | "viewer" = "member") {
  const invitee = await makeUser("invitee");
  const created = await ownerOf(ws).invitations.create({ email: invitee.email, role });
  const token = created.url.split("/invite/")[1]!;
  return { invitee, token, ...created };
}

describe("invitations", () => {
  it("create returns a single-use link whose token is stored only as a hash, and preview describes it", async () => {
    const ws = await makeWorkspace("inv");
    const { invitation, url, token, invitee } = await invite(ws, "admin");
    expect(url).toBe(`http://localhost:3000/invite/${token}`);
    expect(token.length).toBeGreaterThanOrEqual(40);
    expect(invitation).toMatchObject({ email: invitee.email, role: "admin", status: "pending", invitedBy: ws.users.owner.email });

    const row = await db().invitation.findUniqueOrThrow({ where: { id: invitation.id } });
    expect(row.tokenHash).toBe(hashInvitationToken(token));
    expect(JSON.stringify(row)).not.toContain(token);

    const preview = await callerFor(null).invitations.preview({ token });
    expect(preview).toMatchObject({ workspaceName: `Workspace ${ws.slug}`, email: invitee.email, role: "admin", status: "pending", invitedBy: "owner-inv" });
    expect(await outcome(callerFor(null).invitations.preview({ token: "x".repeat(43) }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
  });

  it("accepting by the invited email adds the membership with the invited role, once", async () => {
    const ws = await makeWorkspace("inv");
    const { invitee, token, invitation } = await invite(ws, "viewer");
    const accepted = await callerFor(invitee).invitations.accept({ token });
    expect(accepted).toEqual({ workspace: { id: ws.id, slug: ws.slug, name: `Workspace ${ws.slug}` }, role: "viewer" });
    expect(await roleIn(ws.id, invitee.id)).toBe("viewer");
    expect((await callerFor(invitee, ws.slug).workspaces.current()).role).toBe("viewer");
    expect((await callerFor(null).invitations.preview({ token })).status).toBe("accepted");
    expect(await auditRows(ws.id, "invitation.accept")).toEqual([
      expect.objectContaining({ targetId: invitation.id, actorId: invitee.id, actorLabel: invitee.email }),
    ]);

    // the same token again: by the same user, or by anybody else
    expect(await outcome(callerFor(invitee).invitations.accept({ token }))).toMatchObject(GONE);
    expect(await outcome(callerFor(await makeUser()).invitations.accept({ token }))).toMatchObject(GONE);
    expect(await db().membership.count({ where: { workspaceId: ws.id } })).toBe(5);
  });

  it("an expired invitation is GONE", async () => {
    const ws = await makeWorkspace("inv");
    const { invitee, token, invitation } = await invite(ws);
    await db().invitation.update({ where: { id: invitation.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await callerFor(null).invitations.preview({ token })).status).toBe("expired");
    expect(await outcome(callerFor(invitee).invitations.accept({ token }))).toMatchObject(GONE);
    expect(await roleIn(ws.id, invitee.id)).toBeNull();
  });

  it("someone signed in with another email is FORBIDDEN, and the invitation stays usable", async () => {
    const ws = await makeWorkspace("inv");
    const { invitee, token, invitation } = await invite(ws);
    const intruder = await makeUser("intruder");
    const result = await outcome(callerFor(intruder).invitations.accept({ token }));
    expect(result).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await roleIn(ws.id, intruder.id)).toBeNull();
    const row = await db().invitation.findUniqueOrThrow({ where: { id: invitation.id } });
    expect(row.acceptedAt).toBeNull();
    expect(row.acceptedById).toBeNull();
    expect(await auditRows(ws.id, "invitation.accept")).toEqual([]);
    // the rightful invitee can still use it
    await callerFor(invitee).invitations.accept({ token });
    expect(await roleIn(ws.id, invitee.id)).toBe("member");
  });

  it("a revoked invitation is GONE; revoking twice is a CONFLICT", async () => {
    const ws = await makeWorkspace("inv");
    const { invitee, token, invitation } = await invite(ws);
    await callerFor(ws.users.admin, ws.slug).invitations.revoke({ invitationId: invitation.id });
    expect((await callerFor(null).invitations.preview({ token })).status).toBe("revoked");
    expect(await outcome(callerFor(invitee).invitations.accept({ token }))).toMatchObject(GONE);
    expect(await roleIn(ws.id, invitee.id)).toBeNull();
    expect(await outcome(ownerOf(ws).invitations.revoke({ invitationId: invitation.id }))).toMatchObject({ ok: false, code: "CONFLICT" });
    expect(await auditRows(ws.id, "invitation.revoke")).toHaveLength(1);
  });

  it("re-inviting the same email replaces the pending invitation: the old link is revoked", async () => {
    const ws = await makeWorkspace("inv");
    const first = await invite(ws, "viewer");
    const second = await ownerOf(ws).invitations.create({ email: first.invitee.email.toUpperCase(), role: "admin" });
    const newToken = second.url.split("/invite/")[1]!;
    expect(newToken).not.toBe(first.token);

    const list = await ownerOf(ws).invitations.list();
    const mine = list.filter((i) => i.email === first.invitee.email);
    expect(mine.map((i) => [i.id, i.status]).sort()).toEqual(
      [
        [first.invitation.id, "revoked"],
        [second.invitation.id, "pending"],
      ].sort(),
    );
    expect(await outcome(callerFor(first.invitee).invitations.accept({ token: first.token }))).toMatchObject(GONE);
    await callerFor(first.invitee).invitations.accept({ token: newToken });
    expect(await roleIn(ws.id, first.invitee.id)).toBe("admin");
  });

  it("inviting someone who is already a member is a CONFLICT (whatever the case of the email)", async () => {
    const ws = await makeWorkspace("inv");
    for (const email of [ws.users.viewer.email, ws.users.viewer.email.toUpperCase()]) {
      expect(await outcome(ownerOf(ws).invitations.create({ email, role: "member" }))).toMatchObject({ ok: false, code: "CONFLICT" });
    }
    expect(await db().invitation.count({ where: { workspaceId: ws.id } })).toBe(0);
  });

  it("only an owner invites an owner; nobody invites above their own role; members cannot invite", async () => {
    const ws = await makeWorkspace("inv");
    const admin = callerFor(ws.users.admin, ws.slug);
    expect(await outcome(admin.invitations.create({ email: `boss-${ws.slug}@example.test`, role: "owner" }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect((await admin.invitations.create({ email: `peer-${ws.slug}@example.test`, role: "admin" })).invitation.role).toBe("admin");
    expect((await ownerOf(ws).invitations.create({ email: `co-${ws.slug}@example.test`, role: "owner" })).invitation.role).toBe("owner");

    const member = callerFor(ws.users.member, ws.slug);
    expect(await outcome(member.invitations.create({ email: `friend-${ws.slug}@example.test`, role: "viewer" }))).toMatchObject({
      ok: false,
      code: "FORBIDDEN",
    });
    expect(await outcome(member.invitations.list())).toMatchObject({ ok: false, code: "FORBIDDEN" });
    const emails = (await db().invitation.findMany({ where: { workspaceId: ws.id } })).map((i) => i.email).sort();
    expect(emails).toEqual([`co-${ws.slug}@example.test`, `peer-${ws.slug}@example.test`]);
  });

  it("REST: POST /api/v1/invitations returns 201 with a token that works, and is audited as the key", async () => {
    const ws = await makeWorkspace("inv");
    const key = await makeApiKey(ws, "admin");
    const invitee = await makeUser("rest-invitee");
    const res = await rest("POST", "/api/v1/invitations", { key: key.raw, body: { email: invitee.email, role: "member" } });
    expect(res.status).toBe(201);
    expect(res.body.invitation).toMatchObject({ email: invitee.email, role: "member", status: "pending" });
    await callerFor(invitee).invitations.accept({ token: res.body.token });
    expect(await roleIn(ws.id, invitee.id)).toBe("member");
    expect(await auditRows(ws.id, "invitation.create")).toEqual([
      expect.objectContaining({ actorType: "api_key", actorId: key.id, actorLabel: 'API key "admin key"' }),
    ]);
    const owner = await rest("POST", "/api/v1/invitations", { key: key.raw, body: { email: `x-${ws.slug}@example.test`, role: "owner" } });
    expect(owner.status).toBe(403);
  });

  it("emails the link whichever channel created the invitation (REST and tRPC), and returns it to the inviter", async () => {
    const ws = await makeWorkspace("invmail");
    const key = await makeApiKey(ws, "admin");
    const mail = await captureMail();
    try {
      const restInvitee = `rest-${ws.slug}@example.test`;
      const res = await rest("POST", "/api/v1/invitations", { key: key.raw, body: { email: restInvitee, role: "viewer" } });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ emailed: true, url: `http://localhost:3000/invite/${res.body.token}` });

      const trpcInvitee = `trpc-${ws.slug}@example.test`;
      const created = await ownerOf(ws).invitations.create({ email: trpcInvitee, role: "member" });
      expect(created).toMatchObject({ emailed: true, url: expect.stringMatching(/^http:\/\/localhost:3000\/invite\/[\w-]{40,}$/) });
      expect(created).not.toHaveProperty("token");

      expect(mail.messages.map((m) => m.to)).toEqual([[restInvitee], [trpcInvitee]]);
      expect(mail.messages[0]!.data).toContain(res.body.url);
      expect(mail.messages[0]!.data).toContain("join as viewer");
      expect(mail.messages[1]!.data).toContain(created.url);
      expect(mail.messages[1]!.data).toContain(`${ws.users.owner.email} invited you`);
    } finally {
      await mail.stop();
    }
    // without SMTP nothing is sent, and the inviter still gets the link
    const plain = await rest("POST", "/api/v1/invitations", { key: key.raw, body: { email: `plain-${ws.slug}@example.test`, role: "viewer" } });
    expect(plain.body).toMatchObject({ emailed: false, url: expect.stringContaining("/invite/") });
  });
});
