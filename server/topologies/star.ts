/**
 * star: a hub talks to its spokes; spokes answer the hub only and never see each other.
 * - Node ids: `hub`, `spoke{i}`. Step ids: `r{round}.hub`, `r{round}.spoke{i}` (rounds from 1), `final.hub`.
 * - Each round the hub sees the task and the spokes' answers of the previous round (none in round 1) and answers
 *   `{ done, answer, messages }` (answer/messages nullable): done with a non-empty answer ends the run with that
 *   answer; otherwise each spoke gets its message (`messages["spoke{i}"]`, or the task itself when the hub wrote
 *   none) plus the task, and answers (in parallel, seeing nothing else).
 * - After R rounds without `done`, the hub sees the last answers and writes the final answer (`final.hub`, text).
 * - Result: the hub's answer. Extra field: `rounds` (spoke rounds held).
 */
import { z } from "zod";
import type { BaseTopologySpec } from "@/lib/schemas/topology";
import { agentCount, callNode, instruct, nodeLabel, structured } from "./common";
import type { ContextItem, TopologyResult, TopologyRuntime } from "./types";
import { neutraliseTags } from "./untrusted";

type Spec = Extract<BaseTopologySpec, { topology: "star" }>;

export function hubSchema(spokes: { key: string; name: string }[]) {
  return z.object({
    done: z.boolean().describe("true when you can answer the task now"),
    // nullable rather than optional: strict structured-output modes (OpenAI) want every property required
    answer: z.string().nullable().describe("the final answer when done, else null"),
    messages: z
      .object(Object.fromEntries(spokes.map((s) => [s.key, z.string().nullable().describe(`message to ${s.name} (null: nothing)`)])))
      .nullable()
      .describe("when not done: what to ask each spoke"),
  });
}

/** How we read the hub's answer: tolerant of missing fields (a missing message = none). */
const hubAnswer = z.object({
  done: z.boolean().catch(false),
  answer: z.string().nullish(),
  messages: z.record(z.string(), z.string().nullish()).nullish(),
});

export type StarResult = TopologyResult & { rounds: number };

export async function runStar(rt: TopologyRuntime, spec: Spec, task: string): Promise<StarResult> {
  const hubSteps = agentCount([spec.hub]);
  await rt.expectSteps(spec.rounds * (hubSteps + agentCount(spec.spokes)) + hubSteps);
  const spokes = spec.spokes.map((ref, i) => ({ ref, key: `spoke${i}`, name: nodeLabel(ref, `spoke${i}`) }));
  const schema = hubSchema(spokes);
  const intro = `You coordinate the spokes ${spokes.map((s) => `${s.key} = ${s.name}`).join(", ")}.`;
  let answers: ContextItem[] = [];
  let rounds = 0;
  for (let r = 1; r <= spec.rounds; r++) {
    const hubResult = await callNode(rt, {
      ref: spec.hub,
      nodeId: "hub",
      stepId: `r${r}.hub`,
      task: instruct(
        task,
        `${intro} Round ${r} of at most ${spec.rounds}${r > 1 ? "; their answers to your last messages are in the context" : ""}. If you can answer the task, set done and give the answer; otherwise write a message to each spoke.`,
      ),
      context: answers,
      schema,
    });
    const hub = structured(hubResult, hubAnswer);
    if (hub?.done && hub.answer?.trim()) return { output: hub.answer, rounds };
    const messages = hub?.messages ?? {};
    rounds = r;
    answers = await rt.parallel(
      spokes.map((s) => async () => {
        const message = messages[s.key]?.trim();
        const result = await callNode(rt, {
          ref: s.ref,
          nodeId: s.key,
          stepId: `r${r}.${s.key}`,
          // the hub's message directs the spoke, but cannot forge an untrusted block (./untrusted.ts)
          task: message ? `Message from the hub: ${neutraliseTags(message)}\n\nThe overall task: ${task}` : task,
        });
        return { from: s.name, output: result.text };
      }),
    );
  }
  const final = await callNode(rt, {
    ref: spec.hub,
    nodeId: "hub",
    stepId: "final.hub",
    task: instruct(task, `${intro} Their last answers are in the context. Write the final answer to the task.`),
    context: answers,
  });
  return { output: final.text, rounds };
}
