/**
 * Agents and teams over REST and tRPC: the round trip a script makes with nothing but an API key, the 422
 * listing every problem, the tenant line (another workspace's member or key gets 404 / NOT_FOUND, by id and by
 * slug) and the viewer's read-only access.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { openApiDocument } from "@/server/rest/openapi";
import { callerFor, makeApiKey, makeWorkspace, outcome, rest, type TestWorkspace } from "@/test/helpers";

let a: TestWorkspace;
let b: TestWorkspace;
const keys = {} as { a: string; b: string; aViewer: string; aMember: string };
let agentId: string;
let teamId: string;

beforeAll(async () => {
  a = await makeWorkspace("api-a");
  b = await makeWorkspace("api-b");
  keys.a = (await makeApiKey(a, "owner")).raw;
  keys.b = (await makeApiKey(b, "owner")).raw;
  keys.aViewer = (await makeApiKey(a, "viewer")).raw;
  keys.aMember = (await makeApiKey(a, "member")).raw;
  const owner = callerFor(a.users.owner, a.slug);
  agentId = (await owner.agents.create({ slug: "secret-agent", name: "Secret", instructions: "classified" })).id;
  await owner.agents.create({ slug: "helper", name: "Helper" });
  teamId = (await owner.teams.create({ slug: "secret-team", name: "Secret team", spec: { topology: "sequential", agents: ["secret-agent", "helper"] } })).id;
});

describe("REST: agents and teams with an API key", () => {
  it("creates, reads, updates and lists versions of an agent and a team", async () => {
    const created = await rest("POST", "/api/v1/agents", {
      key: keys.aMember,
      body: { slug: "scripted", name: "Scripted", instructions: "Do it.", temperature: 0.1 },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ slug: "scripted", currentVersion: 1, temperature: 0.1, modelPolicy: { type: "preset", preset: "balanced" } });
    const patched = await rest("PATCH", "/api/v1/agents/{agentId}", {
      key: keys.aMember,
      params: { agentId: "scripted" },
      body: { instructions: "Do it well." },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ currentVersion: 2, instructions: "Do it well.", temperature: 0.1 });
    const byId = await rest("GET", "/api/v1/agents/{agentId}", { key: keys.aViewer, params: { agentId: created.body.id } });
    expect(byId.body).toMatchObject({ slug: "scripted", currentVersion: 2 });
    const versions = await rest("GET", "/api/v1/agents/{agentId}/versions", { key: keys.aViewer, params: { agentId: "scripted" } });
    expect(versions.body.data.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    const list = await rest("GET", "/api/v1/agents", { key: keys.aViewer });
    expect(list.body.data.map((x: { slug: string }) => x.slug)).toEqual(expect.arrayContaining(["scripted", "secret-agent", "helper"]));
    // granting a tool needs tools:grant, which members lack
    const tooled = await rest("POST", "/api/v1/agents", { key: keys.aMember, body: { slug: "tooled", name: "T", allowedTools: ["calculator"] } });
    expect(tooled.status).toBe(403);
    expect(tooled.body.error.message).toContain("tools:grant");

    const team = await rest("POST", "/api/v1/teams", {
      key: keys.aMember,
      body: { slug: "scripted-team", name: "Scripted team", spec: { topology: "parallel", agents: ["scripted", "helper"] } },
    });
    expect(team.status).toBe(201);
    expect(team.body).toMatchObject({ slug: "scripted-team", topology: "parallel", agents: ["scripted", "helper"], currentVersion: 1 });
    const teamPatch = await rest("PATCH", "/api/v1/teams/{teamId}", {
      key: keys.aMember,
      params: { teamId: team.body.id },
      body: { spec: { topology: "parallel", agents: ["scripted", "helper"], aggregator: "secret-agent" } },
    });
    expect(teamPatch.body).toMatchObject({ currentVersion: 2, spec: { aggregator: "secret-agent" } });
    expect((await rest("GET", "/api/v1/teams/{teamId}", { key: keys.aViewer, params: { teamId: "scripted-team" } })).body.currentVersion).toBe(2);
    const teamVersions = await rest("GET", "/api/v1/teams/{teamId}/versions", { key: keys.aViewer, params: { teamId: "scripted-team" } });
    expect(teamVersions.body.data.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect((await rest("GET", "/api/v1/teams", { key: keys.aViewer })).body.data.map((t: { slug: string }) => t.slug)).toContain("scripted-team");
  });

  it("an invalid spec is a 422 listing every problem in issues", async () => {
    const res = await rest("POST", "/api/v1/teams", {
      key: keys.a,
      body: {
        slug: "broken",
        name: "Broken",
        spec: {
          topology: "dag",
          nodes: [
            { id: "x", agent: "ghost", dependsOn: ["y"] },
            { id: "y", agent: "helper", dependsOn: ["x"] },
          ],
          maxParallel: 99,
        },
      },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
    const paths = res.body.error.issues.map((i: { path: string }) => i.path).sort();
    expect(paths).toEqual(["spec.maxParallel", "spec.nodes.0.agent"]);
    const fixedLimit = await rest("POST", "/api/v1/teams", {
      key: keys.a,
      body: {
        slug: "broken",
        name: "Broken",
        spec: {
          topology: "dag",
          nodes: [
            { id: "x", agent: "ghost", dependsOn: ["y"] },
            { id: "y", agent: "helper", dependsOn: ["x"] },
          ],
        },
      },
    });
    expect(fixedLimit.status).toBe(422);
    expect(fixedLimit.body.error.issues).toEqual(
      expect.arrayContaining([
        { path: "spec.nodes.0.agent", message: 'Unknown agent "ghost"' },
        { path: "spec.nodes", message: "The graph has a cycle: x -> y -> x" },
      ]),
    );
    expect(fixedLimit.body.error.message).toContain("2 problems");
    const patch = await rest("PATCH", "/api/v1/teams/{teamId}", {
      key: keys.a,
      params: { teamId: "secret-team" },
      body: { spec: { topology: "mesh", agents: ["helper"] } },
    });
    expect(patch.status).toBe(422);
    expect(patch.body.error.issues[0].path).toBe("spec.agents");
  });

  it("documents the routes with the shared schemas", () => {
    const doc = openApiDocument();
    const schemas = Object.keys(doc.components?.schemas ?? {});
    expect(schemas).toEqual(expect.arrayContaining(["Agent", "AgentVersion", "Team", "TeamVersion", "TopologySpec", "ModelPolicy"]));
    const paths = doc.paths as Record<string, Record<string, { requestBody?: unknown }>>;
    expect(JSON.stringify(paths["/api/v1/teams"]!.post!.requestBody)).toContain("#/components/schemas/TopologySpec");
    for (const p of [
      "/api/v1/agents",
      "/api/v1/agents/{agentId}",
      "/api/v1/agents/{agentId}/versions",
      "/api/v1/teams",
      "/api/v1/teams/{teamId}",
      "/api/v1/teams/{teamId}/versions",
    ]) {
      expect(paths[p], p).toBeDefined();
    }
  });
});

describe("the tenant line: agents and teams", () => {
  const ownerB = () => callerFor(b.users.owner, b.slug);

  it("B's owner gets NOT_FOUND on A's agent and team over tRPC, by id and by slug", async () => {
    for (const agent of [agentId, "secret-agent"]) {
      expect(await outcome(ownerB().agents.get({ agent })), agent).toMatchObject({ ok: false, code: "NOT_FOUND" });
      expect(await outcome(ownerB().agents.versions({ agent }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
      expect(await outcome(ownerB().agents.diff({ agent, from: 1, to: 1 }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
      expect(await outcome(ownerB().agents.update({ agent, name: "Pwned" }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
      expect(await outcome(ownerB().agents.archive({ agent }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    }
    for (const team of [teamId, "secret-team"]) {
      expect(await outcome(ownerB().teams.get({ team })), team).toMatchObject({ ok: false, code: "NOT_FOUND" });
      expect(await outcome(ownerB().teams.versions({ team }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
      expect(await outcome(ownerB().teams.diff({ team, from: 1, to: 1 }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
      expect(await outcome(ownerB().teams.update({ team, name: "Pwned" }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
      expect(await outcome(ownerB().teams.archive({ team }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
      expect(await outcome(ownerB().teams.validate({ team, spec: { topology: "sequential", agents: ["x"] } }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    }
    // A's agents do not exist for B's specs either
    const bTeam = await outcome(
      ownerB().teams.create({
        slug: "thief",
        name: "Thief",
        spec: { topology: "hybrid", arrangement: { topology: "sequential", agents: ["secret-agent", { team: "secret-team" }] } },
      }),
    );
    expect(bTeam).toMatchObject({ ok: false, appCode: "VALIDATION_FAILED" });
    expect(bTeam.ok === false && bTeam.message).toContain('Unknown agent "secret-agent"');
    expect(bTeam.ok === false && bTeam.message).toContain('Unknown team "secret-team"');
    expect((await ownerB().agents.list()).items.map((x) => x.id)).not.toContain(agentId);
    expect((await ownerB().teams.list()).items.map((x) => x.id)).not.toContain(teamId);
  });

  it("B's API key gets 404 on A's agent and team over REST, and nothing changes", async () => {
    for (const id of [agentId, "secret-agent"]) {
      expect((await rest("GET", "/api/v1/agents/{agentId}", { key: keys.b, params: { agentId: id } })).status).toBe(404);
      expect((await rest("GET", "/api/v1/agents/{agentId}/versions", { key: keys.b, params: { agentId: id } })).status).toBe(404);
      const patch = await rest("PATCH", "/api/v1/agents/{agentId}", { key: keys.b, params: { agentId: id }, body: { name: "Pwned" } });
      expect(patch.status).toBe(404);
      expect(patch.body).toMatchObject({ error: { code: "NOT_FOUND" } });
    }
    for (const id of [teamId, "secret-team"]) {
      expect((await rest("GET", "/api/v1/teams/{teamId}", { key: keys.b, params: { teamId: id } })).status).toBe(404);
      expect((await rest("GET", "/api/v1/teams/{teamId}/versions", { key: keys.b, params: { teamId: id } })).status).toBe(404);
      expect((await rest("PATCH", "/api/v1/teams/{teamId}", { key: keys.b, params: { teamId: id }, body: { name: "Pwned" } })).status).toBe(404);
    }
    const listB = await rest("GET", "/api/v1/agents", { key: keys.b });
    expect(listB.body.data.map((x: { id: string }) => x.id)).not.toContain(agentId);
    expect((await rest("GET", "/api/v1/teams", { key: keys.b })).body.data.map((x: { id: string }) => x.id)).not.toContain(teamId);
    const owner = callerFor(a.users.owner, a.slug);
    expect(await owner.agents.get({ agent: agentId })).toMatchObject({ name: "Secret", currentVersion: 1 });
    expect(await owner.teams.get({ team: teamId })).toMatchObject({ name: "Secret team", currentVersion: 1 });
  });
});

describe("viewers read but do not edit", () => {
  it("REST: a viewer's key reads agents and teams and gets 403 on every write", async () => {
    expect((await rest("GET", "/api/v1/agents/{agentId}", { key: keys.aViewer, params: { agentId: "secret-agent" } })).status).toBe(200);
    expect((await rest("GET", "/api/v1/teams/{teamId}", { key: keys.aViewer, params: { teamId: "secret-team" } })).status).toBe(200);
    const writes = [
      await rest("POST", "/api/v1/agents", { key: keys.aViewer, body: { slug: "nope", name: "Nope" } }),
      await rest("PATCH", "/api/v1/agents/{agentId}", { key: keys.aViewer, params: { agentId: "secret-agent" }, body: { name: "Nope" } }),
      await rest("POST", "/api/v1/teams", { key: keys.aViewer, body: { slug: "nope", name: "Nope", spec: { topology: "sequential", agents: ["helper"] } } }),
      await rest("PATCH", "/api/v1/teams/{teamId}", { key: keys.aViewer, params: { teamId: "secret-team" }, body: { name: "Nope" } }),
    ];
    for (const res of writes) {
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe("FORBIDDEN");
    }
    expect((await rest("GET", "/api/v1/agents/{agentId}", { key: keys.a, params: { agentId: "secret-agent" } })).body.name).toBe("Secret");
  });

  it("tRPC: a viewer reads and validates, and is FORBIDDEN to create, update or archive", async () => {
    const viewer = callerFor(a.users.viewer, a.slug);
    expect((await viewer.agents.list()).items.length).toBeGreaterThan(0);
    expect((await viewer.teams.validate({ spec: { topology: "sequential", agents: ["helper"] } })).valid).toBe(true);
    expect(await outcome(viewer.agents.create({ slug: "v", name: "V" }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await outcome(viewer.agents.update({ agent: "helper", name: "V" }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await outcome(viewer.agents.archive({ agent: "helper" }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await outcome(viewer.teams.create({ slug: "v", name: "V", spec: {} }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await outcome(viewer.teams.update({ team: "secret-team", name: "V" }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await outcome(viewer.teams.archive({ team: "secret-team" }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
  });
});

describe("context budget options (issue 10 §2)", () => {
  it("REST: an agent's contextBudget saves and reads back; a bad one is a 422 at its field, nothing written", async () => {
    const bad = await rest("POST", "/api/v1/agents", { key: keys.a, body: { slug: "ctx-bad", name: "C", contextBudget: { strategy: "forget" } } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe("VALIDATION_FAILED");
    expect(bad.body.error.issues[0].path).toBe("contextBudget.strategy");
    const badKeep = await rest("POST", "/api/v1/agents", { key: keys.a, body: { slug: "ctx-bad", name: "C", contextBudget: { strategy: "last_k", keep: 0 } } });
    expect(badKeep.status).toBe(422);
    expect(badKeep.body.error.issues[0].path).toBe("contextBudget.keep");
    expect((await rest("GET", "/api/v1/agents/{agentId}", { key: keys.a, params: { agentId: "ctx-bad" } })).status).toBe(404);
    const ok = await rest("POST", "/api/v1/agents", { key: keys.a, body: { slug: "ctx-ok", name: "C", contextBudget: { strategy: "last_k", keep: 3 } } });
    expect(ok.status).toBe(201);
    expect(ok.body.contextBudget).toEqual({ strategy: "last_k", keep: 3 });
    const cleared = await rest("PATCH", "/api/v1/agents/{agentId}", { key: keys.a, params: { agentId: "ctx-ok" }, body: { contextBudget: null } });
    expect(cleared.status).toBe(200);
    expect(cleared.body.contextBudget).toBeNull();
    const plain = await rest("POST", "/api/v1/agents", { key: keys.a, body: { slug: "ctx-plain", name: "C" } });
    expect(plain.body.contextBudget).toBeNull();
  });

  it("REST: an agent's callTimeoutSeconds saves, reads back, clears; out of range is a 422 at its field", async () => {
    const bad = await rest("POST", "/api/v1/agents", { key: keys.a, body: { slug: "to-bad", name: "T", callTimeoutSeconds: 601 } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.issues[0].path).toBe("callTimeoutSeconds");
    const ok = await rest("POST", "/api/v1/agents", { key: keys.a, body: { slug: "to-ok", name: "T", callTimeoutSeconds: 30 } });
    expect(ok.status).toBe(201);
    expect(ok.body.callTimeoutSeconds).toBe(30);
    const cleared = await rest("PATCH", "/api/v1/agents/{agentId}", { key: keys.a, params: { agentId: "to-ok" }, body: { callTimeoutSeconds: null } });
    expect(cleared.body.callTimeoutSeconds).toBeNull();
    expect(cleared.body.currentVersion).toBe(2);
  });

  it("REST: a team's contextBudget (on the arrangement for hybrid) saves; a bad one is a 422 at spec.contextBudget", async () => {
    const spec = (contextBudget: unknown) => ({ topology: "sequential", agents: ["helper"], context: "all", contextBudget });
    const bad = await rest("POST", "/api/v1/teams", { key: keys.a, body: { slug: "ctx-team", name: "T", spec: spec({ strategy: "summarize", extra: 1 }) } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.issues[0].path).toBe("spec.contextBudget");
    const ok = await rest("POST", "/api/v1/teams", { key: keys.a, body: { slug: "ctx-team", name: "T", spec: spec({ strategy: "summarize" }) } });
    expect(ok.status).toBe(201);
    expect(ok.body.spec.contextBudget).toEqual({ strategy: "summarize" });
  });
});
