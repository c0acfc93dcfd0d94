/**
 * A test call of a tool by a person (tools.test, POST /api/v1/tools/{toolId}/test) against the real database: the
 * result as the model would read it, bad arguments on `input`, who may (tools:update), another workspace's tool.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { appErrorOf, callerFor, makeApiKey, makeWorkspace, outcome, rest, uniq, type TestWorkspace } from "@/test/helpers";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { testTool } from "./test-call";
import { testDb as db } from "@/test/db";

let ws: TestWorkspace;
let other: TestWorkspace;
beforeAll(async () => {
  ws = await makeWorkspace("tools-test");
  other = await makeWorkspace("tools-test-other");
});

describe("a test call", () => {
  it("of the calculator returns its result, by name or by id, and writes nothing", async () => {
    const member = callerFor(ws.users.member, ws.slug);
    const audits = await db().auditLog.count({ where: { workspaceId: ws.id } });
    const result = await member.tools.test({ tool: "calculator", input: { expression: "(3 + 4) * 2" } });
    expect(result).toMatchObject({ isError: false, meta: null });
    expect(JSON.parse(result.output)).toEqual({ expression: "(3 + 4) * 2", result: "14" });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    // the tool's own failure is a result, as the agent would get it
    expect(await member.tools.test({ tool: "calculator", input: { expression: "1 +" } })).toMatchObject({ isError: true });
    // a built-in with a settings row is named by its id too
    const saved = await callerFor(ws.users.admin, ws.slug).tools.update({ tool: "calculator", costPerCallUsd: 0.5 });
    expect(JSON.parse((await member.tools.test({ tool: saved.id!, input: { expression: "2^10" } })).output).result).toBe("1024");
    expect(await db().auditLog.count({ where: { workspaceId: ws.id } })).toBe(audits + 1); // the update's row only
  });

  it("refuses arguments that do not match the tool's schema, on `input`", async () => {
    const ctx = await resolveUserTenant(ws.users.owner, ws.slug, `req_test${uniq()}`);
    const error = await appErrorOf(testTool(ctx, "calculator", { expr: "1" }));
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.details?.issues).toEqual([{ path: "input", message: expect.stringContaining("expression") }]);
    const res = await rest("POST", "/api/v1/tools/{toolId}/test", {
      key: (await makeApiKey(ws, "owner")).raw,
      params: { toolId: "calculator" },
      body: { input: {} },
    });
    expect(res.status).toBe(422);
  });

  it("is refused for a custom tool whose stored request no longer reads as one", async () => {
    const owner = callerFor(ws.users.owner, ws.slug);
    const created = await owner.tools.create({
      name: `broken_${uniq()}`,
      description: "Broken",
      config: { method: "GET", urlTemplate: "https://api.example.com/x", headers: {}, bodyTemplate: null },
    });
    await db().tool.update({ where: { id: created.id! }, data: { config: { method: "FETCH" } } });
    expect(await outcome(owner.tools.test({ tool: created.id!, input: {} }))).toMatchObject({ ok: false, code: "CONFLICT" });
  });

  it("needs tools:update: a viewer gets 403; another workspace's tool is 404", async () => {
    const viewer = await outcome(callerFor(ws.users.viewer, ws.slug).tools.test({ tool: "calculator", input: { expression: "1" } }));
    expect(viewer).toMatchObject({ ok: false, code: "FORBIDDEN" });
    const viewerKey = (await makeApiKey(ws, "viewer")).raw;
    const body = { input: { expression: "1 + 1" } };
    expect((await rest("POST", "/api/v1/tools/{toolId}/test", { key: viewerKey, params: { toolId: "calculator" }, body })).status).toBe(403);

    // a custom tool of `other`: by id from ws, it is not found (and not run)
    const foreign = await callerFor(other.users.owner, other.slug).tools.create({
      name: "foreign_lookup",
      description: "Looks up",
      config: { method: "GET", urlTemplate: "https://api.example.com/x", headers: {}, bodyTemplate: null },
    });
    const byId = await outcome(callerFor(ws.users.member, ws.slug).tools.test({ tool: foreign.id!, input: {} }));
    expect(byId).toMatchObject({ ok: false, code: "NOT_FOUND" });
    const byName = await outcome(callerFor(ws.users.member, ws.slug).tools.test({ tool: "foreign_lookup", input: {} }));
    expect(byName).toMatchObject({ ok: false, code: "NOT_FOUND" });
    const memberKey = (await makeApiKey(ws, "member")).raw;
    const res = await rest("POST", "/api/v1/tools/{toolId}/test", { key: memberKey, params: { toolId: foreign.id! }, body: { input: {} } });
    expect(res.status).toBe(404);
    const ok = await rest("POST", "/api/v1/tools/{toolId}/test", { key: memberKey, params: { toolId: "calculator" }, body });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ isError: false, output: JSON.stringify({ expression: "1 + 1", result: "2" }) });
  });
});
