import { describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { newId } from "@/lib/ids";
import { addMember, auditRows, callerFor, makeApiKey, makeWorkspace, outcome, rest, roleIn, type TestWorkspace } from "@/test/helpers";

const as = (ws: TestWorkspace, role: "owner" | "admin" | "member" | "viewer") => callerFor(ws.users[role], ws.slug);

async function ownerCount(workspaceId: string) {
  return db().membership.count({ where: { workspaceId, role: "owner" } });
}

describe("members: listing and role changes", () => {
  it("lists every member with email, name and role", async () => {
    const ws = await makeWorkspace("mem");
    const list = (await as(ws, "viewer").members.list()).items;
    expect(list).toHaveLength(4);
    expect(list.find((m) => m.id === ws.memberIds.admin)).toMatchObject({
      userId: ws.users.admin.id,
      email: ws.users.admin.email,
      name: ws.users.admin.name,
      role: "admin",
    });
  });

  it("an admin changes a member's role and it is audited with from/to and the actor", async () => {
    const ws = await makeWorkspace("mem");
    const updated = await as(ws, "admin").members.changeRole({ memberId: ws.memberIds.member, role: "viewer" });
    expect(updated).toMatchObject({ id: ws.memberIds.member, role: "viewer" });
    expect(await roleIn(ws.id, ws.users.member.id)).toBe("viewer");
    const [entry, ...rest] = await auditRows(ws.id, "member.role_change");
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({
      actorType: "user",
      actorId: ws.users.admin.id,
      actorLabel: ws.users.admin.email,
      targetType: "member",
      targetId: ws.memberIds.member,
      metadata: { email: ws.users.member.email, from: "member", to: "viewer" },
    });
  });

  it("an admin cannot change an owner's role, nor promote anyone to owner", async () => {
    const ws = await makeWorkspace("mem");
    const admin = as(ws, "admin");
    expect(await outcome(admin.members.changeRole({ memberId: ws.memberIds.owner, role: "admin" }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await outcome(admin.members.changeRole({ memberId: ws.memberIds.member, role: "owner" }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await outcome(admin.members.changeRole({ memberId: ws.memberIds.admin, role: "owner" }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await outcome(admin.members.remove({ memberId: ws.memberIds.owner }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await roleIn(ws.id, ws.users.owner.id)).toBe("owner");
    expect(await roleIn(ws.id, ws.users.member.id)).toBe("member");
    expect(await roleIn(ws.id, ws.users.admin.id)).toBe("admin");
    expect(await auditRows(ws.id)).toEqual([]);
  });

  it("an owner can make someone else an owner", async () => {
    const ws = await makeWorkspace("mem");
    await as(ws, "owner").members.changeRole({ memberId: ws.memberIds.admin, role: "owner" });
    expect(await ownerCount(ws.id)).toBe(2);
  });

  it("the same rules hold over REST with an admin's key", async () => {
    const ws = await makeWorkspace("mem");
    const key = (await makeApiKey(ws, "admin")).raw;
    const promote = await rest("PATCH", "/api/v1/members/{memberId}", { key, params: { memberId: ws.memberIds.member }, body: { role: "owner" } });
    expect(promote.status).toBe(403);
    const demoteOwner = await rest("PATCH", "/api/v1/members/{memberId}", { key, params: { memberId: ws.memberIds.owner }, body: { role: "viewer" } });
    expect(demoteOwner.status).toBe(403);
    const ok = await rest("PATCH", "/api/v1/members/{memberId}", { key, params: { memberId: ws.memberIds.member }, body: { role: "admin" } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ id: ws.memberIds.member, role: "admin", email: ws.users.member.email });
    expect(await roleIn(ws.id, ws.users.owner.id)).toBe("owner");
  });
});

describe("members: last-owner protection", () => {
  it("the sole owner cannot demote themselves nor leave", async () => {
    const ws = await makeWorkspace("own");
    const owner = as(ws, "owner");
    expect(await outcome(owner.members.changeRole({ memberId: ws.memberIds.owner, role: "admin" }))).toMatchObject({ ok: false, code: "CONFLICT" });
    expect(await outcome(owner.workspaces.leave())).toMatchObject({ ok: false, code: "CONFLICT" });
    expect(await roleIn(ws.id, ws.users.owner.id)).toBe("owner");
    expect(await auditRows(ws.id)).toEqual([]);
  });

  it("with two owners, one may be demoted and the other may then not; one may leave", async () => {
    const ws = await makeWorkspace("own");
    const second = await addMember(ws, "owner", "owner2");
    const owner = as(ws, "owner");
    await owner.members.changeRole({ memberId: second.memberId, role: "admin" });
    expect(await roleIn(ws.id, second.user.id)).toBe("admin");
    expect(await outcome(owner.members.changeRole({ memberId: ws.memberIds.owner, role: "member" }))).toMatchObject({ ok: false, code: "CONFLICT" });

    const ws2 = await makeWorkspace("own");
    const other = await addMember(ws2, "owner", "owner2");
    expect(await as(ws2, "owner").workspaces.leave()).toEqual({ left: true });
    expect(await roleIn(ws2.id, ws2.users.owner.id)).toBeNull();
    expect(await outcome(callerFor(other.user, ws2.slug).workspaces.leave())).toMatchObject({ ok: false, code: "CONFLICT" });
    expect(await ownerCount(ws2.id)).toBe(1);
    expect(await auditRows(ws2.id, "member.leave")).toEqual([
      expect.objectContaining({ actorId: ws2.users.owner.id, targetId: ws2.memberIds.owner, metadata: { email: ws2.users.owner.email, role: "owner" } }),
    ]);
  });

  it("an owner may demote themselves while another owner remains", async () => {
    const ws = await makeWorkspace("own");
    await addMember(ws, "owner", "owner2");
    const updated = await as(ws, "owner").members.changeRole({ memberId: ws.memberIds.owner, role: "viewer" });
    expect(updated.role).toBe("viewer");
    expect(await ownerCount(ws.id)).toBe(1);
  });

  it("an owner may remove another owner, and is then the last one (cannot leave or step down)", async () => {
    const ws = await makeWorkspace("own");
    const second = await addMember(ws, "owner", "owner2");
    const secondCaller = callerFor(second.user, ws.slug);
    await secondCaller.members.remove({ memberId: ws.memberIds.owner });
    expect(await roleIn(ws.id, ws.users.owner.id)).toBeNull();
    expect(await outcome(secondCaller.workspaces.leave())).toMatchObject({ ok: false, code: "CONFLICT" });
    expect(await outcome(secondCaller.members.changeRole({ memberId: second.memberId, role: "admin" }))).toMatchObject({ ok: false, code: "CONFLICT" });
    expect(await ownerCount(ws.id)).toBe(1);
  });

  it("two owners demoting each other at the same time leave exactly one owner", async () => {
    const ws = await makeWorkspace("own");
    const second = await addMember(ws, "owner", "owner2");
    const results = await Promise.all([
      outcome(as(ws, "owner").members.changeRole({ memberId: second.memberId, role: "admin" })),
      outcome(callerFor(second.user, ws.slug).members.changeRole({ memberId: ws.memberIds.owner, role: "admin" })),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    // the loser is refused either as the last owner or, if it already lost its owner role, as a non-owner
    const refused = results.find((r) => !r.ok);
    expect(["CONFLICT", "FORBIDDEN"]).toContain(refused?.ok === false && refused.code);
    expect(await ownerCount(ws.id)).toBe(1);
  });

  it("two owners leaving at the same time leave exactly one owner", async () => {
    const ws = await makeWorkspace("own");
    const second = await addMember(ws, "owner", "owner2");
    const results = await Promise.all([outcome(as(ws, "owner").workspaces.leave()), outcome(callerFor(second.user, ws.slug).workspaces.leave())]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(await ownerCount(ws.id)).toBe(1);
  });
});

describe("members: removal and leaving", () => {
  it("removing yourself is refused (leave instead)", async () => {
    const ws = await makeWorkspace("rm");
    expect(await outcome(as(ws, "admin").members.remove({ memberId: ws.memberIds.admin }))).toMatchObject({ ok: false, code: "BAD_REQUEST" });
    expect(await outcome(as(ws, "owner").members.remove({ memberId: ws.memberIds.owner }))).toMatchObject({ ok: false, code: "BAD_REQUEST" });
    expect(await roleIn(ws.id, ws.users.admin.id)).toBe("admin");
  });

  it("an admin removes a member, audited with the removed email and role", async () => {
    const ws = await makeWorkspace("rm");
    expect(await as(ws, "admin").members.remove({ memberId: ws.memberIds.member })).toEqual({ removed: true });
    expect(await roleIn(ws.id, ws.users.member.id)).toBeNull();
    expect(await auditRows(ws.id, "member.remove")).toEqual([
      expect.objectContaining({
        actorId: ws.users.admin.id,
        actorLabel: ws.users.admin.email,
        targetId: ws.memberIds.member,
        metadata: { email: ws.users.member.email, role: "member" },
      }),
    ]);
    expect(await outcome(as(ws, "admin").members.remove({ memberId: ws.memberIds.member }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
  });

  it("a viewer leaves, audited; leaving again is NOT_FOUND", async () => {
    const ws = await makeWorkspace("rm");
    await as(ws, "viewer").workspaces.leave();
    expect(await roleIn(ws.id, ws.users.viewer.id)).toBeNull();
    expect(await auditRows(ws.id, "member.leave")).toEqual([
      expect.objectContaining({ actorId: ws.users.viewer.id, targetId: ws.memberIds.viewer, metadata: { email: ws.users.viewer.email, role: "viewer" } }),
    ]);
    expect(await outcome(as(ws, "viewer").workspaces.leave())).toMatchObject({ ok: false, code: "NOT_FOUND" });
  });
});

describe("members: an API key never grants more than it holds", () => {
  it("an owner's key scoped to members:update cannot promote anyone to admin or owner, nor touch an admin", async () => {
    const ws = await makeWorkspace("keygrant");
    const narrow = await makeApiKey(ws, "owner", ["members:update", "members:read"]);
    for (const role of ["owner", "admin"]) {
      const res = await rest("PATCH", "/api/v1/members/{memberId}", { key: narrow.raw, params: { memberId: ws.memberIds.member }, body: { role } });
      expect(res.status).toBe(403);
    }
    const demoteAdmin = await rest("PATCH", "/api/v1/members/{memberId}", {
      key: narrow.raw,
      params: { memberId: ws.memberIds.admin },
      body: { role: "viewer" },
    });
    expect(demoteAdmin.status).toBe(403);
    expect(await roleIn(ws.id, ws.users.member.id)).toBe("member");
    expect(await roleIn(ws.id, ws.users.admin.id)).toBe("admin");
    // the owner's full key can
    const full = await makeApiKey(ws, "owner");
    const ok = await rest("PATCH", "/api/v1/members/{memberId}", { key: full.raw, params: { memberId: ws.memberIds.member }, body: { role: "admin" } });
    expect(ok.status).toBe(200);
    expect(ok.body.role).toBe("admin");
  });

  it("an owner's key scoped to members:invite cannot invite an owner or an admin", async () => {
    const ws = await makeWorkspace("keyinvite");
    const narrow = await makeApiKey(ws, "owner", ["members:invite"]);
    for (const role of ["owner", "admin", "viewer"]) {
      const res = await rest("POST", "/api/v1/invitations", { key: narrow.raw, body: { email: `x-${role}@example.test`, role } });
      expect(res.status).toBe(403);
    }
    expect(await db().invitation.count({ where: { workspaceId: ws.id } })).toBe(0);
  });

  it("removing a member revokes their API keys, so rejoining does not revive them", async () => {
    const ws = await makeWorkspace("keyrevive");
    const key = await makeApiKey(ws, "member");
    expect((await rest("GET", "/api/v1/me", { key: key.raw })).status).toBe(200);
    await callerFor(ws.users.admin, ws.slug).members.remove({ memberId: ws.memberIds.member });
    expect((await db().apiKey.findUnique({ where: { id: key.id } }))?.revokedAt).toBeInstanceOf(Date);
    await db().membership.create({ data: { id: newId("mem"), workspaceId: ws.id, userId: ws.users.member.id, role: "member" } });
    expect((await rest("GET", "/api/v1/me", { key: key.raw })).status).toBe(401);
  });
});
