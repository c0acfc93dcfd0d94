import { afterEach, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { setEnv } from "@/server/env";
import { newId } from "@/lib/ids";
import { signUp } from "@/server/users/service";
import { initialise } from "@/server/users/init";
import { acceptInvitation, createInvitation } from "@/server/workspaces/invitations";
import { signupPolicyNotice } from "@/server/auth/signup-policy";
import { makeWorkspace, outcome, uniq } from "@/test/helpers";
import type { TenantContext } from "@/server/context";
import { permissionsOf } from "@/lib/permissions";

const PASSWORD = "Correct-Horse-9";

afterEach(() => setEnv("CADRE_SIGNUP", ""));

describe("CADRE_SIGNUP", () => {
  it("closed: refuses a sign-up (the same answer for registered and new emails), creates nothing", async () => {
    const registered = `reg-${uniq()}@example.test`;
    await signUp({ name: "Reg", email: registered, password: PASSWORD });
    setEnv("CADRE_SIGNUP", "closed");
    expect(signupPolicyNotice()).toContain("invitation only");
    const fresh = `fresh-${uniq()}@example.test`;
    const a = await outcome(signUp({ name: "Fresh", email: fresh, password: PASSWORD }));
    const b = await outcome(signUp({ name: "Reg", email: registered, password: PASSWORD }));
    expect(a).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(b).toEqual(a);
    expect(await db().user.findUnique({ where: { email: fresh } })).toBeNull();
  });

  it("closed: an invited email may sign up and accept its invitation; headless init still works", async () => {
    const ws = await makeWorkspace("closed");
    const ctx: TenantContext = {
      workspaceId: ws.id,
      workspaceSlug: ws.slug,
      role: "owner",
      permissions: new Set(permissionsOf("owner")),
      actor: { type: "user", userId: ws.users.owner.id, email: ws.users.owner.email },
    };
    setEnv("CADRE_SIGNUP", "closed");
    const invitee = `invitee-${uniq()}@example.test`;
    const { token } = await createInvitation(ctx, { email: invitee, role: "member", expiresInDays: 7 }, { origin: "http://localhost:3000" });
    expect(await signUp({ name: "Invitee", email: invitee, password: PASSWORD })).toEqual({ checkEmail: false });
    const user = await db().user.findUniqueOrThrow({ where: { email: invitee } });
    expect(await acceptInvitation(user, token)).toMatchObject({ role: "member" });
    // the invitation is used: the exception is gone for the next sign-up of that address's neighbours
    expect(await outcome(signUp({ name: "Other", email: `other-${uniq()}@example.test`, password: PASSWORD }))).toMatchObject({ ok: false, code: "FORBIDDEN" });

    const spec = {
      email: `init-${uniq()}@example.test`,
      password: PASSWORD,
      workspaceSlug: `init-${uniq()}`,
      apiKey: `cadre_init_${uniq()}${uniq()}${uniq()}${uniq()}`,
    };
    expect(await initialise(spec)).toMatchObject({ createdUser: true, createdWorkspace: true, createdKey: true });
    expect((await db().user.findUniqueOrThrow({ where: { email: spec.email } })).emailVerified).toBeInstanceOf(Date);
  });

  it("domains: admits exactly the listed domains (any case), refuses others and subdomains", async () => {
    setEnv("CADRE_SIGNUP", "domains:Example.org, @other.test");
    expect(await signUp({ name: "In", email: `in-${uniq()}@EXAMPLE.org`, password: PASSWORD })).toEqual({ checkEmail: false });
    expect(await signUp({ name: "In2", email: `in-${uniq()}@other.test`, password: PASSWORD })).toEqual({ checkEmail: false });
    expect(await outcome(signUp({ name: "Out", email: `out-${uniq()}@evil.test`, password: PASSWORD }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await outcome(signUp({ name: "Sub", email: `sub-${uniq()}@mail.example.org`, password: PASSWORD }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
    // an expired invitation does not count
    const ws = await db().workspace.create({ data: { id: newId("ws"), slug: `exp-${uniq()}`, name: "Expired" } });
    const inviter = await db().user.create({ data: { id: newId("usr"), email: `inviter-${uniq()}@example.org`, name: "Inviter" } });
    const late = `late-${uniq()}@evil.test`;
    await db().invitation.create({
      data: {
        id: newId("inv"),
        workspaceId: ws.id,
        email: late,
        role: "member",
        tokenHash: uniq() + uniq(),
        invitedById: inviter.id,
        expiresAt: new Date(Date.now() - 1000),
      },
    });
    expect(await outcome(signUp({ name: "Late", email: late, password: PASSWORD }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
  });

  it("refuses a malformed policy at start-up", () => {
    setEnv("CADRE_SIGNUP", "domains:");
    expect(() => signupPolicyNotice()).toThrow(/CADRE_SIGNUP/);
    setEnv("CADRE_SIGNUP", "sometimes");
    expect(() => signupPolicyNotice()).toThrow(/CADRE_SIGNUP/);
  });
});
