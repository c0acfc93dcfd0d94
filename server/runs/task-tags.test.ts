/**
 * Task tags: given at a run's start, stored and shown with the run, a filter of the runs list, kept by a re-run, and
 * handed to every model call of its agents (the gateway routes on each model's quality observed for those tags:
 * server/models/observed-quality.test.ts).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { generate } from "@/server/models/gateway";
import { executeRun, type ExecuteDeps } from "@/server/jobs/run-function";
import { createPostgresStep } from "@/server/jobs/step";
import { addAgent, addTeam, makeRunWorkspace, type RunWorkspace } from "@/test/fixtures/runs";
import { outcome, rest, makeApiKey } from "@/test/helpers";
import { getRun, listRuns, startRun } from "./service";
import { rerunRun } from "./rerun";

let rw: RunWorkspace;

beforeAll(async () => {
  rw = await makeRunWorkspace("tags");
  await addAgent(rw.ctx, "tagged-writer");
  await addAgent(rw.ctx, "tagged-editor");
  await addTeam(rw.ctx, "tagged-pair", { topology: "sequential", agents: ["tagged-writer", "tagged-editor"] });
});

/** Executes a queued run in this test (no executor runs in this file), recording the task tags of each model call. */
async function executeRecording(runId: string): Promise<(readonly string[] | undefined)[]> {
  const seen: (readonly string[] | undefined)[] = [];
  const deps: Partial<ExecuteDeps> = {
    generate: (ctx, req) => {
      seen.push(req.taskTags);
      return generate(ctx, req);
    },
  };
  const ref = { runId, workspaceId: rw.ws.id };
  expect(await executeRun(ref, createPostgresStep(ref), { deps })).toBe("succeeded");
  return seen;
}

describe("task tags", () => {
  it("are stored with the run (lowercased), reach every model call of its agents, filter the list and survive a re-run", async () => {
    const run = await startRun(rw.ctx, { team: "tagged-pair", input: "Summarise the contract.", tags: ["Legal", "summarise"] });
    expect(run.tags).toEqual(["legal", "summarise"]);
    expect(await executeRecording(run.id)).toEqual([
      ["legal", "summarise"],
      ["legal", "summarise"],
    ]);
    expect((await getRun(rw.ctx, run.id)).tags).toEqual(["legal", "summarise"]);

    const untagged = await startRun(rw.ctx, { agent: "tagged-writer", input: "No tags." });
    expect(untagged.tags).toEqual([]);
    expect(await executeRecording(untagged.id)).toEqual([undefined]);

    const legal = (await listRuns(rw.ctx, { tag: "legal" })).items.map((r) => r.id);
    expect(legal).toContain(run.id);
    expect(legal).not.toContain(untagged.id);
    expect((await listRuns(rw.ctx, { tag: "code" })).items.map((r) => r.id)).not.toContain(run.id);

    const again = await rerunRun(rw.ctx, run.id, "pinned");
    expect(again.tags).toEqual(["legal", "summarise"]);
  });

  it("refuses tags that are not tags, a ninth tag and a repeated one, before anything is written", async () => {
    const bad = async (tags: string[]) => outcome(startRun(rw.ctx, { agent: "tagged-writer", input: "x", tags }));
    expect(await bad(["no spaces"])).toMatchObject({ ok: false });
    expect(await bad(["-lead"])).toMatchObject({ ok: false });
    expect(await bad(["t".repeat(41)])).toMatchObject({ ok: false });
    expect(await bad(Array.from({ length: 9 }, (_, i) => `t${i}`))).toMatchObject({ ok: false });
    expect(await bad(["same", "same"])).toMatchObject({ ok: false });
    const key = (await makeApiKey(rw.ws, "member")).raw;
    const res = await rest("POST", "/api/v1/runs", { key, body: { agent: "tagged-writer", input: "x", tags: ["a b"] } });
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body.error.issues)).toContain("tags");
    const listed = await rest("GET", "/api/v1/runs", { key, query: { tag: "legal" } });
    expect(listed.status).toBe(200);
    expect(listed.body.data.every((r: { tags: string[] }) => r.tags.includes("legal"))).toBe(true);
  });
});
