import { afterEach, describe, expect, it } from "vitest";
import { testDb } from "@/test/db";
import { appErrorOf, callerFor, orgCallerFor, rest, makeApiKey, makeUser, makeWorkspace, uniq } from "@/test/helpers";
import { makeOrg } from "@/test/fixtures/orgs";
import { attachWorkspace, createOrganization, createOrgWorkspace, detachWorkspace, listMyOrganizations, updateOrgPolicy } from "./service";
import { addDomain, confirmDomainAsOperator, setTxtResolverForTests, verifyDomain } from "./domains";
import { listOrgPeople, removeFromOrganization, setOrgRole } from "./people";
import { applyGroupRoles, setGroupRoles } from "./group-roles";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { createInvitation } from "@/server/workspaces/invitations";
import { verifySession } from "@/server/auth/sessions";
import { setEnv } from "@/server/env";
import { organizationForEmail, signInMethodRefusal } from "@/server/auth/org-policy";
import { mfaRequiringOrganization } from "@/server/auth/mfa-policy";
import { parseArgs, runCadre } from "@/scripts/cadre";

afterEach(() => {
  setTxtResolverForTests(null);
  setEnv("CADRE_TRUSTED_PROXIES", "");
});

const orgCaller = orgCallerFor;

const auditOf = (organizationId: string, action: string) => testDb().organizationAuditLog.findMany({ where: { organizationId, action } });

