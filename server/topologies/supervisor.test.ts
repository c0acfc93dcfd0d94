/**
 * supervisor: routing to the picked workers, a parallel pick, finish, the maxTurns cut, a refused pick repaired once
 * then failing, what the supervisor sees.
 */
import { describe, expect, it } from "vitest";
import { topologyProblems, topologySpecSchema } from "@/lib/schemas/topology";
import { FakeRuntime, type Script } from "./fake-runtime";
import { runTopology, TopologyError } from "./index";
import { checkRoute } from "./supervisor";
import { worstCase } from "./worst-case";

const spec = (s: unknown) => topologySpecSchema.parse(s);
const pick = (...next: string[]) => ({ finish: false, next, message: `do it, ${next.join("+")}`, reason: "r", answer: null });
const finish = (answer: string | null) => ({ finish: true, next: [], message: null, reason: "done", answer });

/** a supervisor answering the given routes by step id */
const router =
  (routes: Record<string, unknown>): Script =>
  (call) => ({ object: routes[call.stepId] ?? finish(null) });

describe("supervisor", () => {
  const s = spec({ topology: "supervisor", supervisor: "boss", workers: ["res", "wri"], maxTurns: 4 });

  it("routes to the picked worker each turn, then finishes with its answer; the supervisor sees the workers and the results so far", async () => {
    const rt = new FakeRuntime({
      script: { boss: router({ "t1.supervisor": pick("res"), "t2.supervisor": pick("wri"), "t3.supervisor": finish("FINAL") }) },
    });
    const result = await runTopology(rt, s, "T");
    expect(rt.stepIds()).toEqual(["t1.supervisor", "t1.w0", "t2.supervisor", "t2.w1", "t3.supervisor"]);
    expect(result).toMatchObject({ output: "FINAL", finished: true, turns: 3, outcome: { topology: "supervisor", met: true, turns: 3, maxTurns: 4 } });
    const first = rt.call("t1.supervisor");
    expect(first.nodeId).toBe("supervisor");
    expect(first.output?.schema).toBeDefined();
    expect(first.task).toContain("- res\n- wri");
    expect(first.task).toContain("Turn 1 of at most 4");
    expect(first.context).toEqual([]);
    expect(rt.call("t1.w0")).toMatchObject({ agent: "res", nodeId: "w0" });
    expect(rt.call("t1.w0").task).toContain("Message from the supervisor: do it, res");
    expect(rt.call("t1.w0").task).toContain("T");
    expect(rt.call("t2.w1").context).toEqual([{ from: "res (w0), turn 1", output: "res@t1.w0" }]);
    expect(rt.call("t3.supervisor").context).toEqual([
      { from: "res (w0), turn 1", output: "res@t1.w0" },
      { from: "wri (w1), turn 2", output: "wri@t2.w1" },
    ]);
    expect(rt.expected).toBe(rt.calls.length);
  });

  it("without an answer, finishing returns the last worker output", async () => {
    const rt = new FakeRuntime({ script: { boss: router({ "t1.supervisor": pick("wri"), "t2.supervisor": finish(null) }) } });
    const result = await runTopology(rt, s, "T");
    expect(result).toMatchObject({ output: "wri@t1.w1", finished: true, turns: 2 });
  });

  it("a parallel pick runs the picked workers at once", async () => {
    const p = spec({ topology: "supervisor", supervisor: "boss", workers: ["res", "wri", "ed"], parallel: true });
    const rt = new FakeRuntime({ delay: 20, script: { boss: router({ "t1.supervisor": pick("res", "ed") }) } });
    const result = await runTopology(rt, p, "T");
    expect(rt.stepIds().sort()).toEqual(["t1.supervisor", "t1.w0", "t1.w2", "t2.supervisor"]);
    expect(rt.overlap("t1.w0", "t1.w2")).toBe(true);
    expect(rt.saw("t2.supervisor")).toEqual(["res (w0), turn 1", "ed (w2), turn 1"]);
    expect(result.output).toBe("## res (w0)\n\nres@t1.w0\n\n## ed (w2)\n\ned@t1.w2");
  });

  it("stops after maxTurns, not finished, with the last output", async () => {
    const rt = new FakeRuntime({ script: { boss: () => ({ object: pick("res") }) } });
    const result = await runTopology(rt, spec({ topology: "supervisor", supervisor: "boss", workers: ["res"], maxTurns: 2 }), "T");
    expect(rt.stepIds()).toEqual(["t1.supervisor", "t1.w0", "t2.supervisor", "t2.w0"]);
    expect(rt.call("t2.supervisor").task).toContain("the last");
    expect(result).toMatchObject({ output: "res@t2.w0", finished: false, turns: 2, outcome: { met: false, finished: false } });
  });

  it("an unknown worker is asked again once with the problem listed, then used when corrected", async () => {
    const rt = new FakeRuntime({ script: { boss: router({ "t1.supervisor": pick("nobody"), "t1.supervisor.retry": pick("wri") }) } });
    const result = await runTopology(rt, s, "T");
    expect(rt.stepIds()).toEqual(["t1.supervisor", "t1.supervisor.retry", "t1.w1", "t2.supervisor"]);
    expect(rt.call("t1.supervisor.retry").task).toContain('unknown worker "nobody" (allowed: res, wri)');
    expect(result).toMatchObject({ finished: true });
  });

  it("an unknown worker twice fails the run at the retry step", async () => {
    const rt = new FakeRuntime({ script: { boss: () => ({ object: pick("nobody") }) } });
    const error = await runTopology(rt, s, "T").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TopologyError);
    expect(error).toMatchObject({ stepId: "t1.supervisor.retry", nodeId: "supervisor" });
    expect((error as TopologyError).problems).toEqual(['unknown worker "nobody" (allowed: res, wri)']);
    expect(rt.stepIds()).toEqual(["t1.supervisor", "t1.supervisor.retry"]);
  });

  it("checks a pick: several workers only when parallel, at least one unless finishing", () => {
    expect(checkRoute(pick("res", "wri"), ["res", "wri"], false)).toMatchObject({ ok: false, problems: [expect.stringContaining("one worker only")] });
    expect(checkRoute(pick("res", "wri"), ["res", "wri"], true)).toMatchObject({ ok: true, route: { next: ["res", "wri"] } });
    expect(checkRoute(pick(), ["res"], true)).toMatchObject({ ok: false, problems: [expect.stringContaining("name a worker")] });
    expect(checkRoute("prose", ["res"], true).ok).toBe(false);
  });

  it("refuses duplicate worker names; worst case counts every turn with a refused pick", () => {
    expect(topologyProblems(spec({ topology: "supervisor", supervisor: "boss", workers: ["a", "a"] }))).toEqual([
      { path: "workers.1", message: 'Duplicate worker "a": the supervisor picks workers by name' },
    ]);
    expect(worstCase(spec({ topology: "supervisor", supervisor: "s", workers: ["a", "b"], maxTurns: 5 }))).toEqual({
      steps: 15,
      modelCalls: 15,
      peakParallel: 1,
    });
    expect(worstCase(spec({ topology: "supervisor", supervisor: "s", workers: ["a", "b"], maxTurns: 5, parallel: true }))).toEqual({
      steps: 20,
      modelCalls: 20,
      peakParallel: 2,
    });
  });
});
