/**
 * Saves are version-checked: an edit carries the version it started from (`baseVersion` over tRPC and REST, or
 * `If-Match` with the ETag a GET returned), and a save based on an older version is a 409 CONFLICT that names both
 * versions, instead of silently overwriting someone else's change. Two saves based on the same version at once:
 * exactly one wins. And REST archives agents and teams like the web app, with the same audit entry.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { executeRoute } from "@/server/rest/define";
import { openApiDocument } from "@/server/rest/openapi";
import { callerFor, findRoute, makeApiKey, makeWorkspace, outcome, type TestWorkspace } from "@/test/helpers";

let ws: TestWorkspace;
let key: string;
let keyId: string;
const owner = () => callerFor(ws.users.owner, ws.slug);

beforeAll(async () => {
  ws = await makeWorkspace("saves");
  ({ raw: key, id: keyId } = await makeApiKey(ws, "owner"));
  await owner().agents.create({ slug: "helper", name: "Helper" });
});

/** A REST call with extra request headers (If-Match). */
async function call(method: string, path: string, opts: { params: Record<string, string>; body?: unknown; headers?: Record<string, string> }) {
  let url = `http://localhost:3000${path}`;
  for (const [k, v] of Object.entries(opts.params)) url = url.replace(`{${k}}`, v);
  const headers = { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${key}`, ...opts.headers };
  const res = await executeRoute(
    findRoute(method, path),
    new Request(url, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) }),
    opts.params,
  );
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, etag: res.headers.get("etag") };
}

describe.each([
  { kind: "agent", path: "/api/v1/agents/{agentId}", param: "agentId", edit: (n: number) => ({ instructions: `edit ${n}` }) },
  { kind: "team", path: "/api/v1/teams/{teamId}", param: "teamId", edit: (n: number) => ({ description: `edit ${n}` }) },
])("$kind saves", ({ kind, path, param, edit }) => {
  let id: string;
  const slug = `${kind}-edited`;
  beforeAll(async () => {
    id =
      kind === "agent"
        ? (await owner().agents.create({ slug, name: "Edited" })).id
        : (await owner().teams.create({ slug, name: "Edited", spec: { topology: "sequential", agents: ["helper"] } })).id;
  });
  const update = (input: { baseVersion?: number; n: number }) =>
    kind === "agent"
      ? owner().agents.update({ agent: id, ...edit(input.n), ...(input.baseVersion === undefined ? {} : { baseVersion: input.baseVersion }) })
      : owner().teams.update({ team: id, ...edit(input.n), ...(input.baseVersion === undefined ? {} : { baseVersion: input.baseVersion }) });
  const current = async () =>
    (kind === "agent" ? db().agent.findUniqueOrThrow({ where: { id } }) : db().team.findUniqueOrThrow({ where: { id } })).then((r) => r.currentVersion);

  it("GET answers an ETag; PATCH with If-Match of the current version saves and answers the next ETag", async () => {
    const got = await call("GET", path, { params: { [param]: id } });
    expect(got.status).toBe(200);
    expect(got.etag).toBe(`"v${got.body.currentVersion}"`);
    const saved = await call("PATCH", path, { params: { [param]: id }, body: edit(1), headers: { "if-match": got.etag! } });
    expect(saved.status).toBe(200);
    expect(saved.body.currentVersion).toBe(got.body.currentVersion + 1);
    expect(saved.etag).toBe(`"v${saved.body.currentVersion}"`);
  });

  it("a stale If-Match or baseVersion is a 409 naming both versions, and nothing is written", async () => {
    const before = await current();
    const stale = await call("PATCH", path, { params: { [param]: id }, body: edit(2), headers: { "if-match": `"v${before - 1}"` } });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe("CONFLICT");
    expect(stale.body.error.message).toContain(`version ${before} now`);
    expect(stale.body.error.message).toContain(`started from version ${before - 1}`);
    const staleBody = await call("PATCH", path, { params: { [param]: id }, body: { ...edit(3), baseVersion: before - 1 } });
    expect(staleBody.status).toBe(409);
    expect(await outcome(update({ n: 4, baseVersion: before - 1 }))).toMatchObject({ ok: false, code: "CONFLICT" });
    expect(await current()).toBe(before);
    // a weak ETag and `*` are understood; a malformed one or a disagreement is a 400
    expect((await call("PATCH", path, { params: { [param]: id }, body: edit(5), headers: { "if-match": `W/"v${before}"` } })).status).toBe(200);
    expect((await call("PATCH", path, { params: { [param]: id }, body: edit(6), headers: { "if-match": "*" } })).status).toBe(200);
    expect((await call("PATCH", path, { params: { [param]: id }, body: edit(7), headers: { "if-match": "v3" } })).status).toBe(400);
    const disagree = await call("PATCH", path, { params: { [param]: id }, body: { ...edit(8), baseVersion: 1 }, headers: { "if-match": `"v${before + 2}"` } });
    expect(disagree.status).toBe(400);
    expect(await current()).toBe(before + 2);
    // without a base version the save is not checked (last writer wins, as before)
    expect((await update({ n: 9 })).currentVersion).toBe(before + 3);
  });

  it("two saves based on the same version at once: one 200, one 409", async () => {
    const base = await current();
    const results = await Promise.all([
      call("PATCH", path, { params: { [param]: id }, body: { ...edit(10), baseVersion: base } }),
      call("PATCH", path, { params: { [param]: id }, body: edit(11), headers: { "if-match": `"v${base}"` } }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(await current()).toBe(base + 1);
    // and over tRPC
    const trpc = await Promise.all([outcome(update({ n: 12, baseVersion: base + 1 })), outcome(update({ n: 13, baseVersion: base + 1 }))]);
    expect(trpc.map((r) => (r.ok ? "ok" : r.code)).sort()).toEqual(["CONFLICT", "ok"]);
    expect(await current()).toBe(base + 2);
  });

  it("REST restores a released version as the next version (If-Match checked), audited with restoredFrom", async () => {
    const got = await call("GET", path, { params: { [param]: id } });
    const latest = got.body.latestVersion as number;
    const stale = await call("POST", `${path}/restore`, { params: { [param]: id }, body: { version: 1 }, headers: { "if-match": `"v${latest - 1}"` } });
    expect(stale.status).toBe(409);
    const restored = await call("POST", `${path}/restore`, { params: { [param]: id }, body: { version: 1 }, headers: { "if-match": got.etag! } });
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ currentVersion: latest + 1, latestVersion: latest + 1 });
    expect(restored.etag).toBe(`"v${latest + 1}"`);
    const v1 = kind === "agent" ? { instructions: "" } : { description: "" };
    expect(restored.body).toMatchObject(v1);
    const audit = await db().auditLog.findFirst({ where: { workspaceId: ws.id, action: `${kind}.update`, targetId: id }, orderBy: { createdAt: "desc" } });
    expect(audit?.metadata).toMatchObject({ version: latest + 1, restoredFrom: 1 });
    expect((await call("POST", `${path}/restore`, { params: { [param]: id }, body: { version: 999 } })).status).toBe(404);
    expect((await call("POST", `${path}/restore`, { params: { [param]: id }, body: { version: 0 } })).status).toBe(422);
  });

  it("REST archives it like the web app: the same soft delete and audit entry, idempotent", async () => {
    const archived = await call("POST", `${path}/archive`, { params: { [param]: id } });
    expect(archived.status).toBe(200);
    expect(archived.body.archivedAt).toEqual(expect.any(String));
    const again = await call("POST", `${path}/archive`, { params: { [param]: id } });
    expect(again.status).toBe(200);
    expect(again.body.archivedAt).toBe(archived.body.archivedAt);
    const audits = await db().auditLog.findMany({ where: { workspaceId: ws.id, action: `${kind}.archive`, targetId: id } });
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actorType: "api_key", actorId: keyId, targetType: kind, metadata: { slug } });
    // an archived one cannot be saved
    expect((await call("PATCH", path, { params: { [param]: id }, body: edit(14) })).status).toBe(409);
  });
});

describe("the OpenAPI document", () => {
  it("lists the archive routes, the steps routes, If-Match and baseVersion, and paged list responses", () => {
    const doc = openApiDocument() as unknown as {
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[]; requestBody?: unknown; responses: Record<string, unknown> }>>;
    };
    expect(doc.paths["/api/v1/agents/{agentId}/archive"]?.post).toBeDefined();
    expect(doc.paths["/api/v1/teams/{teamId}/archive"]?.post).toBeDefined();
    expect(doc.paths["/api/v1/runs/{runId}/steps"]?.get).toBeDefined();
    expect(doc.paths["/api/v1/runs/{runId}/steps/{stepId}"]?.get).toBeDefined();
    for (const p of ["/api/v1/agents/{agentId}", "/api/v1/teams/{teamId}"]) {
      expect(
        doc.paths[p]!.patch!.parameters?.some((x) => x.in === "header" && x.name === "if-match"),
        p,
      ).toBe(true);
      expect(JSON.stringify(doc.paths[p]!.patch!.requestBody)).toContain("baseVersion");
    }
    for (const p of ["/api/v1/agents", "/api/v1/teams", "/api/v1/secrets", "/api/v1/models", "/api/v1/members"]) {
      expect(
        doc.paths[p]!.get!.parameters?.map((x) => x.name),
        p,
      ).toEqual(expect.arrayContaining(["limit", "cursor"]));
      expect(JSON.stringify(doc.paths[p]!.get!.responses["200"]), p).toContain("nextCursor");
    }
  });
});