describe("organisations", () => {
  it("a person creates an organisation and owns it; a taken slug is a conflict", async () => {
    const user = await makeUser("founder");
    const slug = `acme-${uniq()}`;
    const org = await createOrganization(user, { name: "Acme", slug });
    expect(org).toMatchObject({ slug, role: "owner", policy: { ssoEnforced: false, mfaRequired: false, workspaceCreation: "admins" } });
    expect(await listMyOrganizations(user.id)).toEqual([{ id: org.id, slug, name: "Acme", role: "owner" }]);
    expect((await appErrorOf(createOrganization(await makeUser("other"), { name: "Acme 2", slug }))).code).toBe("CONFLICT");
    expect(await auditOf(org.id, "org.create")).toHaveLength(1);
  });

  it("only owners and admins change the policy; the change is audited with what changed; bad entries are named", async () => {
    const org = await makeOrg("policy");
    setEnv("CADRE_TRUSTED_PROXIES", "");
    expect((await appErrorOf(updateOrgPolicy(org.ctx("admin"), { apiIpAllowlist: ["203.0.113.7"] }))).message).toMatch(/CADRE_TRUSTED_PROXIES/);
    setEnv("CADRE_TRUSTED_PROXIES", "127.0.0.1/32");
    expect((await appErrorOf(updateOrgPolicy(org.ctx("member"), { mfaRequired: true }))).code).toBe("FORBIDDEN");
    const updated = await updateOrgPolicy(org.ctx("admin"), { mfaRequired: true, apiIpAllowlist: ["203.0.113.7", "2001:db8::/32"], sessionMaxAgeMinutes: 60 });
    expect(updated.policy).toMatchObject({ mfaRequired: true, apiIpAllowlist: ["203.0.113.7/32", "2001:db8::/32"], sessionMaxAgeMinutes: 60 });
    const [entry] = await auditOf(org.id, "org.update_policy");
    expect(Object.keys((entry!.metadata as { changed: object }).changed).sort()).toEqual(["apiIpAllowlist", "mfaRequired", "sessionMaxAgeMinutes"]);
    const bad = await appErrorOf(updateOrgPolicy(org.ctx("admin"), { apiIpAllowlist: ["10.0.0.0/8", "300.1.1.1"] }));
    expect(bad).toMatchObject({ code: "VALIDATION_FAILED", details: { issues: [{ path: "apiIpAllowlist.1" }] } });
    const forced = await appErrorOf(updateOrgPolicy(org.ctx("owner"), { ssoEnforced: true, allowedSignInMethods: ["password"] }));
    expect(forced.code).toBe("VALIDATION_FAILED");
    // nothing of the refused changes was written
    expect((await testDb().organization.findUniqueOrThrow({ where: { id: org.id } })).apiIpAllowlist).toEqual(["203.0.113.7/32", "2001:db8::/32"]);
  });

  it("a domain is verified by its TXT record or by an operator, and only one organisation can hold it verified", async () => {
    const a = await makeOrg("dom-a");
    const b = await makeOrg("dom-b");
    const domain = `corp-${uniq()}.example`;
    const claimA = await addDomain(a.ctx("admin"), { domain: domain.toUpperCase() });
    expect(claimA).toMatchObject({ domain, verified: false, txtRecordName: `_cadre-verification.${domain}` });
    setTxtResolverForTests(async () => [["v=spf1 -all"]]);
    expect((await appErrorOf(verifyDomain(a.ctx("admin"), claimA.id))).code).toBe("VALIDATION_FAILED");
    const asked: string[] = [];
    setTxtResolverForTests(async (name) => {
      asked.push(name);
      return [["v=spf1 -all"], [claimA.txtRecordValue.slice(0, 10), claimA.txtRecordValue.slice(10)]];
    });
    expect(await verifyDomain(a.ctx("admin"), claimA.id)).toMatchObject({ verified: true, verifiedBy: "dns" });
    expect(asked).toEqual([`_cadre-verification.${domain}`]);
    expect(await organizationForEmail(`Someone@${domain.toUpperCase()}`)).toMatchObject({ id: a.id });
    // B may claim it, but not verify it while A holds it
    await addDomain(b.ctx("owner"), { domain });
    expect((await appErrorOf(confirmDomainAsOperator(b.slug, domain))).code).toBe("CONFLICT");
    // another organisation's domain id is not found
    expect((await appErrorOf(verifyDomain(b.ctx("owner"), claimA.id))).code).toBe("NOT_FOUND");
    const other = `other-${uniq()}.example`;
    await addDomain(b.ctx("owner"), { domain: other });
    expect(await confirmDomainAsOperator(b.slug, other)).toMatchObject({ verified: true, verifiedBy: "operator" });
  });

  it("forced SSO refuses other methods for people on the domain; an organisation's allowed methods bind its members", async () => {
    const org = await makeOrg("forced");
    const domain = `forced-${uniq()}.example`;
    await addDomain(org.ctx("owner"), { domain });
    await confirmDomainAsOperator(org.slug, domain);
    expect(await signInMethodRefusal(null, `new@${domain}`, "password")).toBeNull();
    await updateOrgPolicy(org.ctx("owner"), { ssoEnforced: true });
    expect(await signInMethodRefusal(null, `new@${domain}`, "password")).toMatch(/single sign-on/);
    expect(await signInMethodRefusal(null, `new@${domain}`, "sso")).toBeNull();
    await updateOrgPolicy(org.ctx("owner"), { ssoEnforced: false, allowedSignInMethods: ["password", "sso"] });
    expect(await signInMethodRefusal(org.users.member, org.users.member.email, "github")).toMatch(/does not allow signing in with github/);
    expect(await signInMethodRefusal(org.users.member, org.users.member.email, "password")).toBeNull();
  });

  it("a workspace joins an organisation when its owner is an org admin, and leaves it again", async () => {
    const org = await makeOrg("attach");
    const ws = await makeWorkspace("joining");
    await testDb().membership.create({ data: { id: `mem_${uniq()}x`, workspaceId: ws.id, userId: org.users.admin.id, role: "owner" } });
    const tenantOf = (userId: string, email: string) => resolveUserTenant({ id: userId, email }, ws.slug);
    // the org's member may not, the workspace's admin may not
    expect((await appErrorOf(attachWorkspace(org.ctx("member"), await tenantOf(ws.users.owner.id, ws.users.owner.email)))).code).toBe("FORBIDDEN");
    await testDb().organizationMember.create({ data: { organizationId: org.id, userId: ws.users.admin.id, role: "admin" } });
    expect((await appErrorOf(attachWorkspace(org.ctx("admin"), await tenantOf(ws.users.admin.id, ws.users.admin.email)))).code).toBe("FORBIDDEN");
    await attachWorkspace(org.ctx("admin"), await tenantOf(org.users.admin.id, org.users.admin.email));
    expect((await testDb().workspace.findUniqueOrThrow({ where: { id: ws.id } })).organizationId).toBe(org.id);
    const other = await makeOrg("attach-other");
    await testDb().organizationMember.create({ data: { organizationId: other.id, userId: org.users.admin.id, role: "owner" } });
    const otherCtx = { ...other.ctx("owner"), actor: { type: "user" as const, userId: org.users.admin.id, email: org.users.admin.email } };
    expect((await appErrorOf(attachWorkspace(otherCtx, await tenantOf(org.users.admin.id, org.users.admin.email)))).code).toBe("CONFLICT");
    await detachWorkspace(org.ctx("owner"), ws.slug);
    expect((await testDb().workspace.findUniqueOrThrow({ where: { id: ws.id } })).organizationId).toBeNull();
    expect(await auditOf(org.id, "org.workspace_detach")).toHaveLength(1);
  });

  it("who may create a workspace in the organisation follows its policy", async () => {
    const org = await makeOrg("create-ws");
    const input = () => ({ name: "Team space", slug: `team-${uniq()}` });
    expect((await appErrorOf(createOrgWorkspace(org.ctx("member"), org.users.member, input()))).code).toBe("FORBIDDEN");
    await updateOrgPolicy(org.ctx("admin"), { workspaceCreation: "members" });
    const ws = await createOrgWorkspace(org.ctx("member"), org.users.member, input());
    expect((await testDb().workspace.findUniqueOrThrow({ where: { id: ws.id } })).organizationId).toBe(org.id);
  });

  it("lists people across its workspaces and removes a person from all of them at once (their keys die there, elsewhere not)", async () => {
    const org = await makeOrg("people");
    const second = await createOrgWorkspace(org.ctx("owner"), org.users.owner, { name: "Second", slug: `second-${uniq()}` });
    const person = org.ws.users.member;
    await testDb().membership.create({ data: { id: `mem_${uniq()}y`, workspaceId: second.id, userId: person.id, role: "viewer" } });
    const outside = await makeWorkspace("outside");
    await testDb().membership.create({ data: { id: `mem_${uniq()}z`, workspaceId: outside.id, userId: person.id, role: "member" } });
    const keyIn = await makeApiKey(org.ws, "member");
    const listed = (await listOrgPeople(org.ctx("admin"))).find((p) => p.userId === person.id);
    expect(listed?.workspaces.map((w) => [w.slug, w.role]).sort()).toEqual(
      [
        [org.ws.slug, "member"],
        [second.slug, "viewer"],
      ].sort(),
    );
    expect((await appErrorOf(listOrgPeople(org.ctx("member")))).code).toBe("FORBIDDEN");
    const result = await removeFromOrganization(org.ctx("admin"), person.id, org.users.admin);
    expect(result.workspaces.sort()).toEqual([org.ws.slug, second.slug].sort());
    expect(await testDb().membership.count({ where: { userId: person.id, workspaceId: { in: [org.ws.id, second.id] } } })).toBe(0);
    expect(await testDb().membership.count({ where: { userId: person.id, workspaceId: outside.id } })).toBe(1);
    expect((await testDb().apiKey.findUniqueOrThrow({ where: { id: keyIn.id } })).revokedAt).not.toBeNull();
    expect((await testDb().auditLog.findMany({ where: { workspaceId: org.ws.id, action: "member.remove" } }))[0]?.metadata).toMatchObject({ via: "org_admin" });
    // the last owner of a workspace is refused, and nothing is removed
    const lone = await makeUser("lone-owner");
    const solo = await createOrgWorkspace(org.ctx("owner"), org.users.owner, { name: "Solo", slug: `solo-${uniq()}` });
    await testDb().membership.updateMany({ where: { workspaceId: solo.id }, data: { userId: lone.id } });
    await testDb().membership.create({ data: { id: `mem_${uniq()}w`, workspaceId: org.ws.id, userId: lone.id, role: "viewer" } });
    expect((await appErrorOf(removeFromOrganization(org.ctx("admin"), lone.id, org.users.admin))).code).toBe("CONFLICT");
    expect(await testDb().membership.count({ where: { userId: lone.id } })).toBe(2);
  });

  it("org roles: only owners grant owner, and the last owner stays", async () => {
    const org = await makeOrg("roles");
    expect((await appErrorOf(setOrgRole(org.ctx("admin"), org.users.member.id, "owner"))).code).toBe("FORBIDDEN");
    expect(await setOrgRole(org.ctx("admin"), org.users.member.id, "admin")).toEqual({ userId: org.users.member.id, role: "admin" });
    expect((await appErrorOf(setOrgRole(org.ctx("owner"), org.users.owner.id, "admin"))).code).toBe("CONFLICT");
    expect((await appErrorOf(setOrgRole(org.ctx("owner"), (await makeUser("stranger")).id, "member"))).code).toBe("NOT_FOUND");
  });

  it("groups map to workspace roles: the highest wins, a lost group removes the membership, an owner is never touched", async () => {
    const org = await makeOrg("groups");
    const second = await createOrgWorkspace(org.ctx("owner"), org.users.owner, { name: "Second", slug: `g2-${uniq()}` });
    await setGroupRoles(org.ctx("admin"), {
      mappings: [
        { group: "eng", workspace: org.ws.slug, role: "member" },
        { group: "leads", workspace: org.ws.slug, role: "admin" },
        { group: "eng", workspace: second.slug, role: "viewer" },
      ],
    });
    const person = await makeUser("grouped");
    const actor = { userId: person.id, email: person.email };
    await applyGroupRoles(org.id, person.id, ["eng", "leads"], actor, "sso");
    const roles = async () => Object.fromEntries((await testDb().membership.findMany({ where: { userId: person.id } })).map((m) => [m.workspaceId, m.role]));
    expect(await roles()).toEqual({ [org.ws.id]: "admin", [second.id]: "viewer" });
    await applyGroupRoles(org.id, person.id, ["eng"], actor, "sso");
    expect(await roles()).toEqual({ [org.ws.id]: "member", [second.id]: "viewer" });
    await applyGroupRoles(org.id, person.id, [], actor, "scim");
    expect(await roles()).toEqual({});
    // the organisation's owner owns the workspace: groups never demote them
    await applyGroupRoles(org.id, org.users.owner.id, [], actor, "sso");
    expect(await testDb().membership.findFirst({ where: { workspaceId: org.ws.id, userId: org.users.owner.id } })).toMatchObject({ role: "owner" });
    const foreign = await makeWorkspace("foreign");
    expect((await appErrorOf(setGroupRoles(org.ctx("admin"), { mappings: [{ group: "eng", workspace: foreign.slug, role: "member" }] }))).code).toBe(
      "VALIDATION_FAILED",
    );
    expect((await appErrorOf(setGroupRoles(org.ctx("admin"), { mappings: [{ group: "eng", workspace: org.ws.slug, role: "owner" }] }))).code).toBe(
      "VALIDATION_FAILED",
    );
  });

  it("another organisation's admin gets 404 for everything of this one", async () => {
    const a = await makeOrg("x-a");
    const b = await makeOrg("x-b");
    const asB = orgCaller(b.users.owner, a.slug);
    for (const call of [
      () => asB.orgs.get(),
      () => asB.orgs.people(),
      () => asB.orgs.domains(),
      () => asB.orgs.updatePolicy({ mfaRequired: true }),
      () => asB.orgs.audit(),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: "NOT_FOUND" });
    }
    expect((await orgCaller(a.users.admin, a.slug).orgs.get()).id).toBe(a.id);
  });
});

