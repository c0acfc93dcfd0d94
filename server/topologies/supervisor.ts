/**
 * supervisor: a router agent picks, turn after turn, the next worker(s) to call, or finishes (conditional routing).
 * - Node ids: `supervisor`, `w{j}` (j = index in `workers`). Step ids: `t{turn}.supervisor` (+ `.retry`),
 *   `t{turn}.w{j}` (turns from 1).
 * - Each turn the supervisor sees the task, its workers (name, and the agent's name and role description when the
 *   runtime knows them) and every worker result so far (attributed, as untrusted context), and answers
 *   `{ finish, next, message, reason, answer }`: finish with the answer, or the names of the workers to call next
 *   (exactly one unless `parallel`) and a message for them.
 * - Refused: an unknown worker name, no worker while not finishing, several workers without `parallel`, an
 *   unreadable answer. A refused pick is asked again once with the problems listed (`.retry` step); refused again,
 *   the run fails with a TopologyError naming that step.
 * - A picked worker sees the task, the supervisor's message and the results so far (attributed); picked workers
 *   of one turn run at once.
 * - Finish: the result is the supervisor's answer, or, when it gave none, the last turn's worker output(s).
 *   After `maxTurns` turns without finishing it stops with the last turn's output(s) and `finished: false`.
 * - Result extra fields: `finished`, `turns` (supervisor turns held).
 */
import { z } from "zod";
import type { BaseTopologySpec, NodeRef } from "@/lib/schemas/topology";
import { attributedResult, callNode, instruct, isAgent, nodeLabel, parseJsonLoose, refName } from "./common";
import { TopologyError, type AgentResult, type ContextItem, type TopologyResult, type TopologyRuntime } from "./types";
import { neutraliseTags } from "./untrusted";
import { rosterLines } from "./roster";

type Spec = Extract<BaseTopologySpec, { topology: "supervisor" }>;

/** The schema the supervisor answers (worker names constrained; nullable rather than optional for strict modes). */
export function routeSchema(workerNames: string[]) {
  return z.object({
    finish: z.boolean().describe("true when the task is done: give the final answer"),
    next: z.array(z.enum(workerNames as [string, ...string[]])).describe("when not finishing: the worker(s) to call next; else empty"),
    message: z.string().nullable().describe("what the picked workers must do now (null: the task itself)"),
    reason: z.string().describe("why this pick, or why finish"),
    answer: z.string().nullable().describe("the final answer when finishing, else null"),
  });
}

/** What we accept before our own checks: names any string, missing fields tolerated. */
const lenientRoute = z.object({
  finish: z.boolean().catch(false),
  next: z
    .union([z.array(z.string()), z.string()])
    .nullish()
    .transform((n) => (n == null ? [] : Array.isArray(n) ? n : [n])),
  message: z.string().nullish(),
  answer: z.string().nullish(),
});

export type Route = { finish: true; answer: string | null } | { finish: false; next: string[]; message: string | null };
export type RouteCheck = { ok: true; route: Route } | { ok: false; problems: string[] };

