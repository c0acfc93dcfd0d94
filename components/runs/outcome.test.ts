import { describe, expect, it } from "vitest";
import { outcomeLabel } from "./outcome";

describe("outcomeLabel", () => {
  it("says what the gate reached, and what an unmet gate meant for the run", () => {
    const verdicts = [{ nodeId: "checker0", agent: "critic", verdict: "revise" as const, reasons: ["vague"] }];
    const mc = { topology: "maker_checker" as const, approved: true, met: true, onUnmet: "fail" as const, iterations: 2, maxIterations: 3, verdicts };
    expect(outcomeLabel(mc)).toMatchObject({ text: "approved after 2 iterations", tone: "success" });
    expect(outcomeLabel({ ...mc, approved: false, met: false, iterations: 3 })).toMatchObject({ text: "not approved after 3 iterations", tone: "danger" });
    expect(outcomeLabel({ ...mc, approved: false, met: false, onUnmet: "succeed_flagged", iterations: 1 })).toMatchObject({
      text: "not approved after 1 iteration",
      tone: "warning",
      hint: expect.stringContaining("succeeded, flagged"),
    });
    const debate = { topology: "debate" as const, met: false, onUnmet: "succeed_flagged" as const, consensus: false, rounds: 3, maxRounds: 3 };
    expect(outcomeLabel(debate)?.text).toBe("no consensus after 3 rounds");
    expect(outcomeLabel({ ...debate, met: true, consensus: true, rounds: 1 })?.text).toBe("consensus in round 1");
    expect(outcomeLabel({ topology: "mesh", met: true, onUnmet: "succeed_flagged", converged: true, rounds: 2, maxRounds: 5 })?.text).toBe(
      "converged after 2 rounds",
    );
    const mesh = { topology: "mesh" as const, met: false, onUnmet: "succeed_flagged" as const, converged: false, rounds: 3, maxRounds: 3 };
    const similarities = [
      { nodeId: "m0", agent: "a", similarity: 0.97 },
      { nodeId: "m1", agent: "b", similarity: 0.61 },
    ];
    expect(outcomeLabel({ ...mesh, convergence: { by: "similarity", threshold: 0.9, similarities } })?.text).toBe(
      "not converged after 3 rounds (lowest similarity 0.61, threshold 0.9)",
    );
    expect(outcomeLabel({ ...mesh, met: true, converged: true, rounds: 2, convergence: { by: "judge", reason: "both say Monday" } })).toMatchObject({
      text: "converged after 2 rounds (by the judge)",
      hint: "The topology's gate was met. The judge: both say Monday",
    });
    expect(outcomeLabel({ topology: "circular", met: false, onUnmet: "fail", done: false, laps: 1, maxLaps: 1 })).toMatchObject({
      text: "not done after 1 lap",
      tone: "danger",
    });
    const sup = { topology: "supervisor" as const, met: true, finished: true, turns: 2, maxTurns: 8 };
    expect(outcomeLabel(sup)).toMatchObject({ text: "finished after 2 turns", tone: "success" });
    expect(outcomeLabel({ ...sup, met: false, finished: false, turns: 8 })).toMatchObject({
      text: "not finished after 8 turns",
      tone: "warning",
      hint: expect.stringContaining("run succeeded with the last output"),
    });
    expect(outcomeLabel({ topology: "sequential", met: true })).toBeNull();
    expect(outcomeLabel({ topology: "star", met: true, rounds: 2 })).toBeNull();
    expect(outcomeLabel(null)).toBeNull();
  });
});
