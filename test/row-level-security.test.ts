/**
 * Row-level security, the second wall (prisma/migrations/*_row_level_security, server/db/scope.ts): every tenant
 * table, read from the database itself, refuses another workspace's rows to the app's role, with and without a
 * scope, and the scope never outlives its transaction on a pooled connection.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { db, NO_TENANT, rawQuery, SYSTEM, systemDb, tenantScope, userScope } from "@/server/db/client";
import { execute } from "@/server/db/execute";
import { sql } from "@/server/db/sql";
import { testDb } from "@/test/db";
import { makeApiKey, uniq } from "@/test/helpers";
import { addAgent, addTeam, makeRunWorkspace, type RunWorkspace } from "@/test/fixtures/runs";
import { startRun } from "@/server/runs/service";
import { executeRun } from "@/server/jobs/run-function";
import { createPostgresStep } from "@/server/jobs/step";
import { createSecret } from "@/server/vault/service";
import { createTool } from "@/server/tools/service";
import { remember } from "@/server/memory/service";
import { createSession, sendMessage } from "@/server/sessions/service";
import { recordCall } from "@/server/mcp-endpoint/call-runs";
import { openMcpSession } from "@/server/mcp-endpoint/sessions";
import { createWebhook } from "@/server/webhooks/service";
import { createTrigger } from "@/server/triggers/service";
import { createSchedule } from "@/server/schedules/service";
import { createMemoryDocument } from "@/server/memory/documents/service";
import { setMemoryModel } from "@/server/memory/reembed";
import { createInvitation } from "@/server/workspaces/invitations";
import { updateBudget } from "@/server/ledger/budgets";
import { settleObservations } from "@/server/models/gateway";
import { idempotentCall } from "@/server/idempotency/store";
import { takeRateSlot } from "@/server/models/rate-limits";
import { reserveBudget } from "@/server/ledger/reservations";
import { recordCallInFlight } from "@/server/ledger/calls-in-flight";
import { newId } from "@/lib/ids";
import { createJudge, updateJudge } from "@/server/quality/judges/service";
import { createHash } from "node:crypto";

/** Tables that belong to no workspace (a new table must be added here deliberately, or carry "workspaceId"). */
// AuthEvent: a person's authentication events (server/audit/auth-events.ts); LoginThrottle: sign-in delays per email and address; EndedSession: signed-out sessions
// OAuthClient: the MCP authorization server's dynamically registered clients (global: they register before anyone signs in)
const NON_TENANT_TABLES = ["User", "Account", "RateLimiterFlexible", "AuthEvent", "LoginThrottle", "EndedSession", "OAuthClient", "_prisma_migrations"];

/** A person's own tables (server/auth/mfa.ts, step-up.ts, passkeys.ts): row-level security on app.user_id. */
const USER_TABLES = ["UserMfa", "RecoveryCode", "SessionStepUp", "Passkey", "WebAuthnChallenge"];

let a: RunWorkspace;
let b: RunWorkspace;

