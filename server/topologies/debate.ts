/**
 * debate: N debaters argue for up to R rounds; a judge decides after every round.
 * - Node ids: `d{i}`, `judge`. Step ids: `r{round}.d{i}`, `r{round}.judge` (rounds from 1).
 * - Round 1: every debater answers the task (in parallel). Round r > 1: every debater sees its own previous
 *   argument and the other debaters' latest (round r-1) arguments, attributed, and argues again.
 * - After each round the judge sees the debaters (with their role descriptions, ./roster.ts) and that round's
 *   arguments, and answers `{ consensus, decision, reasoning }`.
 *   Consensus stops the debate; otherwise it goes on until round R.
 * - Result: the judge's decision of the last round held (its text when the answer is not structured).
 *   Extra fields on the result: `consensus`, `rounds`.
 */
import { z } from "zod";
import type { BaseTopologySpec } from "@/lib/schemas/topology";
import { agentCount, callNode, instruct, nodeLabel, structured } from "./common";
import { rosterLines } from "./roster";
import type { ContextItem, TopologyResult, TopologyRuntime } from "./types";

type Spec = Extract<BaseTopologySpec, { topology: "debate" }>;

export const judgeSchema = z.object({
  consensus: z.boolean().describe("true when the debaters agree (or the question is settled) and the debate can stop"),
  decision: z.string().describe("the decision / final answer to the task, synthesised from the arguments"),
  reasoning: z.string().describe("why"),
});

const judgeAnswer = judgeSchema.extend({ reasoning: z.string().nullish() });

export type DebateResult = TopologyResult & { consensus: boolean; rounds: number };

export async function runDebate(rt: TopologyRuntime, spec: Spec, task: string): Promise<DebateResult> {
  // the bound, up front: an early consensus simply finishes before
  await rt.expectSteps(spec.rounds * (agentCount(spec.debaters) + agentCount([spec.judge])));
  const labels = spec.debaters.map((ref, i) => nodeLabel(ref, `d${i}`));
  const debaters = rosterLines(
    rt,
    spec.debaters.map((ref, i) => ({ key: labels[i]!, ref })),
  );
  let latest: string[] = [];
  let decision = "";
  let consensus = false;
  let round = 0;
  while (round < spec.rounds && !consensus) {
    round++;
    const r = round;
    const previous = latest;
    latest = await rt.parallel(
      spec.debaters.map((ref, i) => async () => {
        const context: ContextItem[] =
          r === 1
            ? []
            : [
                { from: `your previous argument (${labels[i]!})`, output: previous[i]! },
                ...previous.flatMap((output, j) => (j === i ? [] : [{ from: labels[j]!, output }])),
              ];
        const note =
          r === 1
            ? "You are a debater: give your answer and argue for it."
            : `Debate round ${r}: the other debaters' latest arguments are in the context. Answer them and refine your position.`;
        const result = await callNode(rt, {
          ref,
          nodeId: `d${i}`,
          stepId: `r${r}.d${i}`,
          task: instruct(task, note),
          context,
          spreadGroup: `r${r}.debaters`,
        });
        return result.text;
      }),
    );
    const judged = await callNode(rt, {
      ref: spec.judge,
      nodeId: "judge",
      stepId: `r${r}.judge`,
      task: instruct(
        task,
        `You judge a debate on this task between:\n${debaters}\nRound ${r} of at most ${spec.rounds} arguments are in the context. Decide, say whether there is consensus, and synthesise the decision.`,
      ),
      context: latest.map((output, i) => ({ from: labels[i]!, output })),
      schema: judgeSchema,
    });
    const verdict = structured(judged, judgeAnswer);
    consensus = verdict?.consensus ?? false;
    decision = verdict?.decision.trim() || judged.text;
  }
  return { output: decision, consensus, rounds: round };
}
