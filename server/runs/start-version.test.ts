/**
 * Starting a run of a chosen version of a team or agent (the playground's version choice, `version` in runs.start and
 * POST /api/v1/runs): that version's spec or instructions run, a team's agents at their current versions; an unknown
 * version is 404, an archived target 409, another workspace's target 404.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { archiveAgent, updateAgent } from "@/server/agents/service";
import { updateTeam } from "@/server/teams/service";
import { addAgent, addTeam, makeRunWorkspace, type RunWorkspace } from "@/test/fixtures/runs";
import { appErrorOf, makeApiKey, rest } from "@/test/helpers";
import { startRun } from "./service";

let rw: RunWorkspace;
let other: RunWorkspace;
beforeAll(async () => {
  // no executor runs in this file: runs stay queued
  rw = await makeRunWorkspace("start-version");
  other = await makeRunWorkspace("start-version-other");
  await addAgent(rw.ctx, "alpha");
  await addAgent(rw.ctx, "beta");
  await addTeam(rw.ctx, "duo", { topology: "sequential", agents: ["alpha", "beta"] });
  await updateTeam(rw.ctx, "duo", { spec: { topology: "parallel", agents: ["alpha", "beta"] } });
  await updateAgent(rw.ctx, "beta", { instructions: "Version two." });
});

const rowOf = (id: string) => db().run.findUniqueOrThrow({ where: { id } });

describe("starting a chosen version", () => {
  it("runs a team's earlier version with its agents at their current versions", async () => {
    const run = await startRun(rw.ctx, { team: "duo", input: "go", version: 1 });
    const row = await rowOf(run.id);
    expect(row.teamVersion).toBe(1);
    expect(row.pins).toMatchObject({ team: { slug: "duo", version: 1 }, agents: { alpha: 1, beta: 2 } });
    const current = await rowOf((await startRun(rw.ctx, { team: "duo", input: "go" })).id);
    expect(current.teamVersion).toBe(2);
  });

  it("runs an agent's earlier version", async () => {
    const run = await startRun(rw.ctx, { agent: "beta", input: "go", version: 1 });
    expect((await rowOf(run.id)).agentVersion).toBe(1);
    expect((await rowOf((await startRun(rw.ctx, { agent: "beta", input: "go" })).id)).agentVersion).toBe(2);
  });

  it("refuses a version that does not exist, an archived agent, and another workspace's target", async () => {
    expect(await appErrorOf(startRun(rw.ctx, { team: "duo", input: "go", version: 9 }))).toMatchObject({
      code: "NOT_FOUND",
      message: 'Team "duo" has no version 9',
    });
    expect(await appErrorOf(startRun(rw.ctx, { agent: "alpha", input: "go", version: 5 }))).toMatchObject({ code: "NOT_FOUND" });
    await expect(startRun(rw.ctx, { agent: "alpha", input: "go", version: 0 })).rejects.toThrow(/Versions start at 1/);
    await addAgent(rw.ctx, "gone");
    await archiveAgent(rw.ctx, "gone");
    expect(await appErrorOf(startRun(rw.ctx, { agent: "gone", input: "go", version: 1 }))).toMatchObject({ code: "CONFLICT" });
    expect(await appErrorOf(startRun(other.ctx, { team: "duo", input: "go", version: 1 }))).toMatchObject({ code: "NOT_FOUND" });
    expect(await appErrorOf(startRun(other.ctx, { agent: "beta", input: "go", version: 1 }))).toMatchObject({ code: "NOT_FOUND" });
  });

  it("takes the version over REST", async () => {
    const key = await makeApiKey(rw.ws, "member");
    const res = await rest("POST", "/api/v1/runs", { key: key.raw, body: { agent: "beta", input: "over REST", version: 1 } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ agent: { slug: "beta", version: 1 } });
  });
});