describe("organisation policy in its workspaces", () => {
  it("a required second factor keeps a person without one out of the organisation's workspaces only", async () => {
    const org = await makeOrg("mfa-policy");
    const outside = await makeWorkspace("mfa-outside");
    const person = org.ws.users.member;
    await testDb().membership.create({ data: { id: `mem_${uniq()}m`, workspaceId: outside.id, userId: person.id, role: "member" } });
    await updateOrgPolicy(org.ctx("owner"), { mfaRequired: true });
    await expect(callerFor(person, org.ws.slug).agents.list()).rejects.toMatchObject({ cause: { code: "MFA_ENROLMENT_REQUIRED" } });
    await expect(callerFor(person, outside.slug).agents.list()).resolves.toBeDefined();
    expect(await mfaRequiringOrganization(person.id)).toBe(`Org mfa-policy`);
    await updateOrgPolicy(org.ctx("owner"), { mfaRequired: false });
    await expect(callerFor(person, org.ws.slug).agents.list()).resolves.toBeDefined();
  });

  it("organisation policy changes need a recent authentication of the session", async () => {
    const org = await makeOrg("stepup");
    // with a password to step up with (without one, REAUTHENTICATION_REQUIRED: server/auth/step-up.test.ts)
    await testDb().user.update({ where: { id: org.users.admin.id }, data: { passwordHash: "set" } });
    const stale = {
      ...org.users.admin,
      session: { userId: org.users.admin.id, sessionId: `s-${uniq()}`, version: 0, signedInAt: Math.floor(Date.now() / 1000) - 3600 },
    };
    await expect(orgCallerFor(stale, org.slug).orgs.updatePolicy({ mfaRequired: true })).rejects.toMatchObject({ cause: { code: "STEP_UP_REQUIRED" } });
    await expect(orgCallerFor(stale, org.slug).orgs.get()).resolves.toMatchObject({ id: org.id });
    // a member is told FORBIDDEN, not asked to re-authenticate
    const staleMember = { ...org.users.member, session: { ...stale.session, userId: org.users.member.id } };
    await expect(orgCallerFor(staleMember, org.slug).orgs.updatePolicy({ mfaRequired: true })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});

describe("organisation policy at the API and in sessions", () => {
  it("API keys of its workspaces work only from the allowed addresses (REST: the address through a trusted proxy)", async () => {
    setEnv("CADRE_TRUSTED_PROXIES", "127.0.0.1/32");
    const org = await makeOrg("ip");
    const key = await makeApiKey(org.ws, "admin");
    const from = (address: string) => rest("GET", "/api/v1/agents", { key: key.raw, headers: { "x-forwarded-for": address } });
    expect((await from("198.51.100.9")).status).toBe(200);
    await updateOrgPolicy(org.ctx("admin"), { apiIpAllowlist: ["203.0.113.0/24", "2001:db8::/32"] });
    expect((await from("203.0.113.20")).status).toBe(200);
    expect((await from("::ffff:203.0.113.21")).status).toBe(200);
    expect((await from("2001:db8::5")).status).toBe(200);
    const refused = await from("198.51.100.9");
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/allowed addresses/);
    // an address the server cannot place is outside the list
    expect((await rest("GET", "/api/v1/agents", { key: key.raw })).status).toBe(403);
    // a workspace outside the organisation is not bound by it
    const outside = await makeWorkspace("ip-outside");
    expect(
      (await rest("GET", "/api/v1/agents", { key: (await makeApiKey(outside, "admin")).raw, headers: { "x-forwarded-for": "198.51.100.9" } })).status,
    ).toBe(200);
  });

  it("invitations to its workspaces go only to the allowed email domains", async () => {
    const org = await makeOrg("inv");
    await updateOrgPolicy(org.ctx("admin"), { invitationDomains: ["corp.example"] });
    const ctx = await resolveUserTenant(org.ws.users.owner, org.ws.slug);
    const refused = await appErrorOf(createInvitation(ctx, { email: `guest-${uniq()}@gmail.example`, role: "member" }, { origin: "http://localhost:3000" }));
    expect(refused).toMatchObject({ code: "VALIDATION_FAILED", details: { issues: [{ path: "email" }] } });
    await expect(createInvitation(ctx, { email: `new-${uniq()}@corp.example`, role: "member" }, { origin: "http://localhost:3000" })).resolves.toBeDefined();
  });

  it("its session lifetime ends its members' sessions earlier; others keep the server's lifetime", async () => {
    const org = await makeOrg("lifetime");
    const claims = (userId: string, minutesAgo: number) => ({
      userId,
      sessionId: `s-${uniq()}`,
      version: 0,
      signedInAt: Math.floor(Date.now() / 1000) - minutesAgo * 60,
    });
    expect(await verifySession(claims(org.users.member.id, 90))).not.toBeNull();
    await updateOrgPolicy(org.ctx("admin"), { sessionMaxAgeMinutes: 60 });
    expect(await verifySession(claims(org.users.member.id, 90))).toBeNull();
    expect(await verifySession(claims(org.users.member.id, 30))).not.toBeNull();
    const outsider = await makeUser("lifetime-outsider");
    expect(await verifySession(claims(outsider.id, 90))).not.toBeNull();
    // the workspace path checks the same
    await expect(resolveUserTenant({ ...org.users.owner, session: claims(org.users.owner.id, 90) }, org.ws.slug)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("the operator's command line", () => {
  it("orgs verify-domain confirms a claimed domain; an unclaimed one or another organisation's slug is refused", async () => {
    const org = await makeOrg("cli");
    const domain = `cli-${uniq()}.example`;
    await addDomain(org.ctx("admin"), { domain });
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
    expect(await runCadre(["orgs", "verify-domain", org.slug, `other-${uniq()}.example`], io)).toBe(1);
    expect(await runCadre(["orgs", "verify-domain", `nope-${uniq()}`, domain], io)).toBe(1);
    expect(await runCadre(["orgs", "verify-domain", org.slug, domain], io)).toBe(0);
    expect(lines.join("\n")).toContain(`${domain} is verified`);
    expect(await testDb().organizationDomain.findFirst({ where: { organizationId: org.id, domain } })).toMatchObject({ verifiedBy: "operator" });
    expect(await testDb().organizationAuditLog.findFirst({ where: { organizationId: org.id, action: "org.domain_verify" } })).toMatchObject({
      actorType: "operator",
    });
    expect(() => parseArgs(["orgs", "verify-domain", org.slug])).toThrow(/needs the organisation's slug and the domain/);
  });
});
