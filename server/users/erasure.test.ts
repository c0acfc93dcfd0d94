/**
 * A person's export and deletion of their own account: the export holds their profile, memberships and authored
 * rows (never another person's, never a password hash or a secret's value); deletion is refused while they are the
 * last owner of a workspace with other members, and otherwise leaves the workspaces' rows anonymised, deletes the
 * workspaces they were alone in (soft, purged at the next purge), and is audited.
 */
import { describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { newId } from "@/lib/ids";
import { addMember, auditRows, callerFor, makeWorkspace, outcome, uniq } from "@/test/helpers";
import { createSecret } from "@/server/vault/service";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { runRetentionPurge } from "@/server/retention/purge";
import { DELETED_USER_LABEL } from "./erasure";

async function authoredRun(workspaceId: string, userId: string, input: string) {
  const id = newId("run");
  await db().run.create({
    data: { id, workspaceId, targetType: "agent", input, status: "succeeded", createdByType: "user", createdById: userId, finishedAt: new Date() },
  });
  return id;
}

describe("account export", () => {
  it("holds the person's profile, memberships and authored rows, and nothing of anyone else", async () => {
    const ws = await makeWorkspace("exp");
    const me = ws.users.member;
    const mine = await authoredRun(ws.id, me.id, `my own input ${uniq()}`);
    const theirs = await authoredRun(ws.id, ws.users.owner.id, "someone else's input");
    // a secret I created (as an admin): its name is mine to see, never its value
    await db().membership.update({ where: { id: ws.memberIds.member }, data: { role: "admin" } });
    const secretName = `mine-${uniq()}`;
    await createSecret(await resolveUserTenant(me, ws.slug), { name: secretName, value: "super-secret-value-1234" });

    const doc = await callerFor(me).account.export();
    expect(doc.format).toBe("cadre.account-export.v1");
    expect(doc.profile).toMatchObject({ id: me.id, email: me.email });
    expect(doc.workspaces).toHaveLength(1);
    expect(doc.workspaces[0]!).toMatchObject({ workspace: { id: ws.id, slug: ws.slug }, role: "admin" });
    expect(doc.workspaces[0]!.secrets.map((x) => x.name)).toEqual([secretName]);
    expect(doc.workspaces[0]!.runs.map((r) => r.id)).toEqual([mine]);
    const text = JSON.stringify(doc);
    expect(text).not.toContain(theirs);
    expect(text).not.toContain("someone else's input");
    expect(text).not.toContain("super-secret-value-1234");
    expect(text).not.toContain("passwordHash");
    expect(await outcome(callerFor(null).account.export())).toMatchObject({ ok: false, code: "UNAUTHORIZED" });
  });
});

describe("account deletion", () => {
  it("is refused for the last owner of a workspace with other members, naming it", async () => {
    const ws = await makeWorkspace("del-last");
    const owner = ws.users.owner;
    const refused = await outcome(callerFor(owner).account.delete({ confirmEmail: owner.email }));
    expect(refused).toMatchObject({ ok: false, code: "CONFLICT" });
    expect((refused as { message: string }).message).toContain(ws.slug);
    expect((refused as { message: string }).message).toMatch(/last owner/);
    expect(await db().user.findUnique({ where: { id: owner.id } })).not.toBeNull();
    // a wrong confirmation
    expect(await outcome(callerFor(ws.users.member).account.delete({ confirmEmail: "someone@example.test" }))).toMatchObject({
      ok: false,
      code: "BAD_REQUEST",
    });
  });

  it("anonymises the person's rows where workspaces keep them, deletes the workspaces they were alone in, and is audited", async () => {
    const shared = await makeWorkspace("del-shared");
    const me = shared.users.owner;
    // another owner: I am no longer the last one
    const { user: coOwner } = await addMember(shared, "owner", "co");
    const run = await authoredRun(shared.id, me.id, "kept input");
    await db()
      .agent.create({ data: { id: `agt_${uniq()}aaaa`, workspaceId: shared.id, slug: `a-${uniq()}`, name: "a" } })
      .then((agent) =>
        db().agentVersion.create({
          data: { id: newId("agv"), workspaceId: shared.id, agentId: agent.id, version: 1, name: "a", modelPolicy: {}, createdById: me.id },
        }),
      );
    await db().auditLog.create({
      data: { id: newId("aud"), workspaceId: shared.id, actorType: "user", actorId: me.id, actorLabel: me.email, action: "agent.create", targetType: "agent" },
    });
    await db().auditLog.create({
      data: {
        id: newId("aud"),
        workspaceId: shared.id,
        actorType: "user",
        actorId: coOwner.id,
        actorLabel: coOwner.email,
        action: "invitation.create",
        targetType: "invitation",
        metadata: { email: me.email },
      },
    });
    await db().authEvent.create({ data: { id: newId("aev"), action: "auth.sign_in", userId: me.id, email: me.email } });
    // a workspace where I am the only member
    const alone = await callerFor(me).workspaces.create({ name: "Mine alone", slug: `alone-${uniq()}` });

    const result = await callerFor(me).account.delete({ confirmEmail: me.email.toUpperCase() });
    expect(result).toEqual({ deleted: true, workspacesDeleted: [alone.slug] });

    expect(await db().user.findUnique({ where: { id: me.id } })).toBeNull();
    expect(await db().membership.count({ where: { userId: me.id } })).toBe(0);
    // the shared workspace keeps the run, without its author
    expect(await db().run.findUniqueOrThrow({ where: { id: run } })).toMatchObject({ input: "kept input", createdById: null });
    expect(await db().agentVersion.count({ where: { createdById: me.id } })).toBe(0);
    const trail = await db().auditLog.findMany({ where: { workspaceId: shared.id } });
    expect(JSON.stringify(trail)).not.toContain(me.email);
    expect(JSON.stringify(trail)).not.toContain(me.id);
    expect(trail.find((e) => e.action === "agent.create")).toMatchObject({ actorId: null, actorLabel: DELETED_USER_LABEL });
    expect(trail.find((e) => e.action === "user.delete")).toMatchObject({ actorLabel: DELETED_USER_LABEL });
    expect(await db().authEvent.count({ where: { OR: [{ userId: me.id }, { email: me.email }] } })).toBe(0);
    expect(await db().authEvent.count({ where: { action: "auth.account_delete" } })).toBeGreaterThanOrEqual(1);
    // the co-owner still works in the shared workspace
    expect((await callerFor(coOwner, shared.slug).workspaces.current()).id).toBe(shared.id);

    // the workspace I was alone in is deleted and goes at the next purge
    const gone = await db().workspace.findUniqueOrThrow({ where: { id: alone.id } });
    expect(gone.deletedAt).not.toBeNull();
    await runRetentionPurge();
    expect(await db().workspace.findUnique({ where: { id: alone.id } })).toBeNull();
    expect((await auditRows(alone.id)).map((e) => e.action)).toContain("workspace.purge");
  });
});
