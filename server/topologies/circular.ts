/**
 * circular: a ring of agents passes the work around.
 * - Node ids: `r{i}`. Step ids: `l{lap}.r{i}` (laps from 1).
 * - The first agent of lap 1 sees the task only; every other turn sees the task and the previous agent's work
 *   (attributed). Each agent answers `{ done, work }`: its improved version of the whole work, and whether it is
 *   finished.
 * - Stops after K laps, or as soon as an agent answers done.
 * - Result: the latest work (the raw text when an answer is not structured). Extra fields: `laps`, `done`.
 */
import { z } from "zod";
import type { BaseTopologySpec } from "@/lib/schemas/topology";
import { agentCount, callNode, instruct, nodeLabel, structured } from "./common";
import type { TopologyResult, TopologyRuntime } from "./types";

type Spec = Extract<BaseTopologySpec, { topology: "circular" }>;

export const ringSchema = z.object({
  done: z.boolean().describe("true when the work is finished and needs no more passes"),
  work: z.string().describe("the whole work, as you leave it"),
});

export type CircularResult = TopologyResult & { laps: number; done: boolean };

export async function runCircular(rt: TopologyRuntime, spec: Spec, task: string): Promise<CircularResult> {
  await rt.expectSteps(spec.laps * agentCount(spec.agents));
  let work: { from: string; output: string } | null = null;
  for (let lap = 1; lap <= spec.laps; lap++) {
    for (const [i, ref] of spec.agents.entries()) {
      const nodeId = `r${i}`;
      const note = work
        ? `The agents pass the work around in a ring (lap ${lap} of at most ${spec.laps}); the work so far is in the context. Improve it and hand on the whole work; say done when it is finished.`
        : `The agents pass the work around in a ring: start the work; say done only if it is already finished.`;
      const result = await callNode(rt, {
        ref,
        nodeId,
        stepId: `l${lap}.${nodeId}`,
        task: instruct(task, note),
        context: work ? [work] : [],
        schema: ringSchema,
      });
      const answer = structured(result, ringSchema);
      work = { from: nodeLabel(ref, nodeId), output: answer?.work.trim() ? answer.work : result.text };
      if (answer?.done) return { output: work.output, laps: lap, done: true };
    }
  }
  return { output: work?.output ?? "", laps: spec.laps, done: false };
}
