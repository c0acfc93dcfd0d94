import { beforeAll, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { makeRunWorkspace, addAgent, type RunWorkspace } from "@/test/fixtures/runs";
import { callerFor, outcome } from "@/test/helpers";
import { startRun } from "@/server/runs/service";
import { getAgent, updateAgent } from "@/server/agents/service";
import { archiveJudge, createJudge, getJudgeVersion, listJudgeVersions, updateJudge } from "./service";

let rw: RunWorkspace;
const RUBRIC = { criteria: [{ key: "accuracy", description: "Right", weight: 2 }] };

beforeAll(async () => {
  rw = await makeRunWorkspace("judges-service");
});

describe("judges", () => {
  it("every save is a new version, audited; an identical save writes nothing; an old baseVersion is a CONFLICT", async () => {
    const judge = await createJudge(rw.ctx, { slug: "facts", name: "Facts", rubric: RUBRIC });
    expect(judge).toMatchObject({ currentVersion: 1, rubric: { criteria: RUBRIC.criteria, scale: { min: 1, max: 5 } }, labelledSetId: null });
    const v2 = await updateJudge(rw.ctx, "facts", { instructions: "Be strict.", baseVersion: 1 });
    expect(v2.currentVersion).toBe(2);
    expect((await updateJudge(rw.ctx, "facts", { instructions: "Be strict." })).currentVersion).toBe(2);
    expect(await outcome(updateJudge(rw.ctx, "facts", { instructions: "Lenient.", baseVersion: 1 }))).toMatchObject({ ok: false, code: "CONFLICT" });
    expect((await getJudgeVersion(rw.ctx, "facts", 1)).instructions).toBe("");
    expect((await listJudgeVersions(rw.ctx, "facts")).items.map((v) => v.version)).toEqual([2, 1]);
    const audit = await db().auditLog.findMany({ where: { workspaceId: rw.ws.id, targetId: judge.id }, orderBy: { createdAt: "asc" } });
    expect(audit.map((a) => a.action)).toEqual(["judge.create", "judge.update"]);
    expect(audit[1]!.metadata).toMatchObject({ version: 2, changed: ["instructions"] });
  });

  it("a bad rubric is refused with the field named, and nothing is written", async () => {
    const member = callerFor(rw.ws.users.member, rw.ws.slug);
    const bad = await outcome(member.judges.create({ slug: "bad", name: "Bad", rubric: { criteria: [{ key: "A b", description: "", weight: 0 }] } }));
    expect(bad).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    expect(await db().judge.count({ where: { workspaceId: rw.ws.id, slug: "bad" } })).toBe(0);
    const viewer = callerFor(rw.ws.users.viewer, rw.ws.slug);
    expect(await outcome(viewer.judges.create({ slug: "nope", name: "Nope", rubric: RUBRIC }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
  });

  it("an archived judge cannot be changed, and a run that names it is refused", async () => {
    await createJudge(rw.ctx, { slug: "old", name: "Old", rubric: RUBRIC });
    await archiveJudge(rw.ctx, "old");
    expect(await outcome(updateJudge(rw.ctx, "old", { name: "New" }))).toMatchObject({ ok: false, code: "CONFLICT" });
    await addAgent(rw.ctx, "solo");
    expect(await outcome(startRun(rw.ctx, { agent: "solo", input: "Hi", judges: ["old"] }))).toMatchObject({ ok: false, code: "CONFLICT" });
    expect(await outcome(startRun(rw.ctx, { agent: "solo", input: "Hi", judges: ["missing"] }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await db().auditLog.count({ where: { workspaceId: rw.ws.id, action: "judge.archive" } })).toBe(1);
    // an agent's gate may not name it (nor a judge that does not exist): VALIDATION_FAILED at qualityGate.judges, nothing saved
    const refused = await outcome(updateAgent(rw.ctx, "solo", { qualityGate: { judges: ["old", "ghost"] } }));
    expect(refused).toMatchObject({ ok: false, code: "VALIDATION_FAILED" });
    expect((refused as { message?: string }).message).toMatch(/"old", "ghost"/);
    expect((await getAgent(rw.ctx, "solo")).currentVersion).toBe(1);
  });

  it("a run whose judge cannot route to a model with the json capability is refused at start, naming the judge; nothing is written", async () => {
    // a model of the workspace without json: a judge pinned to it could never answer its rubric's JSON
    const plain = await db().model.findFirstOrThrow({ where: { workspaceId: rw.ws.id, modelId: "sim-fast" } });
    const noJson = await db().model.create({
      data: {
        ...plain,
        id: `mdl_nojson${Date.now().toString(36)}`,
        modelId: `no-json-${Date.now().toString(36)}`,
        capabilities: [],
        createdAt: undefined,
        updatedAt: undefined,
      },
    });
    const slug = `plain-${Date.now().toString(36)}`;
    await createJudge(rw.ctx, { slug, name: "Plain", rubric: RUBRIC, modelPolicy: { type: "pinned", modelId: noJson.id } });
    await addAgent(rw.ctx, "judged-solo");
    const before = await db().run.count({ where: { workspaceId: rw.ws.id } });
    const refused = await outcome(startRun(rw.ctx, { agent: "judged-solo", input: "Hi", judges: [slug] }));
    expect(refused).toMatchObject({ ok: false, code: "RUN_INFEASIBLE" });
    expect((refused as { message?: string }).message).toContain(`Judge "${slug}" cannot be called`);
    expect((refused as { message?: string }).message).toContain("json");
    expect(await db().run.count({ where: { workspaceId: rw.ws.id } })).toBe(before);
  });
});
