/**
 * hierarchical: a manager plans, workers execute, the manager synthesises.
 * - Node ids: `manager`, `w{j}` (j = index in `workers`); with a prefix (forest trees) `t{i}.manager`, `t{i}.w{j}`.
 * - Step ids: `manager.plan` (+ `manager.plan.retry`), `sub{k}` for the k-th subtask of the plan (whoever runs it),
 *   `manager.synth`. A worker that splits its subtask (depth > 1): `sub{k}.plan` (+ `.retry`), `sub{k}.sub{m}`,
 *   `sub{k}.synth`. All prefixed by the tree prefix in a forest.
 * - Plan: the manager answers a structured `{ subtasks: [{ id, assignee, task, dependsOn }] }`; assignee is a worker
 *   name (agent slug, or team slug in hybrid; several workers with the same name take that name's subtasks in turn).
 *   Refused: more than `maxSubtasks` subtasks, an unknown assignee, an empty task, duplicate ids, a dependency cycle
 *   (incl. on itself). Unknown dependency ids are ignored. A refused plan is asked again once with the problems
 *   appended (`.retry` step); refused again, the run fails with a TopologyError naming that step.
 *   An empty plan is not an error: the whole task goes to the first worker.
 * - Execution: a subtask starts when the subtasks it depends on are done (independent ones run in parallel) and sees
 *   their results (attributed) as context, plus the overall task in its prompt.
 * - Depth: while depth > 1, an agent worker first plans its own subtask with the same worker pool (an empty list =
 *   it does the work itself), runs the smaller subtasks and synthesises them: that synthesis is its result. The
 *   smaller subtasks also see what their parent subtask saw (its dependencies' results).
 *   Bounded: a plan of n subtasks under a limit L gives each subtask a limit of floor(L / n); below 2 no split is
 *   offered. So every level has at most `maxSubtasks` leaves and the calls stay O(depth x maxSubtasks).
 * - Roles: every plan prompt lists the workers by name with their role descriptions (./roster.ts).
 * - Synthesis (the manager's, and a splitting worker's): its own plan (each subtask's id, assignee and text) in the
 *   task, each result in the context under its subtask's label, in the plan's order.
 * - Result: the manager's synthesis of all top-level results.
 * A manager that is a nested team (hybrid) is asked for the plan as JSON text; no parsable plan = the empty plan.
 */
import { z } from "zod";
import { findCycle, type BaseTopologySpec, type NodeRef } from "@/lib/schemas/topology";
import { callNode, instruct, isAgent, nodeLabel, parseJsonLoose, refName, runGraph } from "./common";
import { TopologyError, type ContextItem, type TopologyResult, type TopologyRuntime } from "./types";
import { neutraliseTags } from "./untrusted";
import { rosterLines } from "./roster";

type Spec = Extract<BaseTopologySpec, { topology: "hierarchical" }>;

export interface Hierarchy {
  manager: NodeRef;
  workers: NodeRef[];
  depth: number;
  maxSubtasks: number;
}

export interface Subtask {
  id: string;
  assignee: string;
  task: string;
  dependsOn: string[];
}

/** The schema the planner answers (assignees constrained to the worker names). */
export function planSchema(workerNames: string[], limit: number) {
  return z.object({
    subtasks: z
      .array(
        z.object({
          id: z.string().describe('short unique id of the subtask, e.g. "a"'),
          assignee: z.enum(workerNames as [string, ...string[]]).describe("the worker who does it"),
          task: z.string().describe("what the worker must do, self-contained"),
          dependsOn: z.array(z.string()).describe("ids of the subtasks whose results this one needs"),
        }),
      )
      .describe(`at most ${limit} subtasks`),
  });
}

/** What we accept from the planner before our own checks (assignee any string, missing ids/dependsOn tolerated). */
const lenientPlan = z.object({
  subtasks: z.array(
    z.object({
      id: z.union([z.string(), z.number()]).optional(),
      assignee: z.string(),
      task: z.string(),
      dependsOn: z.array(z.union([z.string(), z.number()])).nullish(),
    }),
  ),
});

export type PlanCheck = { ok: true; subtasks: Subtask[] } | { ok: false; problems: string[] };

