import { describe, expect, it } from "vitest";
import { permissionsOf } from "@/lib/permissions";
import { callerFor, makeApiKey, makeUser, makeWorkspace, outcome, rest, tick, uniq } from "@/test/helpers";

/** A workspace made through the app, with one change of each kind, a few ms apart so the order is defined. */
async function busyWorkspace() {
  const owner = await makeUser("auditor");
  const slug = `audit-${uniq()}`;
  const ws = await callerFor(owner).workspaces.create({ name: "Audited", slug });
  const caller = callerFor(owner, slug);
  await tick();
  await caller.workspaces.update({ name: "Audited 2" });
  await tick();
  const invitee = await makeUser("joiner");
  const { url } = await caller.invitations.create({ email: invitee.email, role: "member" });
  await tick();
  await callerFor(invitee).invitations.accept({ token: url.split("/invite/")[1]! });
  await tick();
  const members = (await caller.members.list()).items;
  const joinerId = members.find((m) => m.userId === invitee.id)!.id;
  await caller.members.changeRole({ memberId: joinerId, role: "admin" });
  await tick();
  // a key may only invite with a role whose powers it holds itself, so this one holds the viewer's reads too
  const key = await caller.apiKeys.create({ name: "robot", scopes: [...permissionsOf("viewer"), "audit:read", "members:invite"] });
  await tick();
  await rest("POST", "/api/v1/invitations", { key: key.key, body: { email: `bot-${slug}@example.test`, role: "viewer" } });
  await tick();
  await caller.apiKeys.revoke({ keyId: key.id });
  const expected = [
    ["api_key.revoke", owner.email],
    ["invitation.create", 'API key "robot"'],
    ["api_key.create", owner.email],
    ["member.role_change", owner.email],
    ["invitation.accept", invitee.email],
    ["invitation.create", owner.email],
    ["workspace.update", owner.email],
    ["workspace.create", owner.email],
  ];
  return { ws, slug, owner, invitee, joinerId, caller, expected };
}

describe("audit log", () => {
  it("lists workspace, membership, invitation and key changes with their actor, newest first", async () => {
    const { caller, expected, owner, joinerId, ws } = await busyWorkspace();
    const page = await caller.audit.list({});
    expect(page.items.map((e) => [e.action, e.actorLabel])).toEqual(expected);
    expect(page.nextCursor).toBeNull();
    for (let i = 1; i < page.items.length; i++) expect(page.items[i - 1]!.createdAt.getTime()).toBeGreaterThan(page.items[i]!.createdAt.getTime());

    expect(page.items.find((e) => e.action === "workspace.create")).toMatchObject({
      actorType: "user",
      actorId: owner.id,
      targetType: "workspace",
      targetId: ws.id,
      metadata: { name: "Audited" },
    });
    expect(page.items.find((e) => e.action === "member.role_change")).toMatchObject({ targetId: joinerId, metadata: { from: "member", to: "admin" } });
    expect(page.items.find((e) => e.action === "invitation.create" && e.actorType === "api_key")?.actorId).toMatch(/^key_/);
    expect(page.items.every((e) => typeof e.requestId === "string" && e.requestId.length > 0)).toBe(true);
  });

  it("pages through with nextCursor without gaps or repeats", async () => {
    const { caller, expected } = await busyWorkspace();
    const seen: string[] = [];
    const actions: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await caller.audit.list({ limit: 3, cursor });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((e) => e.id));
      actions.push(...page.items.map((e) => e.action));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(seen.length);
    expect(actions).toEqual(expected.map(([a]) => a));
  });

  it("filters by action prefix", async () => {
    const { caller } = await busyWorkspace();
    const invitations = await caller.audit.list({ action: "invitation." });
    expect(invitations.items.map((e) => e.action)).toEqual(["invitation.create", "invitation.accept", "invitation.create"]);
  });

  it("is served over REST with the same order and paging", async () => {
    const { caller, expected } = await busyWorkspace();
    const key = await caller.apiKeys.create({ name: "reader", scopes: ["audit:read"] });
    const first = await rest("GET", "/api/v1/audit", { key: key.key, query: { limit: "4" } });
    expect(first.status).toBe(200);
    expect(first.body.data.map((e: { action: string }) => e.action)).toEqual(["api_key.create", ...expected.slice(0, 3).map(([a]) => a)]);
    expect(first.body.data[0]).not.toHaveProperty("workspaceId");
    const second = await rest("GET", "/api/v1/audit", { key: key.key, query: { limit: "4", cursor: first.body.nextCursor } });
    expect(second.body.data.map((e: { action: string }) => e.action)).toEqual(expected.slice(3, 7).map(([a]) => a));
  });

  it("is refused to members and viewers, open to admins and owners", async () => {
    const ws = await makeWorkspace("audit");
    for (const role of ["member", "viewer"] as const) {
      expect(await outcome(callerFor(ws.users[role], ws.slug).audit.list({}))).toMatchObject({ ok: false, code: "FORBIDDEN" });
      const key = await makeApiKey(ws, role, ["audit:read"]);
      expect((await rest("GET", "/api/v1/audit", { key: key.raw })).status).toBe(403);
    }
    for (const role of ["admin", "owner"] as const) {
      expect(await outcome(callerFor(ws.users[role], ws.slug).audit.list({}))).toMatchObject({ ok: true });
    }
  });
});
