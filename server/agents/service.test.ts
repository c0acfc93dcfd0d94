import { beforeAll, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { auditRows, callerFor, makeApiKey, makeWorkspace, outcome, rest, type TestWorkspace } from "@/test/helpers";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { getAgentVersion } from "./service";

let ws: TestWorkspace;
const owner = () => callerFor(ws.users.owner, ws.slug);
const tenant = () => resolveUserTenant(ws.users.owner, ws.slug, "req_test");

beforeAll(async () => {
  ws = await makeWorkspace("agents");
});

describe("agents: create, list, get", () => {
  it("creates version 1 with defaults; lists and gets it by id and by slug", async () => {
    const a = await owner().agents.create({ slug: "writer", name: "Writer" });
    expect(a).toMatchObject({
      slug: "writer",
      name: "Writer",
      currentVersion: 1,
      versionCount: 1,
      archivedAt: null,
      roleDescription: "",
      instructions: "",
      modelPolicy: { type: "preset", preset: "balanced" },
      maxOutputTokens: 1024,
      temperature: 0.7,
      allowedTools: [],
      memoryPolicy: null,
    });
    expect(a.id).toMatch(/^agt_/);
    expect(await owner().agents.get({ agent: a.id })).toEqual(a);
    expect(await owner().agents.get({ agent: "writer" })).toEqual(a);
    const list = (await owner().agents.list()).items;
    expect(list.find((x) => x.slug === "writer")).toEqual(a);
    const versions = (await owner().agents.versions({ agent: "writer" })).items;
    expect(versions.map((v) => v.version)).toEqual([1]);
    expect(versions[0]).toMatchObject({ agentId: a.id, slug: "writer", name: "Writer" });
  });

  it("refuses a taken slug (CONFLICT) and invalid fields with clear messages", async () => {
    await owner().agents.create({ slug: "dup", name: "Dup" });
    expect(await outcome(owner().agents.create({ slug: "dup", name: "Again" }))).toMatchObject({ ok: false, code: "CONFLICT" });
    const bad = async (input: Record<string, unknown>) => outcome(owner().agents.create({ slug: "ok-slug", name: "X", ...input } as never));
    expect(await bad({ slug: "Bad Slug" })).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    expect(await bad({ slug: "-lead" })).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    expect(await bad({ slug: "a".repeat(64) })).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    expect(await bad({ instructions: "x".repeat(20_001) })).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    expect(await bad({ maxOutputTokens: 0 })).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    expect(await bad({ maxOutputTokens: 32_001 })).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    expect(await bad({ temperature: 2.1 })).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    expect(await bad({ modelPolicy: { type: "magic" } })).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    // a tool the workspace does not have, a name that cannot be a tool's, the same tool twice
    const tools = await bad({ allowedTools: ["web_search"] });
    expect(tools).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    expect(tools.ok === false && tools.message).toContain('No tool named "web_search"');
    expect(await bad({ allowedTools: ["Web Search"] })).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    const twice = await bad({ allowedTools: ["calculator", "calculator"] });
    expect(twice.ok === false && twice.message).toContain("granted once");
    // at the limits
    const edge = await owner().agents.create({ slug: "a".repeat(63), name: "Edge", instructions: "x".repeat(20_000), maxOutputTokens: 32_000, temperature: 2 });
    expect(edge.instructions).toHaveLength(20_000);
  });
});

describe("agents: versions", () => {
  it("an update is a new immutable version; old versions stay as they were and can be pinned by number", async () => {
    const a = await owner().agents.create({ slug: "editor", name: "Editor", instructions: "Edit.\nBe brief.", temperature: 0.2 });
    const v2 = await owner().agents.update({ agent: "editor", instructions: "Edit.\nBe thorough.\nCite sources.", temperature: 0.5 });
    expect(v2).toMatchObject({
      id: a.id,
      currentVersion: 2,
      versionCount: 2,
      instructions: "Edit.\nBe thorough.\nCite sources.",
      temperature: 0.5,
      name: "Editor",
    });
    const pinned = (await db().model.findFirstOrThrow({ where: { workspaceId: ws.id, modelId: "sim-fast" } })).id;
    const v3 = await owner().agents.update({ agent: a.id, name: "Chief editor", modelPolicy: { type: "pinned", modelId: pinned } });
    expect(v3.currentVersion).toBe(3);
    expect(v3.instructions).toBe("Edit.\nBe thorough.\nCite sources."); // carried over

    const ctx = await tenant();
    expect(await getAgentVersion(ctx, "editor", 1)).toMatchObject({
      version: 1,
      name: "Editor",
      instructions: "Edit.\nBe brief.",
      temperature: 0.2,
      modelPolicy: { type: "preset", preset: "balanced" },
    });
    expect(await getAgentVersion(ctx, a.id, 2)).toMatchObject({ version: 2, temperature: 0.5 });
    expect(await getAgentVersion(ctx, "editor")).toMatchObject({ version: 3, name: "Chief editor", modelPolicy: { type: "pinned", modelId: pinned } });
    await expect(getAgentVersion(ctx, "editor", 9)).rejects.toMatchObject({ code: "NOT_FOUND" });
    const versions = (await owner().agents.versions({ agent: "editor" })).items;
    expect(versions.map((v) => [v.version, v.name])).toEqual([
      [3, "Chief editor"],
      [2, "Editor"],
      [1, "Editor"],
    ]);
    const rows = await db().agentVersion.findMany({ where: { agentId: a.id }, orderBy: { version: "asc" } });
    expect(rows.map((r) => r.instructions)).toEqual(["Edit.\nBe brief.", "Edit.\nBe thorough.\nCite sources.", "Edit.\nBe thorough.\nCite sources."]);
  });

  it("an update identical to the current version (or empty) writes nothing", async () => {
    const a = await owner().agents.create({
      slug: "same",
      name: "Same",
      instructions: "Hi",
      modelPolicy: {
        type: "constraints",
        constraints: { minQuality: 0.5, requiredCapabilities: [], preferredProviders: [], localFirst: false, localOnly: false },
      },
    });
    const auditBefore = (await auditRows(ws.id, "agent.update")).length;
    const same = await owner().agents.update({
      agent: "same",
      name: "Same",
      instructions: "Hi",
      temperature: 0.7,
      modelPolicy: { type: "constraints", constraints: { minQuality: 0.5 } }, // defaults fill in to the same policy
    });
    expect(same.currentVersion).toBe(1);
    expect((await owner().agents.update({ agent: "same" })).currentVersion).toBe(1);
    expect(await db().agentVersion.count({ where: { agentId: a.id } })).toBe(1);
    expect((await auditRows(ws.id, "agent.update")).length).toBe(auditBefore);
  });

  it("diffs any two versions field by field, instructions as a line diff", async () => {
    await owner().agents.create({ slug: "differ", name: "Differ", instructions: "one\ntwo\nthree", maxOutputTokens: 100 });
    await owner().agents.update({ agent: "differ", instructions: "one\n2\nthree\nfour", maxOutputTokens: 200 });
    await owner().agents.update({ agent: "differ", name: "Differ 3" });
    const d = await owner().agents.diff({ agent: "differ", from: 1, to: 2 });
    expect(d.changes.map((c) => c.field)).toEqual(["instructions", "maxOutputTokens"]);
    expect(d.changes[1]).toEqual({ field: "maxOutputTokens", before: 100, after: 200 });
    expect(d.changes[0]!.lines).toEqual([
      { op: "equal", text: "one" },
      { op: "remove", text: "two" },
      { op: "add", text: "2" },
      { op: "equal", text: "three" },
      { op: "add", text: "four" },
    ]);
    const wide = await owner().agents.diff({ agent: "differ", from: 3, to: 1 });
    expect(wide.changes.map((c) => c.field)).toEqual(["name", "instructions", "maxOutputTokens"]);
    expect(wide.changes[0]).toMatchObject({ before: "Differ 3", after: "Differ" });
    expect((await owner().agents.diff({ agent: "differ", from: 2, to: 2 })).changes).toEqual([]);
    expect(await outcome(owner().agents.diff({ agent: "differ", from: 1, to: 7 }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
  });
});

describe("agents: restoring a version, and candidates", () => {
  it("restores a released version as a new current version with its fields; audited with restoredFrom; the history stays", async () => {
    await owner().agents.create({ slug: "rollback", name: "Rollback", instructions: "first", maxOutputTokens: 100 });
    await owner().agents.update({ agent: "rollback", instructions: "second", maxOutputTokens: 200 });
    await owner().agents.update({ agent: "rollback", name: "Rollback 3" });
    const restored = await owner().agents.restore({ agent: "rollback", version: 1, baseVersion: 3 });
    expect(restored).toMatchObject({ currentVersion: 4, latestVersion: 4, versionCount: 4, name: "Rollback", instructions: "first", maxOutputTokens: 100 });
    const versions = (await owner().agents.versions({ agent: "rollback" })).items;
    expect(versions.map((v) => [v.version, v.instructions, v.releasedAt !== null])).toEqual([
      [4, "first", true],
      [3, "second", true],
      [2, "second", true],
      [1, "first", true],
    ]);
    const [audit] = await auditRows(ws.id, "agent.update");
    expect(audit?.metadata).toMatchObject({ slug: "rollback", version: 4, restoredFrom: 1, changed: ["name", "instructions", "maxOutputTokens"] });
    // restoring what the latest version already is writes nothing
    expect(await owner().agents.restore({ agent: "rollback", version: 1 })).toEqual(await owner().agents.get({ agent: "rollback" }));
    expect((await owner().agents.get({ agent: "rollback" })).versionCount).toBe(4);
    expect(await outcome(owner().agents.restore({ agent: "rollback", version: 9 }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await outcome(owner().agents.restore({ agent: "rollback", version: 2, baseVersion: 3 }))).toMatchObject({ ok: false, code: "CONFLICT" });
    expect((await owner().agents.get({ agent: "rollback" })).versionCount).toBe(4);
  });

  it("a candidate (saved, not released) is not what runs use; edits build on it; it cannot be restored", async () => {
    const a = await owner().agents.create({ slug: "candidate", name: "Candidate", instructions: "released" });
    await owner().agents.update({ agent: "candidate", instructions: "candidate" });
    // version 2 as a candidate awaiting its evaluation: current stays 1
    await db().agentVersion.updateMany({ where: { agentId: a.id, version: 2 }, data: { releasedAt: null } });
    await db().agent.update({ where: { id: a.id }, data: { currentVersion: 1 } });
    const got = await owner().agents.get({ agent: "candidate" });
    expect(got).toMatchObject({ currentVersion: 1, latestVersion: 2, versionCount: 2, instructions: "released" });
    expect((await getAgentVersion(await tenant(), "candidate")).instructions).toBe("released");
    expect((await getAgentVersion(await tenant(), "candidate", 2)).releasedAt).toBeNull();
    // an edit is based on the latest version: the current one is stale for it, and the candidate's fields carry over
    expect(await outcome(owner().agents.update({ agent: "candidate", maxOutputTokens: 300, baseVersion: 1 }))).toMatchObject({ ok: false, code: "CONFLICT" });
    expect(await outcome(owner().agents.restore({ agent: "candidate", version: 2 }))).toMatchObject({ ok: false, code: "CONFLICT" });
    const saved = await owner().agents.update({ agent: "candidate", maxOutputTokens: 300, baseVersion: 2 });
    expect(saved).toMatchObject({ currentVersion: 3, latestVersion: 3, instructions: "candidate", maxOutputTokens: 300 });
    // with a candidate pending, restoring the current version releases it again as the newest
    await db().agentVersion.updateMany({ where: { agentId: a.id, version: 3 }, data: { releasedAt: null } });
    await db().agent.update({ where: { id: a.id }, data: { currentVersion: 1 } });
    const back = await owner().agents.restore({ agent: "candidate", version: 1 });
    expect(back).toMatchObject({ currentVersion: 4, latestVersion: 4, instructions: "released", maxOutputTokens: 1024 });
  });
});

describe("agents: archive", () => {
  it("hides the agent from the list, refuses changes and new uses, keeps old versions readable; audited", async () => {
    const a = await owner().agents.create({ slug: "retiree", name: "Retiree" });
    await owner().agents.update({ agent: "retiree", instructions: "v2" });
    const archived = await owner().agents.archive({ agent: "retiree" });
    expect(archived.archivedAt).toBeInstanceOf(Date);
    expect((await owner().agents.list()).items.map((x) => x.slug)).not.toContain("retiree");
    expect((await owner().agents.list({ includeArchived: true })).items.map((x) => x.slug)).toContain("retiree");
    expect(await owner().agents.get({ agent: "retiree" })).toMatchObject({ id: a.id, archivedAt: archived.archivedAt });
    expect(await outcome(owner().agents.update({ agent: "retiree", name: "Back" }))).toMatchObject({ ok: false, code: "CONFLICT" });
    // archiving again is a no-op
    expect((await owner().agents.archive({ agent: "retiree" })).archivedAt).toEqual(archived.archivedAt);

    const ctx = await tenant();
    expect(await getAgentVersion(ctx, "retiree", 1)).toMatchObject({ version: 1 }); // a pinned run keeps working
    await expect(getAgentVersion(ctx, "retiree")).rejects.toMatchObject({ code: "CONFLICT" }); // no new use
    // the slug stays taken
    expect(await outcome(owner().agents.create({ slug: "retiree", name: "New" }))).toMatchObject({ ok: false, code: "CONFLICT" });
    // and no new team version may use it
    const team = await outcome(owner().teams.create({ slug: "with-retiree", name: "T", spec: { topology: "sequential", agents: ["retiree"] } }));
    expect(team).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT", appCode: "VALIDATION_FAILED" });
    expect(team.ok === false && team.message).toContain('Agent "retiree" is archived');

    const actions = (await auditRows(ws.id)).filter((r) => r.targetId === a.id).map((r) => r.action);
    expect(actions).toEqual(["agent.archive", "agent.update", "agent.create"]);
    const create = (await auditRows(ws.id, "agent.create")).find((r) => r.targetId === a.id)!;
    expect(create).toMatchObject({ actorId: ws.users.owner.id, metadata: { slug: "retiree", version: 1 } });
    expect((await auditRows(ws.id, "agent.update")).find((r) => r.targetId === a.id)!.metadata).toMatchObject({ version: 2, changed: ["instructions"] });
  });
});

describe("agents: the model policy must name this workspace's preset or model", () => {
  let pw: TestWorkspace;
  let other: TestWorkspace;
  let key: string;
  let own: (modelId: string) => Promise<string>;
  const admin = () => callerFor(pw.users.admin, pw.slug);
  const NO_CONSTRAINTS = { requiredCapabilities: [], preferredProviders: [], localFirst: false, localOnly: false };

  /** The AppError under a tRPC error: its code, message and field issues. */
  async function refusal(promise: Promise<unknown>) {
    const error = await promise.then(
      () => {
        throw new Error("expected the save to be refused");
      },
      (e: { cause?: { code?: string; message?: string; details?: { issues?: unknown } } }) => e,
    );
    return { code: error.cause?.code, message: error.cause?.message, issues: error.cause?.details?.issues };
  }

  beforeAll(async () => {
    pw = await makeWorkspace("agent-policy");
    other = await makeWorkspace("agent-policy-other");
    key = (await makeApiKey(pw, "admin")).raw;
    // both catalogs seeded (the first agent of a workspace seeds it too)
    await callerFor(pw.users.owner, pw.slug).routing.presets.list();
    await callerFor(other.users.owner, other.slug).routing.presets.list();
    own = async (modelId) => (await db().model.findFirstOrThrow({ where: { workspaceId: pw.id, modelId } })).id;
  });

  it("tRPC create: an unknown preset or model is VALIDATION_FAILED at its field, naming it; nothing is written", async () => {
    const preset = await refusal(admin().agents.create({ slug: "p1", name: "P", modelPolicy: { type: "preset", preset: "turbo" } }));
    expect(preset).toEqual({
      code: "VALIDATION_FAILED",
      message: 'Model policy: Routing preset "turbo" does not exist in this workspace',
      issues: [{ path: "modelPolicy.preset", message: 'Routing preset "turbo" does not exist in this workspace' }],
    });
    const model = await refusal(admin().agents.create({ slug: "p1", name: "P", modelPolicy: { type: "pinned", modelId: "mdl_nosuchmodel1" } }));
    expect(model).toEqual({
      code: "VALIDATION_FAILED",
      message: `Model policy: Model "mdl_nosuchmodel1" is not in this workspace's catalog`,
      issues: [{ path: "modelPolicy.modelId", message: `Model "mdl_nosuchmodel1" is not in this workspace's catalog` }],
    });
    expect(await outcome(admin().agents.create({ slug: "p1", name: "P", modelPolicy: { type: "preset", preset: "turbo" } }))).toMatchObject({
      ok: false,
      code: "UNPROCESSABLE_CONTENT",
      appCode: "VALIDATION_FAILED",
    });
    expect(await db().agent.count({ where: { workspaceId: pw.id, slug: "p1" } })).toBe(0);
    expect((await auditRows(pw.id, "agent.create")).length).toBe(0);
  });

  it("another workspace's model id gets exactly the unknown-model answer (its existence never leaks)", async () => {
    const theirs = (await db().model.findFirstOrThrow({ where: { workspaceId: other.id, modelId: "sim-fast" } })).id;
    const res = await refusal(admin().agents.create({ slug: "p2", name: "P", modelPolicy: { type: "pinned", modelId: theirs } }));
    expect(res).toEqual({
      code: "VALIDATION_FAILED",
      message: `Model policy: Model "${theirs}" is not in this workspace's catalog`,
      issues: [{ path: "modelPolicy.modelId", message: `Model "${theirs}" is not in this workspace's catalog` }],
    });
    // nor does another workspace's custom preset count here
    await callerFor(other.users.owner, other.slug).routing.presets.create({ name: "theirs-only", constraints: NO_CONSTRAINTS });
    expect(await refusal(admin().agents.create({ slug: "p2", name: "P", modelPolicy: { type: "preset", preset: "theirs-only" } }))).toMatchObject({
      code: "VALIDATION_FAILED",
      issues: [{ path: "modelPolicy.preset" }],
    });
    expect(await db().agent.count({ where: { workspaceId: pw.id, slug: "p2" } })).toBe(0);
  });

  it("valid ones save: a default or custom preset, an own model, a disabled own model (the router reports it at run time)", async () => {
    expect((await admin().agents.create({ slug: "v1", name: "V", modelPolicy: { type: "preset", preset: "capable" } })).modelPolicy).toEqual({
      type: "preset",
      preset: "capable",
    });
    await admin().routing.presets.create({ name: "cheap-json", constraints: { ...NO_CONSTRAINTS, requiredCapabilities: ["json"] } });
    expect((await admin().agents.create({ slug: "v2", name: "V", modelPolicy: { type: "preset", preset: "cheap-json" } })).currentVersion).toBe(1);
    const fast = await own("sim-fast");
    expect((await admin().agents.create({ slug: "v3", name: "V", modelPolicy: { type: "pinned", modelId: fast } })).modelPolicy).toEqual({
      type: "pinned",
      modelId: fast,
    });
    const balanced = await own("sim-balanced");
    await admin().models.update({ id: balanced, enabled: false });
    expect((await admin().agents.update({ agent: "v3", modelPolicy: { type: "pinned", modelId: balanced } })).currentVersion).toBe(2);
    await admin().models.update({ id: balanced, enabled: true });
    // no references to check
    expect(
      (await admin().agents.create({ slug: "v4", name: "V", modelPolicy: { type: "constraints", constraints: { minQuality: 0.5 } } })).currentVersion,
    ).toBe(1);
  });

  it("tRPC update: a bad policy is refused and writes nothing; a stale stored policy allows only a no-op or a save that replaces it", async () => {
    const capable = await own("sim-capable");
    const agent = await admin().agents.create({ slug: "stale", name: "Stale", instructions: "v1", modelPolicy: { type: "pinned", modelId: capable } });
    expect(await refusal(admin().agents.update({ agent: "stale", modelPolicy: { type: "preset", preset: "turbo" } }))).toMatchObject({
      code: "VALIDATION_FAILED",
      issues: [{ path: "modelPolicy.preset" }],
    });
    expect(
      await refusal(admin().agents.update({ agent: "stale", instructions: "v2", modelPolicy: { type: "pinned", modelId: "mdl_nosuchmodel1" } })),
    ).toMatchObject({ code: "VALIDATION_FAILED", issues: [{ path: "modelPolicy.modelId" }] });
    expect(await db().agentVersion.count({ where: { agentId: agent.id } })).toBe(1);

    // deleting a pinned model is refused now; a pin can still go stale (a model removed before that check existed)
    await expect(admin().models.delete({ id: capable })).rejects.toMatchObject({ code: "CONFLICT" });
    await db().model.delete({ where: { id: capable } });
    const auditBefore = (await auditRows(pw.id, "agent.update")).length;
    expect((await admin().agents.update({ agent: "stale", instructions: "v1", modelPolicy: { type: "pinned", modelId: capable } })).currentVersion).toBe(1);
    expect((await admin().agents.update({ agent: "stale" })).currentVersion).toBe(1);
    const carried = await refusal(admin().agents.update({ agent: "stale", instructions: "v2" }));
    expect(carried).toMatchObject({
      code: "VALIDATION_FAILED",
      issues: [{ path: "modelPolicy.modelId", message: `Model "${capable}" is not in this workspace's catalog` }],
    });
    expect(await db().agentVersion.count({ where: { agentId: agent.id } })).toBe(1);
    expect((await auditRows(pw.id, "agent.update")).length).toBe(auditBefore);

    const fixed = await admin().agents.update({ agent: "stale", instructions: "v2", modelPolicy: { type: "preset", preset: "balanced" } });
    expect(fixed).toMatchObject({ currentVersion: 2, instructions: "v2", modelPolicy: { type: "preset", preset: "balanced" } });
  });

  it("REST: POST and PATCH refuse with 422 and the issue at its field; valid ones save", async () => {
    const created = await rest("POST", "/api/v1/agents", { key, body: { slug: "r1", name: "R", modelPolicy: { type: "preset", preset: "turbo" } } });
    expect(created.status).toBe(422);
    expect(created.body.error).toMatchObject({
      code: "VALIDATION_FAILED",
      message: 'Model policy: Routing preset "turbo" does not exist in this workspace',
      issues: [{ path: "modelPolicy.preset", message: 'Routing preset "turbo" does not exist in this workspace' }],
    });
    const ok = await rest("POST", "/api/v1/agents", { key, body: { slug: "r1", name: "R", modelPolicy: { type: "preset", preset: "fast" } } });
    expect(ok.status).toBe(201);

    const theirs = (await db().model.findFirstOrThrow({ where: { workspaceId: other.id, modelId: "sim-capable" } })).id;
    const patch = await rest("PATCH", "/api/v1/agents/{agentId}", {
      key,
      params: { agentId: "r1" },
      body: { modelPolicy: { type: "pinned", modelId: theirs } },
    });
    expect(patch.status).toBe(422);
    expect(patch.body.error).toMatchObject({
      code: "VALIDATION_FAILED",
      issues: [{ path: "modelPolicy.modelId", message: `Model "${theirs}" is not in this workspace's catalog` }],
    });
    const unknown = await rest("PATCH", "/api/v1/agents/{agentId}", {
      key,
      params: { agentId: "r1" },
      body: { modelPolicy: { type: "pinned", modelId: "mdl_nosuchmodel1" } },
    });
    expect(unknown.body.error.message.replace("mdl_nosuchmodel1", "X")).toBe(patch.body.error.message.replace(theirs, "X"));
    expect((await rest("GET", "/api/v1/agents/{agentId}", { key, params: { agentId: "r1" } })).body.currentVersion).toBe(1);

    const fast = await own("sim-fast");
    const saved = await rest("PATCH", "/api/v1/agents/{agentId}", { key, params: { agentId: "r1" }, body: { modelPolicy: { type: "pinned", modelId: fast } } });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ currentVersion: 2, modelPolicy: { type: "pinned", modelId: fast } });
  });
});