/** Validates a plan: every problem at once. */
export function checkPlan(plan: unknown, workerNames: string[], limit: number): PlanCheck {
  const parsed = lenientPlan.safeParse(plan);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "plan"}: ${i.message}`),
    };
  }
  const problems: string[] = [];
  const raw = parsed.data.subtasks;
  if (raw.length > limit) problems.push(`too many subtasks: ${raw.length} (at most ${limit})`);
  const subtasks = raw.map(
    (s, k): Subtask => ({
      id: String(s.id ?? "").trim() || String(k + 1),
      assignee: s.assignee.trim(),
      task: s.task.trim(),
      dependsOn: (s.dependsOn ?? []).map((d) => String(d).trim()),
    }),
  );
  const ids = new Set<string>();
  for (const s of subtasks) {
    if (ids.has(s.id)) problems.push(`duplicate subtask id "${s.id}"`);
    ids.add(s.id);
    if (!workerNames.includes(s.assignee)) {
      problems.push(`subtask "${s.id}": unknown assignee "${s.assignee}" (allowed: ${workerNames.join(", ")})`);
    }
    if (!s.task) problems.push(`subtask "${s.id}": empty task`);
    if (s.dependsOn.includes(s.id)) problems.push(`dependency cycle: subtask "${s.id}" depends on itself`);
  }
  for (const s of subtasks) s.dependsOn = [...new Set(s.dependsOn.filter((d) => ids.has(d)))];
  const cycle = findCycle(subtasks);
  if (cycle) problems.push(`dependency cycle: ${cycle.join(" -> ")}`);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, subtasks };
}

interface Env {
  rt: TopologyRuntime;
  rootTask: string;
  workers: NodeRef[];
  names: string[];
  nodePrefix: string;
}

/** The workers a planner may assign, by name, each with its role description (./roster.ts). */
function workerRoster(env: Env): string {
  return rosterLines(
    env.rt,
    env.names.map((name) => ({ key: name, ref: env.workers.find((w) => refName(w) === name)! })),
  );
}

const planRules = (env: Env, limit: number) =>
  `Your workers:\n${workerRoster(env)}\nGive each subtask a short unique id, one assignee from: ${env.names.join(", ")}; a self-contained task; and dependsOn: ` +
  `the ids of the subtasks whose results it needs (independent subtasks run in parallel). At most ${limit} subtasks.`;

/**
 * What a synthesis sees: its own plan (each subtask's id, assignee and text) in its task, and each result in the
 * context under its subtask's label, in the plan's order.
 */
function synthesisOf(subtasks: Subtask[], results: Map<string, Done>, closing: string): { instruction: string; context: ContextItem[] } {
  const plan = subtasks.map((s) => {
    const deps = s.dependsOn.length ? ` (after ${s.dependsOn.map((d) => `"${d}"`).join(", ")})` : "";
    return `- subtask "${s.id}", done by ${results.get(s.id)!.worker}${deps}: ${neutraliseTags(s.task)}`;
  });
  return {
    instruction: `Your plan was:\n${plan.join("\n")}\nThe result of each subtask is in the context, labelled with its subtask's id. ${closing}`,
    context: subtasks.map((s) => ({ from: results.get(s.id)!.label, output: results.get(s.id)!.output })),
  };
}

/** Asks `planner` for a plan, validates it, asks once more with the problems, then gives up. */
async function makePlan(
  env: Env,
  p: { planner: NodeRef; nodeId: string; stepId: string; task: string; context?: ContextItem[]; limit: number },
): Promise<Subtask[]> {
  const schema = planSchema(env.names, p.limit);
  const first = await callNode(env.rt, { ref: p.planner, nodeId: p.nodeId, stepId: p.stepId, task: p.task, context: p.context, schema });
  const firstPlan = first.object ?? parseJsonLoose(first.text);
  if (!isAgent(p.planner) && firstPlan === undefined) return []; // a nested team answered in prose: no plan
  const check = checkPlan(firstPlan, env.names, p.limit);
  if (check.ok) return check.subtasks;

  await env.rt.expectSteps(isAgent(p.planner) ? 1 : 0);
  const retryStep = `${p.stepId}.retry`;
  const second = await callNode(env.rt, {
    ref: p.planner,
    nodeId: p.nodeId,
    stepId: retryStep,
    task: instruct(p.task, `Your previous plan was refused:\n- ${check.problems.join("\n- ")}\nReturn a corrected plan.`),
    context: [...(p.context ?? []), { from: "your refused plan", output: firstPlan === undefined ? first.text : JSON.stringify(firstPlan) }],
    schema,
  });
  const recheck = checkPlan(second.object ?? parseJsonLoose(second.text), env.names, p.limit);
  if (recheck.ok) return recheck.subtasks;
  throw new TopologyError(`The plan of ${nodeLabel(p.planner, p.nodeId)} was refused twice: ${recheck.problems.join("; ")}`, {
    stepId: retryStep,
    nodeId: p.nodeId,
    problems: recheck.problems,
  });
}

type Done = { label: string; worker: string; output: string };

