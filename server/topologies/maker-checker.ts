/**
 * maker_checker: a maker produces, checkers review, until every checker approves or maxIterations.
 * - Node ids: `maker`, `checker{j}`. Step ids: `i{iteration}.maker`, `i{iteration}.checker{j}` (iterations from 1).
 * - Iteration 1: the maker sees the task. Iteration n > 1: the maker sees its previous output and the reasons of
 *   every checker that asked for a revision (attributed). The checkers (in parallel) see the task and the maker's
 *   current output and answer `{ verdict: "approve" | "revise", reasons }` (an unreadable verdict counts as revise).
 *   From iteration 2 each checker also sees its own earlier reviews (verdict and reasons, labelled as its own,
 *   before the current version), so that it can tell whether its objections were addressed.
 * - Stops when all checkers approve, or after maxIterations.
 * - Result: the maker's last output. Extra fields: `approved`, `iterations`, `verdicts` (the last ones).
 */
import { z } from "zod";
import type { BaseTopologySpec } from "@/lib/schemas/topology";
import { agentCount, callNode, instruct, nodeLabel, refName, structured } from "./common";
import type { ContextItem, TopologyResult, TopologyRuntime } from "./types";

type Spec = Extract<BaseTopologySpec, { topology: "maker_checker" }>;

export const verdictSchema = z.object({
  verdict: z.enum(["approve", "revise"]),
  reasons: z.array(z.string()).describe("what is wrong and must change (may be empty when approving)"),
});

const verdictAnswer = verdictSchema.extend({
  reasons: z
    .array(z.string())
    .nullish()
    .transform((r) => r ?? []),
});

export type Verdict = { nodeId: string; agent: string; verdict: "approve" | "revise"; reasons: string[] };
export type MakerCheckerResult = TopologyResult & { approved: boolean; iterations: number; verdicts: Verdict[] };

export async function runMakerChecker(rt: TopologyRuntime, spec: Spec, task: string): Promise<MakerCheckerResult> {
  await rt.expectSteps(spec.maxIterations * (agentCount([spec.maker]) + agentCount(spec.checkers)));
  const makerLabel = nodeLabel(spec.maker, "maker");
  let output = "";
  let feedback: ContextItem[] = [];
  let verdicts: Verdict[] = [];
  // each checker's own earlier reviews, so that it can tell whether its objections were addressed
  const ownReviews: ContextItem[][] = spec.checkers.map(() => []);
  let n = 0;
  while (n < spec.maxIterations) {
    n++;
    const made = await callNode(rt, {
      ref: spec.maker,
      nodeId: "maker",
      stepId: `i${n}.maker`,
      task: instruct(
        task,
        n === 1
          ? undefined
          : "Reviewers asked for a revision: your previous version and their reasons are in the context. Produce a revised version that addresses every reason.",
      ),
      context: n === 1 ? [] : [{ from: `your previous version (${makerLabel})`, output }, ...feedback],
    });
    output = made.text;
    const current = output;
    verdicts = await rt.parallel(
      spec.checkers.map((ref, j) => async () => {
        const nodeId = `checker${j}`;
        const own = ownReviews[j]!;
        const earlier = own.length > 0 ? " Your own reviews of the earlier versions are in the context too: check whether your objections were addressed." : "";
        const result = await callNode(rt, {
          ref,
          nodeId,
          stepId: `i${n}.${nodeId}`,
          task: instruct(
            task,
            `You review the work produced for this task (in the context), iteration ${n} of at most ${spec.maxIterations}. Approve it, or ask for a revision with the reasons.${earlier}`,
          ),
          context: [...own, { from: makerLabel, output: current }],
          schema: verdictSchema,
        });
        const found = structured(result, verdictAnswer);
        const verdict: Verdict = found ? { nodeId, agent: refName(ref), ...found } : { nodeId, agent: refName(ref), verdict: "revise", reasons: [result.text] };
        own.push({
          from: `your own review, iteration ${n} (${nodeLabel(ref, nodeId)})`,
          output: `${verdict.verdict}${verdict.reasons.length ? `\n${verdict.reasons.map((r) => `- ${r}`).join("\n")}` : ""}`,
        });
        return verdict;
      }),
    );
    if (verdicts.every((v) => v.verdict === "approve")) break;
    feedback = verdicts
      .filter((v) => v.verdict === "revise")
      .map((v) => ({
        from: nodeLabel(spec.checkers[Number(v.nodeId.slice("checker".length))]!, v.nodeId),
        output: v.reasons.map((r) => `- ${r}`).join("\n") || "- (no reason given)",
      }));
  }
  const approved = verdicts.every((v) => v.verdict === "approve");
  return {
    output,
    approved,
    iterations: n,
    verdicts,
  };
}
