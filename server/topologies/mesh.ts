/**
 * mesh: every agent talks to every other agent, round after round.
 * - Node ids: `m{i}` (+ `judge`). Step ids: `r{round}.m{i}` (rounds from 1), `r{round}.embed` or `r{round}.judge`.
 * - Round 1: every agent answers the task (in parallel). Round r > 1: every agent sees its own previous output and
 *   every other agent's round r-1 output (attributed), and answers again.
 * - Stops after R rounds, or earlier once converged (spec `convergence`, lib/schemas/topology.ts):
 *   - `similarity` (default): after each round (when R > 1) the round's answers are embedded in one step
 *     (`r{r}.embed`, node "convergence", the spec's `embeddingPolicy` or the balanced preset); converged when every
 *     agent's answer has a cosine similarity of at least `threshold` with its own answer of the round before (the
 *     answers stopped changing). Never in round 1. A runtime that cannot embed never converges (worst-case counting);
 *     a workspace where no model may embed gets `unavailable` from the step: only unchanged texts count as similar
 *     then, and the outcome says why (`convergence.unavailable`).
 *   - `judge`: after each round the judge sees the round's answers (as context, i.e. untrusted data) and answers
 *     `{ converged, reason }` (the agents agree); an unreadable answer counts as not converged.
 * - The message bus (outputs by round) is a plain object of this run's function body, never shared.
 * - Result: the last round's outputs, attributed (one text if they are all the same). Extra fields: `rounds`,
 *   `converged`, `convergence` (how it was decided: the last similarities, or the judge's last reason).
 */
import { z } from "zod";
import { cosine } from "@/lib/cosine";
import { DEFAULT_MODEL_POLICY } from "@/lib/schemas/agents";
import type { BaseTopologySpec } from "@/lib/schemas/topology";
import type { MeshConvergenceOutcome } from "@/lib/schemas/run-outcome";
import { agentCount, callNode, instruct, joinAttributed, nodeLabel, refName, structured } from "./common";
import type { ContextItem, TopologyResult, TopologyRuntime } from "./types";

type Spec = Extract<BaseTopologySpec, { topology: "mesh" }>;

export const convergenceJudgeSchema = z.object({
  converged: z.boolean().describe("true when the agents agree on one answer (their answers say the same thing) and the mesh can stop"),
  reason: z.string().describe("why, in a sentence or two"),
});
const judgeAnswer = convergenceJudgeSchema.extend({ reason: z.string().nullish() });

/** Characters of the judge's reason kept (its whole answer when it is not structured). */
const REASON_MAX = 2000;
/** The node id of the embedding steps in the run's record (not a graph node). */
export const CONVERGENCE_NODE_ID = "convergence";

export type MeshResult = TopologyResult & { rounds: number; converged: boolean; convergence: MeshConvergenceOutcome };

const round4 = (n: number) => Math.round(n * 1e4) / 1e4;

export async function runMesh(rt: TopologyRuntime, spec: Spec, task: string): Promise<MeshResult> {
  const by = spec.convergence;
  const judge = by.by === "judge" ? by.judge : null;
  const embeds = by.by === "similarity" && spec.rounds > 1 && rt.embed !== undefined;
  // agent steps (the embedding steps are not: they count in the run's cost, not its steps)
  await rt.expectSteps(spec.rounds * (agentCount(spec.agents) + (judge ? agentCount([judge]) : 0)));
  const labels = spec.agents.map((ref, i) => nodeLabel(ref, `m${i}`));
  const bus: { rounds: string[][] } = { rounds: [] }; // this run's message bus: bus.rounds[r - 1][i]
  let converged = false;
  let convergence: MeshConvergenceOutcome =
    by.by === "similarity" ? { by: "similarity", threshold: by.threshold, similarities: [] } : { by: "judge", reason: "" };
  let previousVectors: number[][] | null = null;
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
    if (judge) {
      const judged = await callNode(rt, {
        ref: judge,
        nodeId: "judge",
        stepId: `r${r}.judge`,
        task: instruct(
          task,
          `You decide whether the agents of a mesh converged on this task; round ${r} of at most ${spec.rounds} answers are in the context. Say whether they agree on one answer, and why.`,
        ),
        context: outputs.map((output, i) => ({ from: labels[i]!, output })),
        schema: convergenceJudgeSchema,
      });
      const verdict = structured(judged, judgeAnswer);
      converged = verdict?.converged ?? false;
      convergence = { by: "judge", reason: (verdict?.reason?.trim() || judged.text).slice(0, REASON_MAX) };
    } else if (embeds && by.by === "similarity") {
      const embedded = await rt.embed!({
        nodeId: CONVERGENCE_NODE_ID,
        stepId: `r${r}.embed`,
        texts: outputs.map((o) => o.trim() || "(empty)"),
        policy: by.embeddingPolicy ?? DEFAULT_MODEL_POLICY,
      });
      const vectors = embedded.vectors;
      const before = previousVectors;
      if (previous) {
        // the same text is the same answer, whatever the vectors say; without vectors (no model can embed) only that
        const raw = outputs.map((o, i) => (o.trim() === previous[i]!.trim() ? 1 : vectors && before ? cosine(vectors[i]!, before[i]!) : 0));
        converged = raw.every((s) => s >= by.threshold);
        const similarities = spec.agents.map((ref, i) => ({ nodeId: `m${i}`, agent: refName(ref), similarity: round4(raw[i]!) }));
        convergence = { by: "similarity", threshold: by.threshold, similarities, ...(embedded.vectors ? {} : { unavailable: embedded.unavailable }) };
      } else if (!embedded.vectors) convergence = { by: "similarity", threshold: by.threshold, similarities: [], unavailable: embedded.unavailable };
      previousVectors = vectors;
    }
  }
  const last = bus.rounds[bus.rounds.length - 1]!;
  const attributed = spec.agents.map((ref, i) => ({ nodeId: `m${i}`, agent: refName(ref), output: last[i]! }));
  const agreed = last.every((o) => o.trim() === last[0]!.trim());
  return { output: agreed ? last[0]! : joinAttributed(attributed), attributed, rounds: bus.rounds.length, converged, convergence };
}
