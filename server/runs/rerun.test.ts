/**
 * Re-running a finished run: the same input, override and budget, on the versions it pinned or the current ones;
 * refused while it runs, for an archived target, and (404) for anyone outside its workspace.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { archiveAgent, updateAgent } from "@/server/agents/service";
import { updateTeam } from "@/server/teams/service";
import { addAgent, addTeam, makeRunWorkspace, type RunWorkspace } from "@/test/fixtures/runs";
import { appErrorOf, callerFor, makeApiKey, outcome, rest } from "@/test/helpers";
import { rerunRun } from "./rerun";
import { startRun } from "./service";

let rw: RunWorkspace;
let other: RunWorkspace;
beforeAll(async () => {
  // no executor runs in this file: runs stay queued until a test marks them finished
  rw = await makeRunWorkspace("rerun");
  other = await makeRunWorkspace("rerun-other");
  await addAgent(rw.ctx, "alpha");
  await addAgent(rw.ctx, "beta");
  await addTeam(rw.ctx, "duo", { topology: "sequential", agents: ["alpha", "beta"] });
});

async function finished(runId: string, status: "failed" | "cancelled" | "succeeded" = "failed") {
  await db().run.update({ where: { id: runId }, data: { status, finishedAt: new Date() } });
}

const rowOf = (id: string) => db().run.findUniqueOrThrow({ where: { id } });

describe("re-running a run", () => {
  it("repeats a team run on the versions it pinned, or on the current ones; its input, override and budget too", async () => {
    const first = await startRun(rw.ctx, { team: "duo", input: "write it", budgetUsd: 0.5, modelPolicy: { type: "preset", preset: "fast" } });
    await finished(first.id);
    await updateAgent(rw.ctx, "beta", { instructions: "Be brief." });
    await updateTeam(rw.ctx, "duo", { description: "v2" });

    const same = await rerunRun(rw.ctx, first.id, "pinned");
    const sameRow = await rowOf(same.id);
    expect(same.id).not.toBe(first.id);
    expect(sameRow).toMatchObject({ status: "queued", input: "write it", teamVersion: 1, modelPolicyOverride: { type: "preset", preset: "fast" } });
    expect(Number(sameRow.budgetUsd)).toBe(0.5);
    expect(sameRow.pins).toMatchObject({ team: { slug: "duo", version: 1 }, agents: { alpha: 1, beta: 1 } });

    const current = await rerunRun(rw.ctx, first.id, "current");
    const currentRow = await rowOf(current.id);
    expect(currentRow.teamVersion).toBe(2);
    expect(currentRow.pins).toMatchObject({ team: { slug: "duo", version: 2 }, agents: { alpha: 1, beta: 2 } });
    // the earlier run is as it was; the new run's audit entry names it
    expect((await rowOf(first.id)).status).toBe("failed");
    const audit = await db().auditLog.findFirstOrThrow({ where: { workspaceId: rw.ws.id, action: "run.start", targetId: same.id } });
    expect(audit.metadata).toMatchObject({ team: "duo", teamVersion: 1, rerunOf: first.id });
  });

  it("repeats a single agent's run on its pinned version", async () => {
    await addAgent(rw.ctx, "solo");
    const first = await startRun(rw.ctx, { agent: "solo", input: "hello" });
    await finished(first.id, "cancelled");
    await updateAgent(rw.ctx, "solo", { instructions: "Changed." });
    expect((await rowOf((await rerunRun(rw.ctx, first.id, "pinned")).id)).agentVersion).toBe(1);
    expect((await rowOf((await rerunRun(rw.ctx, first.id, "current")).id)).agentVersion).toBe(2);
  });

  it("refuses a run that has not finished, and a target archived since", async () => {
    const queued = await startRun(rw.ctx, { agent: "alpha", input: "still queued" });
    expect((await appErrorOf(rerunRun(rw.ctx, queued.id, "pinned"))).code).toBe("CONFLICT");
    await addAgent(rw.ctx, "gone");
    const run = await startRun(rw.ctx, { agent: "gone", input: "x" });
    await finished(run.id);
    await archiveAgent(rw.ctx, "gone");
    for (const versions of ["pinned", "current"] as const) {
      const error = await appErrorOf(rerunRun(rw.ctx, run.id, versions));
      expect(error.code).toBe("CONFLICT");
      expect(error.message).toContain("archived");
    }
  });

  it("is 404 for another workspace's member and API key, and 201 over REST in its own", async () => {
    const run = await startRun(rw.ctx, { agent: "alpha", input: "mine" });
    await finished(run.id, "succeeded");
    const stranger = callerFor(other.ws.users.owner, other.ws.slug);
    expect(await outcome(stranger.runs.rerun({ runId: run.id, versions: "pinned" }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    const foreignKey = await makeApiKey(other.ws, "owner");
    const foreign = await rest("POST", "/api/v1/runs/{runId}/rerun", { key: foreignKey.raw, params: { runId: run.id }, body: {} });
    expect(foreign.status).toBe(404);
    const before = await db().run.count({ where: { workspaceId: rw.ws.id } });
    const key = await makeApiKey(rw.ws, "member");
    const ok = await rest("POST", "/api/v1/runs/{runId}/rerun", { key: key.raw, params: { runId: run.id }, body: { versions: "current" } });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ status: "queued", input: "mine", agent: { slug: "alpha" } });
    expect(await db().run.count({ where: { workspaceId: rw.ws.id } })).toBe(before + 1);
    const bad = await rest("POST", "/api/v1/runs/{runId}/rerun", { key: key.raw, params: { runId: run.id }, body: { versions: "latest" } });
    expect(bad.status).toBe(422);
  });
});