/** A workspace with a row in every tenant table: members, an invitation, a key, a secret, a tool, the catalog, a budget, agents, a team, a finished run, an idempotency key, a provider's rate-limit window and a budget reservation. */
async function populated(label: string): Promise<RunWorkspace> {
  const rw = await makeRunWorkspace(label);
  await addAgent(rw.ctx, "one");
  await addTeam(rw.ctx, "solo", { topology: "sequential", agents: ["one"] });
  await makeApiKey(rw.ws, "owner");
  await createSecret(rw.ctx, { name: `s-${uniq()}`, value: "a-secret-value-1234" });
  await createTool(rw.ctx, {
    name: `lookup_${uniq()}`,
    description: "A custom tool",
    config: { method: "GET", urlTemplate: "https://api.example.com/", headers: {}, bodyTemplate: null },
  });
  await createInvitation(rw.ctx, { email: `guest-${uniq()}@example.test`, role: "member" }, { origin: "http://localhost:3000" });
  await updateBudget(rw.ctx, { monthlyLimitUsd: 100, perRunLimitUsd: null });
  // an outgoing webhook: the run's end and the approval below queue its deliveries (database triggers)
  await createWebhook(rw.ctx, { url: "https://hooks.example.com/cadre", eventTypes: ["run.succeeded", "run.failed", "approval.requested", "budget.alert"] });
  const run = await startRun(rw.ctx, { team: "solo", input: "Fill every table." });
  await idempotentCall(rw.ctx, "fixture", `k-${uniq()}`, {}, async () => "stored");
  // a provider's shared rate-limit window (the simulator is never limited: counted here as if it were)
  const provider = await testDb().provider.findFirstOrThrow({ where: { workspaceId: rw.ws.id } });
  await takeRateSlot(rw.ctx, { id: provider.id, kind: "openai_compatible", rpmLimit: 100 }, 10);
  await executeRun({ runId: run.id, workspaceId: rw.ws.id }, createPostgresStep({ runId: run.id, workspaceId: rw.ws.id }));
  await settleObservations();
  // a model call in flight holds a budget reservation
  await reserveBudget(rw.ctx, { estimateUsd: 0.001, ttlMs: 60_000 });
  // a model call in flight (the simulator writes none: as if a billable provider were called)
  await recordCallInFlight(rw.ctx, {
    id: newId("use"),
    runId: run.id,
    modelName: "fixture",
    providerKind: "openai_compatible",
    inputTokens: 1,
    outputTokens: 1,
    costUsd: 0.001,
    timeoutMs: 60_000,
  });
  // tools: an MCP server with one synced tool, a rate window, an approval of the run
  const mcp = await testDb().mcpServer.create({ data: { id: newId("mcp"), workspaceId: rw.ws.id, name: "fixture", url: "https://mcp.example.com/mcp" } });
  await testDb().tool.create({
    data: { id: newId("tool"), workspaceId: rw.ws.id, name: "fixture_echo", kind: "mcp", mcpServerId: mcp.id, remoteName: "echo" },
  });
  await testDb().mcpOAuthState.create({
    data: {
      stateHash: `h-${uniq()}`,
      workspaceId: rw.ws.id,
      mcpServerId: mcp.id,
      userId: rw.ws.users.owner.id,
      ciphertext: Buffer.from("c"),
      iv: Buffer.from("i"),
      authTag: Buffer.from("t"),
      wrappedKey: Buffer.from("w"),
      keyVersion: "v",
      // live: a retention purge in another file (shared database) deletes expired ones
      expiresAt: new Date(Date.now() + 3600_000),
    },
  });
  await testDb().toolRateWindow.create({ data: { workspaceId: rw.ws.id, toolName: "fixture_echo", scope: "", windowStart: new Date(), calls: 1 } });
  await testDb().toolApproval.create({
    data: { id: newId("apr"), workspaceId: rw.ws.id, runId: run.id, stepId: "agent~tool1.1", toolName: "fixture_echo", input: {}, expiresAt: new Date() },
  });
  // a judge (two versions), a verdict and the consensus of the run's quality gate
  await createJudge(rw.ctx, { slug: "fixture-judge", name: "Fixture judge", rubric: { criteria: [{ key: "accuracy", description: "Right", weight: 1 }] } });
  await updateJudge(rw.ctx, "fixture-judge", { instructions: "Be strict." });
  const judge = await testDb().judge.findFirstOrThrow({ where: { workspaceId: rw.ws.id } });
  await testDb().judgeVerdict.create({
    data: {
      id: newId("jvd"),
      workspaceId: rw.ws.id,
      runId: run.id,
      stepId: "gate.i1.fixture-judge",
      iteration: 1,
      judgeId: judge.id,
      judgeSlug: judge.slug,
      judgeVersion: 2,
      scores: { accuracy: 5 },
      overall: 1,
      verdict: "pass",
    },
  });
  await testDb().judgeConsensus.create({
    data: { id: newId("jcs"), workspaceId: rw.ws.id, runId: run.id, iteration: 1, score: 1, verdict: "pass", spread: 0, agreement: 1, judges: 1 },
  });
  // a person's label of the judged output
  await testDb().outputLabel.create({
    data: { id: newId("lbl"), workspaceId: rw.ws.id, runId: run.id, iteration: 1, labellerId: rw.ws.users.owner.id, verdict: "pass", heldOut: true },
  });
  // a dataset with an item, and an evaluation of it with one item (no worker runs here)
  const dataset = await testDb().dataset.create({ data: { id: newId("dst"), workspaceId: rw.ws.id, slug: "fixture-dataset", name: "Fixture" } });
  const datasetItem = await testDb().datasetItem.create({ data: { id: newId("dsi"), workspaceId: rw.ws.id, datasetId: dataset.id, input: "Question?" } });
  const evaluation = await testDb().evaluation.create({
    data: {
      id: newId("evl"),
      workspaceId: rw.ws.id,
      datasetId: dataset.id,
      targetType: "agent",
      targetId: "agt_fixture",
      targetSlug: "fixture",
      targetVersion: 1,
      judges: [],
      passThreshold: 0.7,
      failThreshold: 0.4,
      itemsTotal: 1,
      status: "cancelled",
      createdByType: "user",
    },
  });
  await testDb().evaluationItem.create({
    data: { id: newId("evi"), workspaceId: rw.ws.id, evaluationId: evaluation.id, datasetItemId: datasetItem.id, position: 0, status: "cancelled" },
  });
  // a delivery's attempt and a budget alert raised (no worker runs here; the simulator costs nothing)
  const delivery = await testDb().webhookDelivery.findFirstOrThrow({ where: { workspaceId: rw.ws.id } });
  await testDb().webhookAttempt.create({
    data: {
      id: newId("wha"),
      workspaceId: rw.ws.id,
      deliveryId: delivery.id,
      number: 1,
      url: "https://hooks.example.com/cadre",
      requestHeaders: {},
      durationMs: 1,
    },
  });
  await testDb().budgetAlert.create({ data: { workspaceId: rw.ws.id, monthStart: new Date(), threshold: 0.8, spentUsd: 80 } });
  // memory: one remembered fact (embedded by the simulator)
  await remember(rw.ctx, { content: "The fixture remembers this.", scope: { type: "subject", id: "customer:1" } });
  // a session with one message (its run stays queued)
  const session = await createSession(rw.ctx, { team: "solo", subject: "customer:1" });
  await sendMessage(rw.ctx, session.id, { content: "Hello, session." });
  // a session of the hosted MCP endpoint
  const mcpSession = await openMcpSession(rw.ctx, "api_key:fixture", { name: "fixture client", version: "1", protocolVersion: "2025-06-18" });
  // the run answering one of its tool calls (for a cancellation reaching another process)
  await (await recordCall(rw.ctx, { principal: "api_key:fixture", sessionId: mcpSession.id, requestId: 1 })).attach(run.id);
  // a memory document (queued: no worker runs here)
  await createMemoryDocument(rw.ctx, { text: "The fixture's document.", scope: { type: "subject", id: "customer:1" } });
  // a memory model setting and the re-embedding it starts (queued: no worker runs here)
  const changed = await setMemoryModel(rw.ctx, { scopeType: "subject", policy: { type: "preset", preset: "fast" } });
  if (changed.reembed?.status !== "queued") throw new Error("the fixture's model change should queue a re-embedding");
  // a webhook trigger (its secret in the vault) with one delivery, and a schedule
  const trigger = await createTrigger(rw.ctx, { name: "fixture hook", team: "solo" });
  await testDb().webhookTriggerDelivery.create({
    data: { id: newId("whtd"), workspaceId: rw.ws.id, triggerId: trigger.trigger.id, webhookId: "msg_fixture", runId: run.id },
  });
  await createSchedule(rw.ctx, { name: "fixture schedule", team: "solo", cron: "0 9 * * *", input: "scheduled" });
  // an MCP client's connection (consent) with its tokens (server/mcp-auth)
  const client = await testDb().oAuthClient.create({ data: { id: newId("ocl"), name: "fixture client", redirectUris: ["https://client.example/cb"] } });
  const connectionId = newId("mcpc");
  await testDb().mcpConnection.create({
    data: {
      id: connectionId,
      workspaceId: rw.ws.id,
      clientId: client.id,
      userId: rw.ws.users.owner.id,
      resource: `http://localhost:3000/api/mcp/${rw.ws.slug}`,
      scopes: ["agents:read"],
      redirectUri: "https://client.example/cb",
      codeHash: `h-${uniq()}`,
      codeChallenge: "c",
      codeExpiresAt: new Date(),
      codeUsedAt: new Date(),
    },
  });
  await testDb().mcpToken.create({
    data: { id: newId("mtok"), workspaceId: rw.ws.id, connectionId, kind: "access", tokenHash: `t-${uniq()}`, expiresAt: new Date(Date.now() + 3600_000) },
  });
  // the marketplace: an unlisted listing (others read it only by its link) with a version, installed, reviewed and
  // reported by its own workspace (server/marketplace/ writes these through its services; rows are enough here)
  const listingId = newId("lst");
  await testDb().listing.create({
    data: {
      id: listingId,
      workspaceId: rw.ws.id,
      slug: `fixture-${uniq()}`,
      kind: "agent",
      sourceId: "agt_fixture",
      name: "Fixture listing",
      summary: "A listing",
      category: "other",
      visibility: "unlisted",
      linkToken: newId("lnk"),
    },
  });
  const listingVersionId = newId("lsv");
  await testDb().listingVersion.create({
    data: { id: listingVersionId, workspaceId: rw.ws.id, listingId, version: 1, package: {}, manifest: {}, digest: "d", signature: "s", keyId: "k" },
  });
  await testDb().listingInstall.create({
    data: { id: newId("lin"), workspaceId: rw.ws.id, listingId, listingVersionId, version: 1, rootKind: "agent", rootId: "agt_fixture", resources: {} },
  });
  await testDb().listingReview.create({ data: { id: newId("lrv"), workspaceId: rw.ws.id, listingId, rating: 4 } });
  await testDb().listingReport.create({ data: { id: newId("lrp"), workspaceId: rw.ws.id, listingId, reason: "other" } });
  return rw;
}

