/**
 * star: a hub talks to its spokes; spokes answer the hub only and never see each other.
 * - Node ids: `hub`, `spoke{i}`. Step ids: `r{round}.hub`, `r{round}.spoke{i}` (rounds from 1), `final.hub`.
 * - The hub sees its spokes by name with their role descriptions (./roster.ts).
 * - Each round the hub sees the task and its history (none in round 1): for every earlier round its own messages
 *   (labelled as its own) and the spokes' answers (attributed, "<name> (spoke{i}), round {r}"), and answers
 *   `{ done, answer, messages }` (answer/messages nullable): done with a non-empty answer ends the run with that
 *   answer; otherwise each spoke gets its message (`messages["spoke{i}"]`, or the task itself when the hub wrote
 *   none) plus the task and its own answers of the earlier rounds (labelled as its own), and answers (in parallel,
 *   seeing nothing of the other spokes).
 * - After R rounds without `done`, the hub sees its whole history and writes the final answer (`final.hub`, text).
 * - Result: the hub's answer. Extra field: `rounds` (spoke rounds held).
 */
import { z } from "zod";
import type { BaseTopologySpec } from "@/lib/schemas/topology";
import { agentCount, callNode, instruct, nodeLabel, structured } from "./common";
import type { ContextItem, TopologyResult, TopologyRuntime } from "./types";
import { neutraliseTags } from "./untrusted";
import { rosterLines } from "./roster";

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
  const intro = `You coordinate these spokes:\n${rosterLines(
    rt,
    spokes.map((s) => ({ key: `${s.key} = ${s.name}`, ref: s.ref })),
  )}\n`;
  // the hub's history: its own messages and the spokes' answers, round by round (its own labelled as its own)
  const history: ContextItem[] = [];
  // each spoke's own earlier answers
  const ownAnswers: ContextItem[][] = spokes.map(() => []);
  let answers: ContextItem[] = [];
  let rounds = 0;
  for (let r = 1; r <= spec.rounds; r++) {
    const hubResult = await callNode(rt, {
      ref: spec.hub,
      nodeId: "hub",
      stepId: `r${r}.hub`,
      task: instruct(
        task,
        `${intro}Round ${r} of at most ${spec.rounds}${r > 1 ? "; your earlier messages and the spokes' answers to them, round by round, are in the context" : ""}. If you can answer the task, set done and give the answer; otherwise write a message to each spoke.`,
      ),
      context: history,
      schema,
    });
    const hub = structured(hubResult, hubAnswer);
    if (hub?.done && hub.answer?.trim()) return { output: hub.answer, rounds };
    const messages = hub?.messages ?? {};
    rounds = r;
    const sent = spokes.flatMap((s) => (messages[s.key]?.trim() ? [`to ${s.key}: ${messages[s.key]!.trim()}`] : []));
    history.push({ from: `your own messages, round ${r} (hub)`, output: sent.length ? sent.join("\n") : "(no message: each spoke got the task)" });
    answers = await rt.parallel(
      spokes.map((s, i) => async () => {
        const message = messages[s.key]?.trim();
        const own = ownAnswers[i]!;
        // the hub's message directs the spoke, but cannot forge an untrusted block (./untrusted.ts)
        const brief = message ? `Message from the hub: ${neutraliseTags(message)}\n\nThe overall task: ${task}` : task;
        const result = await callNode(rt, {
          ref: s.ref,
          nodeId: s.key,
          stepId: `r${r}.${s.key}`,
          task: instruct(brief, own.length > 0 ? "Your own answers of the earlier rounds are in the context." : undefined),
          context: [...own],
        });
        own.push({ from: `your own answer, round ${r} (${s.name})`, output: result.text });
        return { from: `${s.name}, round ${r}`, output: result.text };
      }),
    );
    history.push(...answers);
  }
  const final = await callNode(rt, {
    ref: spec.hub,
    nodeId: "hub",
    stepId: "final.hub",
    task: instruct(task, `${intro}Your messages and their answers, round by round, are in the context. Write the final answer to the task.`),
    context: history,
  });
  return { output: final.text, rounds };
}
