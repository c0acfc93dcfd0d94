/**
 * A nested team's node has live events (the real executor and gateway against the LLM stub): node.started before its
 * first inner step, node.finished (team slug, outcome, output) after its last one and before the next node, or
 * node.failed when its own gate fails the run; a replay after a crash writes none of them a second time.
 */
import { describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { Prisma } from "@/server/db/generated/client";
import { startRun } from "@/server/runs/service";
import { uniq } from "@/test/helpers";
import { addTeam, eventRows, stepRows, waitForRun } from "@/test/fixtures/runs";
import { useStubRunSuite } from "@/test/fixtures/stub-run-suite";
import { executeRun } from "./run-function";
import { createPostgresStep } from "./step";

const suite = useStubRunSuite("team-events", ["writer", "critic"]);

const CHECKER = "You review the work produced";
const REVISE = JSON.stringify({ verdict: "revise", reasons: ["The draft is too vague."] });

/** A hybrid run: a nested maker-checker team as node s0, then the writer as s1. */
async function hybridRun(inner: Record<string, unknown>) {
  const innerSlug = `mc-${uniq()}`;
  const { rw } = suite;
  await addTeam(rw.ctx, innerSlug, { topology: "maker_checker", maker: "writer", checkers: ["critic"], ...inner });
  const slug = `t-${uniq()}`;
  await addTeam(rw.ctx, slug, { topology: "hybrid", arrangement: { topology: "sequential", agents: [{ team: innerSlug }, "writer"] } });
  const run = await startRun(rw.ctx, { team: slug, input: "Write a haiku about tests." });
  suite.startExecutor();
  await waitForRun(run.id);
  return { runId: run.id, innerSlug };
}

/** The node events of a run as `type stepId`, in seq order. */
async function nodeEvents(runId: string) {
  const events = await eventRows(runId);
  return events.filter((e) => e.type.startsWith("node.") && e.type !== "node.delta");
}
const names = (events: { type: string; data: unknown }[]) => events.map((e) => `${e.type} ${(e.data as { stepId: string }).stepId}`);

/** As if the process had died just before finishing: the run is running again with its steps stored; run it again. */
async function replay(runId: string) {
  const { rw } = suite;
  // the executor of the first execution would claim the run again: it is stopped first (the process "died")
  await suite.stopExecutors();
  await db().run.update({ where: { id: runId }, data: { status: "running", finishedAt: null, output: Prisma.DbNull, outcome: Prisma.DbNull, error: null } });
  return executeRun({ runId, workspaceId: rw.ws.id }, createPostgresStep({ runId, workspaceId: rw.ws.id }));
}

describe("a nested team's node events", () => {
  it("node.started before its first inner step, node.finished (team, outcome, output) after its last, before the next node; once after a replay", async () => {
    suite.stub.reply({ when: CHECKER, content: REVISE, times: 1 });
    const { runId, innerSlug } = await hybridRun({ maxIterations: 3 });
    const events = await nodeEvents(runId);
    expect(names(events)).toEqual([
      "node.started s0",
      "node.started s0/i1.maker",
      "node.finished s0/i1.maker",
      "node.started s0/i1.checker0",
      "node.finished s0/i1.checker0",
      "node.started s0/i2.maker",
      "node.finished s0/i2.maker",
      "node.started s0/i2.checker0",
      "node.finished s0/i2.checker0",
      "node.finished s0",
      "node.started s1",
      "node.finished s1",
    ]);
    expect(events[0]!.data).toEqual({ nodeId: "s0", stepId: "s0", team: innerSlug });
    const node = (await stepRows(runId)).find((s) => s.stepId === "s0")!;
    expect(events[9]!.data).toEqual({ nodeId: "s0", stepId: "s0", team: innerSlug, outcome: node.outcome, output: node.output });
    expect(events[9]!.data).toMatchObject({ outcome: { topology: "maker_checker", met: true, approved: true, iterations: 2 } });

    const before = (await eventRows(runId)).length;
    expect(await replay(runId)).toBe("succeeded");
    const after = await nodeEvents(runId);
    expect(names(after)).toEqual(names(events));
    // the replay wrote no node event, and no second terminal event (nothing follows a run's terminal event)
    expect((await eventRows(runId)).length).toBe(before);
  });

  it('its own gate ("fail") ends it with node.failed (outcome, error, willRetry false); once after a replay', async () => {
    suite.stub.reply({ when: CHECKER, content: REVISE, times: 10 });
    const { runId, innerSlug } = await hybridRun({ maxIterations: 2 });
    const events = await nodeEvents(runId);
    expect(names(events).at(0)).toBe("node.started s0");
    expect(names(events).at(-1)).toBe("node.failed s0");
    expect(names(events).filter((n) => n.endsWith(" s1"))).toEqual([]);
    const node = (await stepRows(runId)).find((s) => s.stepId === "s0")!;
    expect(events.at(-1)!.data).toEqual({ nodeId: "s0", stepId: "s0", team: innerSlug, outcome: node.outcome, error: node.error, willRetry: false });
    expect(node.outcome).toMatchObject({ met: false });

    expect(await replay(runId)).toBe("failed");
    expect(names(await nodeEvents(runId))).toEqual(names(events));
  });
});