async function tenantTables(): Promise<string[]> {
  const rows = await testDb().$queryRaw<{ table_name: string }[]>`
    SELECT DISTINCT c.table_name FROM information_schema.columns c
    JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
    WHERE c.table_schema = 'public' AND c.column_name = 'workspaceId'
      -- a partition is reached through its parent (the partitions' own test below)
      AND NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = format('%I', c.table_name)::regclass)
      -- an organisation's table that names a workspace (OrgGroupRole) is keyed on its organisation
      AND NOT EXISTS (SELECT 1 FROM information_schema.columns o WHERE o.table_schema = 'public' AND o.table_name = c.table_name AND o.column_name = 'organizationId')
    ORDER BY c.table_name`;
  return rows.map((r) => r.table_name);
}

/** Tables of an organisation (keyed on app.organization_id); Workspace also names its organisation but is a tenant table. */
async function orgTables(): Promise<string[]> {
  const rows = await testDb().$queryRaw<{ table_name: string }[]>`
    SELECT DISTINCT c.table_name FROM information_schema.columns c
    JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
    WHERE c.table_schema = 'public' AND (c.column_name = 'organizationId' OR c.table_name = 'Organization') AND c.table_name <> 'Workspace' ORDER BY c.table_name`;
  return rows.map((r) => r.table_name);
}