/** Runs a validated plan: dependencies first, independent subtasks in parallel; results by subtask id. */
async function execute(
  env: Env,
  subtasks: Subtask[],
  at: { stepPrefix: string; depth: number; limit: number; inherited: ContextItem[] },
): Promise<Map<string, Done>> {
  // assignee name -> worker index, in turn among workers sharing a name
  const turn = new Map<string, number>();
  const workerOf = subtasks.map((s) => {
    const candidates = env.workers.flatMap((w, j) => (refName(w) === s.assignee ? [j] : []));
    const n = turn.get(s.assignee) ?? 0;
    turn.set(s.assignee, n + 1);
    return candidates[n % candidates.length]!;
  });
  await env.rt.expectSteps(workerOf.filter((j) => isAgent(env.workers[j]!)).length);
  const childLimit = Math.floor(at.limit / Math.max(1, subtasks.length));
  const index = new Map(subtasks.map((s, k) => [s.id, k]));

  return runGraph<Done>(subtasks, Infinity, async (id, deps) => {
    const k = index.get(id)!;
    const s = subtasks[k]!;
    const j = workerOf[k]!;
    const ref = env.workers[j]!;
    const nodeId = `${env.nodePrefix}w${j}`;
    const stepBase = `${at.stepPrefix}sub${k}`;
    const worker = nodeLabel(ref, nodeId);
    const label = `${worker}, subtask "${s.id}"`;
    const context = [...at.inherited, ...s.dependsOn.map((d) => ({ from: deps.get(d)!.label, output: deps.get(d)!.output }))];
    // the planner's subtask directs the worker, but cannot forge an untrusted block (./untrusted.ts)
    const brief = `Your subtask: ${neutraliseTags(s.task)}\n\nIt is part of this overall task: ${env.rootTask}`;

    if (at.depth > 1 && isAgent(ref) && childLimit >= 2) {
      const nested = await makePlan(env, {
        planner: ref,
        nodeId,
        stepId: `${stepBase}.plan`,
        task: instruct(
          brief,
          `If your subtask is large, split it into smaller subtasks for the workers. ${planRules(env, childLimit)} Otherwise return an empty list of subtasks and you will do it yourself.`,
        ),
        context,
        limit: childLimit,
      });
      if (nested.length > 0) {
        await env.rt.expectSteps(1);
        const results = await execute(env, nested, { stepPrefix: `${stepBase}.`, depth: at.depth - 1, limit: childLimit, inherited: context });
        const { instruction, context: synthContext } = synthesisOf(nested, results, "Combine them into the result of your subtask.");
        const synth = await callNode(env.rt, { ref, nodeId, stepId: `${stepBase}.synth`, task: instruct(brief, instruction), context: synthContext });
        return { label, worker, output: synth.text };
      }
      await env.rt.expectSteps(1);
    }
    const note = context.length > 0 ? "The results of the subtasks it depends on are in the context." : undefined;
    const result = await callNode(env.rt, { ref, nodeId, stepId: stepBase, task: instruct(brief, note), context });
    return { label, worker, output: result.text };
  });
}

/** One hierarchy (also a forest's tree, with `prefix` "t{i}."): plan, execute, synthesise; returns the synthesis. */
export async function runHierarchy(rt: TopologyRuntime, h: Hierarchy, task: string, prefix = ""): Promise<string> {
  const names = [...new Set(h.workers.map(refName))];
  const env: Env = { rt, rootTask: task, workers: h.workers, names, nodePrefix: prefix };
  const managerId = `${prefix}manager`;
  await rt.expectSteps(isAgent(h.manager) ? 2 : 0); // plan + synthesis

  let subtasks = await makePlan(env, {
    planner: h.manager,
    nodeId: managerId,
    stepId: `${managerId}.plan`,
    task: instruct(task, `You are the manager: split this task into subtasks for your workers. ${planRules(env, h.maxSubtasks)}`),
    limit: h.maxSubtasks,
  });
  if (subtasks.length === 0) subtasks = [{ id: "task", assignee: names[0]!, task, dependsOn: [] }];

  const results = await execute(env, subtasks, { stepPrefix: prefix, depth: h.depth, limit: h.maxSubtasks, inherited: [] });
  const { instruction, context } = synthesisOf(subtasks, results, "Your workers completed them: combine the results into the final answer to the task.");
  const synth = await callNode(rt, { ref: h.manager, nodeId: managerId, stepId: `${managerId}.synth`, task: instruct(task, instruction), context });
  return synth.text;
}

export async function runHierarchical(rt: TopologyRuntime, spec: Spec, task: string): Promise<TopologyResult> {
  return { output: await runHierarchy(rt, spec, task) };
}
