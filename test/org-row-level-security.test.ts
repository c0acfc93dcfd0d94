/**
 * Row-level security of organisations (prisma/migrations/20261218_100_organizations): every organisation table is
 * keyed on app.organization_id; one organisation's scope sees none of another's rows and cannot write them; a person
 * reads only the organisations they belong to; a workspace reads only its own organisation; an organisation lists
 * its workspaces but reads none of their content.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { db, NO_TENANT, orgScope, userScope } from "@/server/db/client";
import { execute } from "@/server/db/execute";
import { sql } from "@/server/db/sql";
import { testDb } from "@/test/db";
import { makeOrg, type TestOrg } from "@/test/fixtures/orgs";
import { addDomain } from "@/server/orgs/domains";
import { updateOrgPolicy } from "@/server/orgs/service";
import { setGroupRoles } from "@/server/orgs/group-roles";
import { newId } from "@/lib/ids";
import { createOrgToken } from "@/server/scim/tokens";
import { scim } from "@/test/fixtures/scim";
import { upsertSsoConnection } from "@/server/sso/connection";
import { ssoConnectionInputSchema } from "@/lib/schemas/sso";

let a: TestOrg;
let b: TestOrg;

async function orgTables(): Promise<string[]> {
  const rows = await testDb().$queryRaw<{ table_name: string }[]>`
    SELECT DISTINCT c.table_name FROM information_schema.columns c
    JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
    WHERE c.table_schema = 'public' AND c.column_name = 'organizationId' AND c.table_name <> 'Workspace' ORDER BY c.table_name`;
  return [...rows.map((r) => r.table_name), "Organization"];
}

const orgColumn = (table: string) => (table === "Organization" ? "id" : '"organizationId"');

async function populated(label: string): Promise<TestOrg> {
  const org = await makeOrg(label);
  await addDomain(org.ctx("admin"), { domain: `${label}-${org.slug}.example` });
  await updateOrgPolicy(org.ctx("owner"), { mfaRequired: true });
  await setGroupRoles(org.ctx("admin"), { mappings: [{ group: "engineers", workspace: org.ws.slug, role: "member" }] });
  // SCIM: a token, a user, a group with that user (OrgToken, ScimUser, ScimGroup, ScimGroupMember)
  const { token } = await createOrgToken(org.ctx("admin"), { name: "IdP", scopes: ["scim"] });
  await testDb().organizationDomain.create({
    data: {
      id: newId("odm"),
      organizationId: org.id,
      domain: `scim-${label}-${org.slug}.example`,
      verificationToken: "t",
      verifiedAt: new Date(),
      verifiedBy: "operator",
    },
  });
  const user = await scim("POST", org.slug, "Users", { token, body: { userName: `p@scim-${label}-${org.slug}.example` } });
  await scim("POST", org.slug, "Groups", { token, body: { displayName: "engineers", members: [{ value: user.body.id }] } });
  await upsertSsoConnection(
    org.ctx("admin"),
    ssoConnectionInputSchema.parse({ issuer: "https://idp.example", clientId: "c", clientSecret: "s" }),
    "http://localhost:3000",
  );
  await testDb().ssoSignIn.create({
    data: {
      id: `ssi_${org.slug}`,
      organizationId: org.id,
      stateHash: `state-${org.id}`,
      browserHash: "b",
      nonce: "n",
      codeVerifier: "v",
      callbackUrl: "/",
      expiresAt: new Date(Date.now() + 60_000),
    },
  });
  await testDb().ssoAssertionUse.create({ data: { organizationId: org.id, assertionId: `_assertion-${org.slug}`, expiresAt: new Date(Date.now() + 60_000) } });
  return org;
}

beforeAll(async () => {
  a = await populated("orls-a");
  b = await populated("orls-b");
});

describe("organisation row-level security", () => {
  it("every organisation table forces row-level security with a policy", async () => {
    const tables = await orgTables();
    expect(tables).toEqual(
      expect.arrayContaining(["Organization", "OrganizationMember", "OrganizationDomain", "OrganizationAuditLog", "SsoConnection", "SsoSignIn"]),
    );
    const rows = await testDb().$queryRaw<{ name: string; rls: boolean; forced: boolean; policies: number }[]>`
      SELECT c.relname AS name, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced,
        (SELECT count(*)::int FROM pg_policies p WHERE p.schemaname = 'public' AND p.tablename = c.relname) AS policies
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'`;
    const weak = rows.filter((r) => tables.includes(r.name) && !(r.rls && r.forced && r.policies > 0)).map((r) => r.name);
    expect(weak).toEqual([]);
  });

  it("organisation A's scope reads none of B's rows, and no scope reads nothing", async () => {
    for (const table of await orgTables()) {
      const col = orgColumn(table);
      const count = async (id: string) =>
        (await testDb().$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM "${table}" WHERE ${col} = $1`, id))[0]!.n;
      expect({ table, a: (await count(a.id)) > 0, b: (await count(b.id)) > 0 }).toEqual({ table, a: true, b: true });
      const seen = await execute<{ mine: number; theirs: number }>(
        orgScope(a.id),
        sql`SELECT count(*) FILTER (WHERE ${sql.ident(col.replaceAll('"', ""))} = ${a.id})::int AS mine, count(*) FILTER (WHERE ${sql.ident(col.replaceAll('"', ""))} <> ${a.id})::int AS theirs FROM ${sql.ident(table)}`,
      );
      expect({ table, ...seen.rows[0] }).toEqual({ table, mine: await count(a.id), theirs: 0 });
      const none = await execute<{ n: number }>(NO_TENANT, sql`SELECT count(*)::int AS n FROM ${sql.ident(table)}`);
      expect({ table, n: none.rows[0]!.n }).toEqual({ table, n: 0 });
      // a workspace's scope is not an organisation's scope
      const asWorkspace = await execute<{ n: number }>(
        { workspaceId: a.ws.id },
        sql`SELECT count(*)::int AS n FROM ${sql.ident(table)} WHERE ${sql.ident(col.replaceAll('"', ""))} = ${b.id}`,
      );
      expect({ table, n: asWorkspace.rows[0]!.n }).toEqual({ table, n: 0 });
    }
  });

  it("organisation A's scope can neither insert a row for B nor update or delete B's rows", async () => {
    for (const table of await orgTables()) {
      const col = orgColumn(table).replaceAll('"', "");
      const insert =
        table === "Organization"
          ? execute(orgScope(a.id), sql`INSERT INTO "Organization" ("id", "slug", "name", "updatedAt") VALUES (${`${b.id}_x`}, ${`x-${b.slug}`}, 'x', now())`)
          : table === "OrganizationMember"
            ? execute(
                orgScope(a.id),
                sql`INSERT INTO "OrganizationMember" ("organizationId", "userId", "role", "updatedAt") VALUES (${b.id}, ${a.users.member.id}, 'owner', now())`,
              )
            : table === "OrgGroupRole"
              ? execute(
                  orgScope(a.id),
                  sql`INSERT INTO "OrgGroupRole" ("organizationId", "group", "workspaceId", "role") VALUES (${b.id}, 'x', ${b.ws.id}, 'admin')`,
                )
              : table === "OrganizationDomain"
                ? execute(
                    orgScope(a.id),
                    sql`INSERT INTO "OrganizationDomain" ("id", "organizationId", "domain", "verificationToken") VALUES ('odm_x', ${b.id}, 'x.example', 't')`,
                  )
                : execute(
                    orgScope(a.id),
                    sql`INSERT INTO "OrganizationAuditLog" ("id", "organizationId", "actorType", "action", "targetType") VALUES ('oau_x', ${b.id}, 'user', 'org.create', 'organization')`,
                  );
      await expect(insert, table).rejects.toMatchObject({ code: "42501" });
      const updated = await execute(
        orgScope(a.id),
        sql`UPDATE ${sql.ident(table)} SET ${sql.ident(col)} = ${sql.ident(col)} WHERE ${sql.ident(col)} = ${b.id}`,
      );
      expect({ table, updated: updated.rowCount }).toEqual({ table, updated: 0 });
      const deleted = await execute(orgScope(a.id), sql`DELETE FROM ${sql.ident(table)} WHERE ${sql.ident(col)} = ${b.id}`);
      expect({ table, deleted: deleted.rowCount }).toEqual({ table, deleted: 0 });
    }
  });

  it("a person reads the organisations they belong to, and only their own membership rows", async () => {
    const mine = await db(userScope(a.users.member.id)).organization.findMany({ where: { id: { in: [a.id, b.id] } }, select: { id: true } });
    expect(mine.map((o) => o.id)).toEqual([a.id]);
    const members = await db(userScope(a.users.member.id)).organizationMember.findMany({ where: { organizationId: a.id } });
    expect(members.map((m) => m.userId)).toEqual([a.users.member.id]);
  });

  it("a workspace reads its own organisation (its policy applies there), never another", async () => {
    const seen = await db({ workspaceId: a.ws.id }).organization.findMany({ where: { id: { in: [a.id, b.id] } }, select: { id: true, mfaRequired: true } });
    expect(seen).toEqual([{ id: a.id, mfaRequired: true }]);
  });

  it("an organisation lists its own workspaces but reads none of their content", async () => {
    const listed = await db(orgScope(a.id)).workspace.findMany({ where: { id: { in: [a.ws.id, b.ws.id] } }, select: { id: true } });
    expect(listed.map((w) => w.id)).toEqual([a.ws.id]);
    const memberships = await db(orgScope(a.id)).membership.count({ where: { workspaceId: a.ws.id } });
    expect(memberships).toBe(0);
    const renamed = await execute(orgScope(a.id), sql`UPDATE "Workspace" SET "name" = 'taken over' WHERE "id" = ${a.ws.id}`);
    expect(renamed.rowCount).toBe(0);
  });
});
