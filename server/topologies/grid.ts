/**
 * grid: rows x columns of agents exchanging with their neighbours, then an aggregator.
 * - Node ids: `c{row}_{col}` (cells row by row, from 0), `agg`. Step ids: `r{round}.c{row}_{col}` (rounds from 1),
 *   `agg`.
 * - Round 1: every cell answers the task. Round r > 1: every cell sees its own previous output and its
 *   4-neighbours' (up, down, left, right, when present) round r-1 outputs, and answers again. All cells of a round
 *   run in parallel; R rounds.
 * - Result: the aggregator's merge of every cell's last output (attributed, row by row).
 */
import type { BaseTopologySpec } from "@/lib/schemas/topology";
import { agentCount, callNode, instruct, nodeLabel } from "./common";
import type { ContextItem, TopologyResult, TopologyRuntime } from "./types";

type Spec = Extract<BaseTopologySpec, { topology: "grid" }>;

export async function runGrid(rt: TopologyRuntime, spec: Spec, task: string): Promise<TopologyResult> {
  await rt.expectSteps(spec.rounds * agentCount(spec.cells) + agentCount([spec.aggregator]));
  const cells = spec.cells.map((ref, k) => {
    const row = Math.floor(k / spec.columns);
    const col = k % spec.columns;
    const nodeId = `c${row}_${col}`;
    const neighbours = (
      [
        [row - 1, col],
        [row + 1, col],
        [row, col - 1],
        [row, col + 1],
      ] as const
    )
      .filter(([r, c]) => r >= 0 && r < spec.rows && c >= 0 && c < spec.columns)
      .map(([r, c]) => r * spec.columns + c);
    return { ref, nodeId, label: nodeLabel(ref, nodeId), neighbours };
  });
  let last: string[] = [];
  for (let r = 1; r <= spec.rounds; r++) {
    const previous = last;
    last = await rt.parallel(
      cells.map((cell, k) => async () => {
        const context: ContextItem[] =
          r === 1
            ? []
            : [
                { from: `your previous answer (${cell.label})`, output: previous[k]! },
                ...cell.neighbours.map((n) => ({ from: cells[n]!.label, output: previous[n]! })),
              ];
        const note = r === 1 ? undefined : `Round ${r}: your neighbours' previous answers are in the context. Take them into account and answer again.`;
        const result = await callNode(rt, { ref: cell.ref, nodeId: cell.nodeId, stepId: `r${r}.${cell.nodeId}`, task: instruct(task, note), context });
        return result.text;
      }),
    );
  }
  const merged = await callNode(rt, {
    ref: spec.aggregator,
    nodeId: "agg",
    stepId: "agg",
    task: instruct(task, "A grid of agents worked on this task; their final answers are in the context. Merge them into one final answer."),
    context: cells.map((c, k) => ({ from: c.label, output: last[k]! })),
  });
  return { output: merged.text };
}