/**
 * The published part of the marketplace is readable by every workspace by design (migration 20261215_100: a public,
 * active listing, its versions and its reviews); other test files leave such rows behind, so the counts of what a
 * scope must not see leave them out.
 */
const notPublished = (table: string) =>
  table === "Listing"
    ? sql`WHERE NOT ("status" = 'active' AND "visibility" = 'public')`
    : table === "ListingVersion" || table === "ListingReview"
      ? sql`WHERE "listingId" NOT IN (SELECT "id" FROM "Listing" WHERE "status" = 'active' AND "visibility" = 'public')`
      : sql``;

const wsColumn = (table: string) => (table === "Workspace" ? sql`id` : sql`"workspaceId"`);

beforeAll(async () => {
  a = await populated("rls-a");
  b = await populated("rls-b");
});

describe("row-level security", () => {
  it("every table is either a tenant table with FORCE ROW LEVEL SECURITY and a policy, or a declared non-tenant table", async () => {
    const tables = await testDb().$queryRaw<{ name: string; rls: boolean; forced: boolean; policies: number }[]>`
      SELECT c.relname AS name, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced,
        (SELECT count(*)::int FROM pg_policies p WHERE p.schemaname = 'public' AND p.tablename = c.relname) AS policies
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY c.relname`;
    // organisation tables carry "organizationId" instead (their own tests: test/org-row-level-security.test.ts)
    const tenant = new Set([...(await tenantTables()), "Workspace", ...(await orgTables())]);
    expect(tenant.size).toBeGreaterThanOrEqual(18);
    const unprotected = tables.filter((t) => tenant.has(t.name) && !(t.rls && t.forced && t.policies > 0)).map((t) => t.name);
    expect(unprotected).toEqual([]);
    const userTables = tables.filter((t) => USER_TABLES.includes(t.name));
    expect(userTables.filter((t) => !(t.rls && t.forced && t.policies > 0)).map((t) => t.name)).toEqual([]);
    expect(userTables).toHaveLength(USER_TABLES.length);
    const undeclared = tables
      .filter((t) => !tenant.has(t.name) && !NON_TENANT_TABLES.includes(t.name) && !USER_TABLES.includes(t.name) && !t.name.startsWith("probe_"))
      .map((t) => t.name);
    expect(undeclared).toEqual([]);
  });

  it("a partition of a tenant table carries its parent's policy, and the app's roles reach it only through the parent", async () => {
    const parts = await testDb().$queryRaw<{ name: string; parent: string; rls: boolean; forced: boolean; policies: number; granted: boolean }[]>`
      SELECT c.relname AS name, p.relname AS parent, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced,
        (SELECT count(*)::int FROM pg_policies x WHERE x.schemaname = 'public' AND x.tablename = c.relname) AS policies,
        has_table_privilege('cadre_app', c.oid, 'SELECT, INSERT, UPDATE, DELETE') OR has_table_privilege('cadre_system', c.oid, 'SELECT, INSERT, UPDATE, DELETE') AS granted
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
      JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY c.relname`;
    expect(parts.filter((x) => x.parent === "Memory")).toHaveLength(32);
    // recall's full-text side table (migration 20261221_500_memory_text), partitioned the same way
    expect(parts.filter((x) => x.parent === "MemoryText")).toHaveLength(32);
    expect(parts.filter((x) => !(x.rls && x.forced && x.policies > 0) || x.granted).map((x) => x.name)).toEqual([]);
    // through the parent, the policy holds: A's scope sees none of B's memories in any partition
    const seen = await db(a.ctx).$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM "Memory" WHERE "workspaceId" <> ${a.ctx.workspaceId}`;
    expect(seen[0]!.n).toBe(0);
    const seenText = await db(a.ctx).$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM "MemoryText" WHERE "workspaceId" <> ${a.ctx.workspaceId}`;
    expect(seenText[0]!.n).toBe(0);
    await expect(db(a.ctx).$queryRawUnsafe(`SELECT 1 FROM "MemoryText_p00" LIMIT 1`)).rejects.toThrow(/permission denied/);
    await expect(db(a.ctx).$queryRawUnsafe(`SELECT 1 FROM "${parts[0]!.name}" LIMIT 1`)).rejects.toThrow(/permission denied/);
  });

  it("the app's role owns nothing and cannot bypass row-level security; the privileged role is the only one that can", async () => {
    const roles = await testDb().$queryRaw<{ rolname: string; rolbypassrls: boolean; rolsuper: boolean; owns: number }[]>`
      SELECT r.rolname, r.rolbypassrls, r.rolsuper,
        (SELECT count(*)::int FROM pg_class c WHERE c.relowner = r.oid) AS owns
      FROM pg_roles r WHERE r.rolname IN ('cadre_app', 'cadre_system') ORDER BY r.rolname`;
    expect(roles).toEqual([
      { rolname: "cadre_app", rolbypassrls: false, rolsuper: false, owns: 0 },
      { rolname: "cadre_system", rolbypassrls: true, rolsuper: false, owns: 0 },
    ]);
    const who = await db(a.ctx).$queryRaw<{ u: string }[]>`SELECT current_user AS u`;
    expect(who[0]!.u).toBe("cadre_app");
  });

  it("for every tenant table, workspace A's scope reads none of B's rows, and no scope reads nothing", async () => {
    for (const table of [...(await tenantTables()), "Workspace"]) {
      const t = sql.ident(table);
      const col = wsColumn(table);
      const countOf = async (workspaceId: string) =>
        (await testDb().$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM "${table}" WHERE ${col.text} = $1`, workspaceId))[0]!.n;
      const ofB = await countOf(b.ws.id);
      const ofA = await countOf(a.ws.id);
      // the fixture must reach every table, or this test proves nothing for it
      expect({ table, ofB: ofB > 0, ofA: ofA > 0 }).toEqual({ table, ofB: true, ofA: true });
      const seenByA = await execute<{ mine: number; theirs: number }>(
        a.ctx,
        sql`SELECT count(*) FILTER (WHERE ${col} = ${a.ws.id})::int AS mine, count(*) FILTER (WHERE ${col} <> ${a.ws.id})::int AS theirs FROM ${t} ${notPublished(table)}`,
      );
      expect({ table, ...seenByA.rows[0] }).toEqual({ table, mine: ofA, theirs: 0 });
      const prismaSeen = await db(a.ctx).$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM "${table}" WHERE ${col.text} = $1`, b.ws.id);
      expect({ table, n: prismaSeen[0]!.n }).toEqual({ table, n: 0 });
      const none = await execute<{ n: number }>(NO_TENANT, sql`SELECT count(*)::int AS n FROM ${t} ${notPublished(table)}`);
      expect({ table, n: none.rows[0]!.n }).toEqual({ table, n: 0 });
    }
  });

  it("for every tenant table, workspace A's scope can neither insert a row for B, nor update or delete B's rows", async () => {
    for (const table of [...(await tenantTables()), "Workspace"]) {
      const col = wsColumn(table);
      // one of B's rows as JSON, given a fresh id where the table has one: inserted as A, it must be refused
      const row = (
        await testDb().$queryRawUnsafe<{ row: Record<string, unknown> }[]>(
          `SELECT to_jsonb(x) AS row FROM "${table}" x WHERE ${col.text} = $1 LIMIT 1`,
          b.ws.id,
        )
      )[0]!.row;
      const copy: Record<string, unknown> = { ...row, ...(table !== "Budget" ? { id: `${String(row.id)}_x` } : {}) };
      if (table !== "Workspace" && "slug" in copy) copy.slug = `${String(copy.slug)}-x`;
      if (table === "Workspace") copy.slug = `rls-${uniq()}`;
      // generated columns (Memory's full-text vector) are left to the database
      const columns = sql.join(
        (
          await testDb().$queryRawUnsafe<{ name: string }[]>(
            `SELECT column_name AS name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 AND is_generated = 'NEVER' ORDER BY ordinal_position`,
            table,
          )
        ).map((c) => sql.ident(c.name)),
      );
      const insert = execute(
        a.ctx,
        sql`INSERT INTO ${sql.ident(table)} (${columns}) SELECT ${columns} FROM jsonb_populate_record(NULL::${sql.ident(table)}, ${sql.json(copy)})`,
      );
      await expect(insert, table).rejects.toMatchObject({ code: "42501" });
      const updated = await execute(a.ctx, sql`UPDATE ${sql.ident(table)} SET ${col} = ${col} WHERE ${col} = ${b.ws.id}`);
      expect({ table, updated: updated.rowCount }).toEqual({ table, updated: 0 });
      const deleted = await execute(a.ctx, sql`DELETE FROM ${sql.ident(table)} WHERE ${col} = ${b.ws.id}`);
      expect({ table, deleted: deleted.rowCount }).toEqual({ table, deleted: 0 });
    }
    // nothing of B's was lost
    expect(await testDb().run.count({ where: { workspaceId: b.ws.id } })).toBeGreaterThan(0);
  });

  it("the marketplace: another workspace reads a listing (its versions and reviews) only while public and active, or once it installed it", async () => {
    const listing = await testDb().listing.findFirstOrThrow({ where: { workspaceId: b.ws.id } });
    const seen = async () => {
      const r = await execute<{ l: number; v: number; rv: number }>(
        a.ctx,
        sql`SELECT (SELECT count(*)::int FROM "Listing" WHERE id = ${listing.id}) AS l,
          (SELECT count(*)::int FROM "ListingVersion" WHERE "listingId" = ${listing.id}) AS v,
          (SELECT count(*)::int FROM "ListingReview" WHERE "listingId" = ${listing.id}) AS rv`,
      );
      return r.rows[0];
    };
    expect(await seen()).toEqual({ l: 0, v: 0, rv: 0 });
    await testDb().listing.update({ where: { id: listing.id }, data: { visibility: "public" } });
    try {
      expect(await seen()).toEqual({ l: 1, v: 1, rv: 1 });
      await testDb().listing.update({ where: { id: listing.id }, data: { status: "unpublished" } });
      expect(await seen()).toEqual({ l: 0, v: 0, rv: 0 });
      // A cannot change B's listing, even one it reads
      await testDb().listing.update({ where: { id: listing.id }, data: { status: "active" } });
      const renamed = await execute(a.ctx, sql`UPDATE "Listing" SET name = 'taken over' WHERE id = ${listing.id}`);
      expect(renamed.rowCount ?? 0).toBe(0);
      await testDb().listing.update({ where: { id: listing.id }, data: { status: "unpublished" } });
      // an install of it in A makes it readable there again (its installs keep working once it is unpublished)
      const version = await testDb().listingVersion.findFirstOrThrow({ where: { listingId: listing.id } });
      const install = await testDb().listingInstall.create({
        data: {
          id: newId("lin"),
          workspaceId: a.ws.id,
          listingId: listing.id,
          listingVersionId: version.id,
          version: 1,
          rootKind: "agent",
          rootId: "agt_x",
          resources: {},
        },
      });
      expect(await seen()).toEqual({ l: 1, v: 1, rv: 1 });
      await testDb().listingInstall.delete({ where: { id: install.id } });
    } finally {
      await testDb().listing.update({ where: { id: listing.id }, data: { visibility: "unlisted", status: "active" } });
    }
  });

  it("a row cannot be moved from A to B by an update", async () => {
    const agent = await testDb().agent.findFirstOrThrow({ where: { workspaceId: a.ws.id } });
    await expect(execute(a.ctx, sql`UPDATE "Agent" SET "workspaceId" = ${b.ws.id} WHERE id = ${agent.id}`)).rejects.toMatchObject({ code: "42501" });
    await expect(db(a.ctx).agent.update({ where: { id: agent.id }, data: { workspaceId: b.ws.id } })).rejects.toThrow();
    expect((await testDb().agent.findUniqueOrThrow({ where: { id: agent.id } })).workspaceId).toBe(a.ws.id);
  });

  it("a user's scope sees their own memberships and workspaces only; the privileged path sees every workspace", async () => {
    const owner = a.ws.users.owner.id;
    const memberships = await db(userScope(owner)).membership.findMany();
    expect(memberships.map((m) => m.userId)).toEqual([owner]);
    expect((await db(userScope(owner)).workspace.findMany()).map((w) => w.id)).toEqual([a.ws.id]);
    expect(await db(userScope(owner)).agent.count()).toBe(0);
    const both = await systemDb("operator").workspace.count({ where: { id: { in: [a.ws.id, b.ws.id] } } });
    expect(both).toBe(2);
  });

  it("interleaved requests for different workspaces on a small pool never see each other's scope, and no scope survives its transaction", async () => {
    const seen = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const rw = i % 2 === 0 ? a : b;
        if (i % 3 === 0) {
          // an interactive transaction that waits in the middle while the others run on the pool
          return db(rw.ctx).$transaction(async (tx) => {
            const first = await tx.$queryRaw<{ w: string }[]>`SELECT current_setting('app.workspace_id', true) AS w`;
            await new Promise((resolve) => setTimeout(resolve, 5));
            const agents = await tx.agent.findMany({ select: { workspaceId: true } });
            return { want: rw.ws.id, got: [first[0]!.w, ...agents.map((x) => x.workspaceId)] };
          });
        }
        if (i % 3 === 1) {
          const r = await execute<{ w: string }>(rw.ctx, sql`SELECT current_setting('app.workspace_id', true) AS w`);
          return { want: rw.ws.id, got: [r.rows[0]!.w] };
        }
        const agents = await db(rw.ctx).agent.findMany({ select: { workspaceId: true } });
        return { want: rw.ws.id, got: agents.map((x) => x.workspaceId) };
      }),
    );
    for (const s of seen) expect(new Set(s.got)).toEqual(new Set([s.want]));
    // every pooled connection is back to no scope: a message without the scope statement sees none, as the login role
    const after = (await Promise.all(
      Array.from({ length: 12 }, () => rawQuery(`SELECT current_setting('app.workspace_id', true) AS w, current_setting('role') AS r, pg_sleep(0.01)`)),
    )) as { rows: { w: string | null; r: string }[] }[];
    for (const r of after) {
      expect([null, ""]).toContain(r.rows[0]!.w);
      expect(r.rows[0]!.r).toBe("none");
    }
    const none = await execute<{ w: string; r: string }>(NO_TENANT, sql`SELECT current_setting('app.workspace_id', true) AS w, current_user AS r`);
    expect(none.rows[0]).toEqual({ w: "", r: "cadre_app" });
    const plain = await testDb().$queryRaw<{ w: string | null }[]>`SELECT current_setting('app.workspace_id', true) AS w`;
    expect([null, ""]).toContain(plain[0]!.w);
  });

  it("operations outside a transaction carry their own scope, whatever runs beside them on the pipelined pool", async () => {
    const agentA = await testDb().agent.findFirstOrThrow({ where: { workspaceId: a.ws.id } });
    const agentB = await testDb().agent.findFirstOrThrow({ where: { workspaceId: b.ws.id } });
    const results = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const [rw, own, other] = i % 2 === 0 ? [a, agentA, agentB] : [b, agentB, agentA];
        switch (i % 6) {
          case 0:
          case 1: {
            const rows = await db(rw.ctx).$queryRaw<{ w: string; r: string }[]>`SELECT current_setting('app.workspace_id', true) AS w, current_user AS r`;
            return rows[0]!.w === rw.ws.id && rows[0]!.r === "cadre_app" ? null : `raw ${i}: ${JSON.stringify(rows[0])}`;
          }
          case 2:
          case 3: {
            // findUnique calls of one tick are merged by Prisma: each must still see its own row and not the other's
            const [mine, theirs] = await Promise.all([
              db(rw.ctx).agent.findUnique({ where: { id: own.id }, select: { id: true } }),
              db(rw.ctx).agent.findUnique({ where: { id: other.id }, select: { id: true } }),
            ]);
            return mine?.id === own.id && theirs === null ? null : `findUnique ${i}: ${mine?.id} ${theirs?.id}`;
          }
          default: {
            const count = await db(rw.ctx).agent.count();
            const all = await testDb().agent.count({ where: { workspaceId: rw.ws.id } });
            return count === all ? null : `count ${i}: ${count} of ${all}`;
          }
        }
      }),
    );
    expect(results.filter((failure) => failure !== null)).toEqual([]);
  });

  it("a nested write (Prisma's own transaction) runs in its operation's scope, and a failed statement commits nothing", async () => {
    const slug = `nested-${uniq()}`;
    const created = await db(a.ctx).agent.create({
      data: {
        id: `agt_${uniq()}`,
        workspaceId: a.ws.id,
        slug,
        name: "n",
        versions: { create: { id: `agv_${uniq()}`, version: 1, name: "n", modelPolicy: {} } },
      },
      include: { versions: true },
    });
    expect(created.versions).toHaveLength(1);
    // the same nested write naming workspace B from A's scope is refused as a whole
    const refused = `refused-${uniq()}`;
    await expect(
      db(a.ctx).agent.create({
        data: {
          id: `agt_${uniq()}`,
          workspaceId: b.ws.id,
          slug: refused,
          name: "n",
          versions: { create: { id: `agv_${uniq()}`, version: 1, name: "n", modelPolicy: {} } },
        },
      }),
    ).rejects.toThrow();
    expect(await testDb().agent.count({ where: { slug: refused } })).toBe(0);
    // a failed single statement (a duplicate key) rolls back; the pool's connections stay usable
    await expect(db(a.ctx).agent.create({ data: { id: created.id, workspaceId: a.ws.id, slug: `dup-${uniq()}`, name: "n" } })).rejects.toMatchObject({
      code: "P2002",
    });
    const counts = await Promise.all(Array.from({ length: 30 }, () => db(a.ctx).agent.count({ where: { slug } })));
    expect(counts).toEqual(Array(30).fill(1));
  });

  it("a connection released inside a transaction is discarded, not handed on with its settings", async () => {
    await rawQuery(`BEGIN; SELECT set_config('app.workspace_id', 'ws_leaked', true)`);
    const after = (await Promise.all(Array.from({ length: 12 }, () => rawQuery(`SELECT current_setting('app.workspace_id', true) AS w, pg_sleep(0.01)`)))) as {
      rows: { w: string | null }[];
    }[];
    expect(after.map((r) => r.rows[0]!.w).filter((w) => w === "ws_leaked")).toEqual([]);
  });

  it("tenantScope refuses an empty workspace id instead of querying without one", () => {
    expect(() => tenantScope("")).toThrow(/empty workspace/);
  });

  it("a child row's workspace is its parent's: versions, steps, events and models naming another workspace's parent are refused", async () => {
    const agent = await testDb().agent.findFirstOrThrow({ where: { workspaceId: a.ws.id } });
    const team = await testDb().team.findFirstOrThrow({ where: { workspaceId: a.ws.id } });
    // a run still queued: a finished run takes no more events at all (the terminal-event trigger skips them)
    const run = await startRun(a.ctx, { team: "solo", input: "Still queued." });
    const provider = await testDb().provider.findFirstOrThrow({ where: { workspaceId: a.ws.id } });
    const secret = await testDb().secret.findFirstOrThrow({ where: { workspaceId: b.ws.id } });
    const children = [
      sql`INSERT INTO "AgentVersion" (id, "workspaceId", "agentId", version, name, "modelPolicy") VALUES (${`agv_${uniq()}`}, ${b.ws.id}, ${agent.id}, 99, 'x', '{}'::jsonb)`,
      sql`INSERT INTO "TeamVersion" (id, "workspaceId", "teamId", version, name, spec) VALUES (${`tmv_${uniq()}`}, ${b.ws.id}, ${team.id}, 99, 'x', '{}'::jsonb)`,
      sql`INSERT INTO "RunStep" (id, "workspaceId", "runId", "stepId", kind, status) VALUES (${`stp_${uniq()}`}, ${b.ws.id}, ${run.id}, 'x', 'system', 'pending')`,
      sql`INSERT INTO "RunEvent" (id, "workspaceId", "runId", seq, type, data) VALUES (${`evt_${uniq()}`}, ${b.ws.id}, ${run.id}, 9999, 'x', '{}'::jsonb)`,
      sql`INSERT INTO "Model" (id, "workspaceId", "providerId", "modelId", "displayName", "inputPrice", "outputPrice", "contextWindow", capabilities, quality, "updatedAt")
        VALUES (${`mdl_${uniq()}`}, ${b.ws.id}, ${provider.id}, 'x', 'x', 0, 0, 1, '{}', 0.5, now())`,
      sql`UPDATE "Provider" SET "secretId" = ${secret.id} WHERE id = ${provider.id}`,
    ];
    // as the privileged role (no row-level security): the keys alone refuse them
    for (const statement of children) {
      await expect(execute(SYSTEM("operator"), statement), statement.text.slice(0, 40)).rejects.toMatchObject({ code: "23503" });
    }
  });

  it("a person's MFA, recovery codes, step-ups, passkeys and WebAuthn challenges: user A's scope reads and writes none of B's, no scope reads nothing", async () => {
    const [ua, ub] = [a.ws.users.owner.id, b.ws.users.owner.id];
    for (const userId of [ua, ub]) {
      const sealed = { ciphertext: Buffer.from("c"), iv: Buffer.from("i"), authTag: Buffer.from("t"), wrappedKey: Buffer.from("w"), keyVersion: "v" };
      await testDb().userMfa.upsert({ where: { userId }, create: { userId, ...sealed }, update: {} });
      await testDb().recoveryCode.create({ data: { id: newId("rcv"), userId, codeHash: createHash("sha256").update(uniq()).digest("hex") } });
      await testDb().sessionStepUp.create({ data: { sessionId: `sid-${uniq()}`, userId, at: new Date(), expiresAt: new Date(Date.now() + 60_000) } });
      await testDb().passkey.create({
        data: { id: newId("pkey"), userId, credentialId: `cred-${uniq()}-${uniq()}`, publicKey: Buffer.from("k"), name: "Key" },
      });
      await testDb().webAuthnChallenge.create({
        data: { id: newId("wac"), userId, purpose: "authenticate", challenge: `ch-${uniq()}`, expiresAt: new Date(Date.now() + 60_000) },
      });
    }
    for (const table of USER_TABLES) {
      const t = sql.ident(table);
      const seen = await execute<{ mine: number; theirs: number }>(
        userScope(ua),
        sql`SELECT count(*) FILTER (WHERE "userId" = ${ua})::int AS mine, count(*) FILTER (WHERE "userId" <> ${ua})::int AS theirs FROM ${t}`,
      );
      expect({ table, mine: seen.rows[0]!.mine > 0, theirs: seen.rows[0]!.theirs }).toEqual({ table, mine: true, theirs: 0 });
      const none = await execute<{ n: number }>(NO_TENANT, sql`SELECT count(*)::int AS n FROM ${t}`);
      expect({ table, n: none.rows[0]!.n }).toEqual({ table, n: 0 });
      const changed = await execute(userScope(ua), sql`UPDATE ${t} SET "userId" = "userId" WHERE "userId" = ${ub}`);
      expect({ table, n: changed.rowCount }).toEqual({ table, n: 0 });
    }
    await expect(
      execute(userScope(ua), sql`INSERT INTO "SessionStepUp" ("sessionId", "userId", "at", "expiresAt") VALUES (${`sid-${uniq()}`}, ${ub}, now(), now())`),
    ).rejects.toThrow();
  });
});