/** Validates a supervisor's answer: every problem at once. */
export function checkRoute(answer: unknown, workerNames: string[], parallel: boolean): RouteCheck {
  const parsed = lenientRoute.safeParse(answer);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "answer"}: ${i.message}`) };
  }
  const { finish, message, answer: text } = parsed.data;
  if (finish) return { ok: true, route: { finish: true, answer: text?.trim() ? text : null } };
  const next = [...new Set(parsed.data.next.map((n) => n.trim()))];
  const problems: string[] = [];
  for (const name of next) if (!workerNames.includes(name)) problems.push(`unknown worker "${name}" (allowed: ${workerNames.join(", ")})`);
  if (next.length === 0) problems.push("name a worker in next, or set finish and give the answer");
  if (!parallel && next.length > 1) problems.push(`name one worker only (this team calls one worker per turn), got ${next.join(", ")}`);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, route: { finish: false, next, message: message?.trim() ? message : null } };
}

export type SupervisorResult = TopologyResult & { finished: boolean; turns: number };

interface Worker {
  ref: NodeRef;
  nodeId: string;
  name: string;
  label: string;
}

export async function runSupervisor(rt: TopologyRuntime, spec: Spec, task: string): Promise<SupervisorResult> {
  const workers: Worker[] = spec.workers.map((ref, j) => ({ ref, nodeId: `w${j}`, name: refName(ref), label: nodeLabel(ref, `w${j}`) }));
  const names = workers.map((w) => w.name);
  const schema = routeSchema(names);
  const supervisorSteps = isAgent(spec.supervisor) ? 1 : 0;
  const rules = spec.parallel
    ? "Pick the worker(s) to call next (several run at once), with a message saying what they must do, or finish with the final answer."
    : "Pick the one worker to call next, with a message saying what it must do, or finish with the final answer.";
  const intro = `You supervise these workers:\n${rosterLines(
    rt,
    workers.map((w) => ({ key: w.name, ref: w.ref })),
  )}\n${rules}`;
  const results: ContextItem[] = [];
  let last: { nodeId: string; agent: string; output: string }[] = [];

  const decide = async (turn: number): Promise<Route> => {
    await rt.expectSteps(supervisorSteps);
    const stepId = `t${turn}.supervisor`;
    const status =
      `Turn ${turn} of at most ${spec.maxTurns}${turn === spec.maxTurns ? " (the last: the run stops after the workers of this turn)" : ""}. ` +
      (results.length > 0 ? "The workers' results so far are in the context." : "No worker has been called yet.");
    const base = { ref: spec.supervisor, nodeId: "supervisor", context: results, schema };
    const first = await callNode(rt, { ...base, stepId, task: instruct(task, `${intro}\n${status}`) });
    const check = checkRoute(answerOf(first), names, spec.parallel);
    if (check.ok) return check.route;

    await rt.expectSteps(supervisorSteps);
    const retryStep = `${stepId}.retry`;
    const second = await callNode(rt, {
      ...base,
      stepId: retryStep,
      task: instruct(task, `${intro}\n${status}\nYour previous answer was refused:\n- ${check.problems.join("\n- ")}\nAnswer again, corrected.`),
      context: [...results, { from: "your refused answer", output: first.text }],
    });
    const recheck = checkRoute(answerOf(second), names, spec.parallel);
    if (recheck.ok) return recheck.route;
    throw new TopologyError(`The supervisor ${nodeLabel(spec.supervisor, "supervisor")} answered an invalid pick twice: ${recheck.problems.join("; ")}`, {
      stepId: retryStep,
      nodeId: "supervisor",
      problems: recheck.problems,
    });
  };

  for (let turn = 1; turn <= spec.maxTurns; turn++) {
    const route = await decide(turn);
    if (route.finish) {
      const output = route.answer ?? (last.length > 0 ? attributedResult(last).output : "");
      return { output, finished: true, turns: turn };
    }
    const picked = workers.filter((w) => route.next.includes(w.name));
    await rt.expectSteps(picked.filter((w) => isAgent(w.ref)).length);
    const seen = [...results];
    // the supervisor's message directs the workers, but cannot forge an untrusted block (./untrusted.ts)
    const brief = route.message ? `Message from the supervisor: ${neutraliseTags(route.message)}\n\nThe overall task: ${task}` : task;
    last = await rt.parallel(
      picked.map((w) => async () => {
        const result = await callNode(rt, {
          ref: w.ref,
          nodeId: w.nodeId,
          stepId: `t${turn}.${w.nodeId}`,
          task: instruct(brief, seen.length > 0 ? "The workers' results so far are in the context." : undefined),
          context: seen,
        });
        return { nodeId: w.nodeId, agent: w.name, output: result.text };
      }),
    );
    for (const [i, r] of last.entries()) results.push({ from: `${picked[i]!.label}, turn ${turn}`, output: r.output });
  }
  return { ...attributedResult(last), finished: false, turns: spec.maxTurns };
}

function answerOf(result: AgentResult): unknown {
  return result.object ?? parseJsonLoose(result.text);
}
