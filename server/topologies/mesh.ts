/**
 * mesh: every agent talks to every other agent, round after round.
 * - Node ids: `m{i}`. Step ids: `r{round}.m{i}` (rounds from 1).
 * - Round 1: every agent answers the task (in parallel). Round r > 1: every agent sees its own previous output and
 *   every other agent's round r-1 output (attributed), and answers again.
 * - Stops after R rounds, or earlier once outputs stop changing: every agent's output equals (trimmed) its output
 *   of the round before.
 * - The message bus (outputs by round) is a plain object of this run's function body, never shared.
 * - Result: the last round's outputs, attributed (one text if they all agree). Extra fields: `rounds`, `converged`.
 */
import type { BaseTopologySpec } from "@/lib/schemas/topology";
import { agentCount, callNode, instruct, joinAttributed, nodeLabel, refName } from "./common";
import type { ContextItem, TopologyResult, TopologyRuntime } from "./types";

type Spec = Extract<BaseTopologySpec, { topology: "mesh" }>;

export type MeshResult = TopologyResult & { rounds: number; converged: boolean };

export async function runMesh(rt: TopologyRuntime, spec: Spec, task: string): Promise<MeshResult> {
  await rt.expectSteps(spec.rounds * agentCount(spec.agents));
  const labels = spec.agents.map((ref, i) => nodeLabel(ref, `m${i}`));
  const bus: { rounds: string[][] } = { rounds: [] }; // this run's message bus: bus.rounds[r - 1][i]
  let converged = false;
  for (let r = 1; r <= spec.rounds && !converged; r++) {
    const previous = bus.rounds[r - 2];
    const outputs = await rt.parallel(
      spec.agents.map((ref, i) => async () => {
        const context: ContextItem[] = previous
          ? [
              { from: `your previous answer (${labels[i]!})`, output: previous[i]! },
              ...previous.flatMap((output, j) => (j === i ? [] : [{ from: labels[j]!, output }])),
            ]
          : [];
        const note = previous
          ? `Round ${r}: the other agents' answers of the previous round are in the context. Take them into account and answer again.`
          : undefined;
        const result = await callNode(rt, { ref, nodeId: `m${i}`, stepId: `r${r}.m${i}`, task: instruct(task, note), context });
        return result.text;
      }),
    );
    bus.rounds.push(outputs);
    converged = !!previous && outputs.every((o, i) => o.trim() === previous[i]!.trim());
  }
  const last = bus.rounds[bus.rounds.length - 1]!;
  const attributed = spec.agents.map((ref, i) => ({ nodeId: `m${i}`, agent: refName(ref), output: last[i]! }));
  const agreed = last.every((o) => o.trim() === last[0]!.trim());
  return { output: agreed ? last[0]! : joinAttributed(attributed), attributed, rounds: bus.rounds.length, converged };
}
