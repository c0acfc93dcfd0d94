/**
 * The estimate of one run of a team: its worst case (./worst-case.ts: steps, model calls, peak parallel) with upper
 * bounds on the tokens it reads and writes and on what it costs. Pure: the caller says, per agent, its system prompt
 * size and output budget, and which model its policy routes to (server/teams/preflight.ts asks the router).
 *
 * The formula (tokens are estimated like the gateway does: characters / 4):
 * - a step of agent `a` writes at most `out(a)` = its maxOutputTokens;
 * - it reads `min(window(a) - out(a), system(a) + task + STEP_OVERHEAD + visible)`: every prompt is fitted to the
 *   context budget of the model it goes to (window minus the output budget), and `visible` is what the step can see
 *   of other steps' outputs, each at most its producer's output budget plus ITEM_OVERHEAD for its block:
 *   sequential: the previous agent (all previous ones with `context: "all"`); parallel, mixture of agents and dag:
 *   nothing / the previous layer / the dependencies, the aggregator every output it merges; the looping topologies
 *   (debate, mesh, star, grid, circular, maker-checker, supervisor): every node's output of every round (so that a
 *   hub, checker or spoke keeping its history stays within the bound); hierarchical and forest: every subtask's
 *   result and the manager's refused plan, and every step of a hierarchy is costed like its costliest node;
 * - it costs `(input * inputPrice + out * outputPrice) / 1e6` on the routed model (USD per million tokens);
 * - a nested team is a run of its own spec whose task is the parent's task with what the node sees, and whose output
 *   is at most the sum of its nodes' outputs.
 * The gateway's fallbacks (another model, other prices) and retries of a failed or cut call come on top, like the
 * model calls of the worst case. An agent with no routable model is counted without a window and at no cost, and
 * listed in `unrouted`.
 */
import { type BaseTopologySpec, type NodeRef, nodeRefs, type TopologySpec } from "@/lib/schemas/topology";
import { FOREST_MAX_SUBTASKS } from "./forest";
import { structuredRoles } from "./structured-roles";
import { type TeamSpecLookup, worstCase } from "./worst-case";

/** The topology's own words around a task in a prompt (notes, the context heading, a schema hint). */
export const STEP_OVERHEAD_TOKENS = 256;
/** The block around one visible output (`<context from="...">` ... `</context>`). */
export const ITEM_OVERHEAD_TOKENS = 16;

export interface EstimateModel {
  id: string;
  displayName: string;
  contextWindow: number;
  inputPrice: number;
  outputPrice: number;
}

export interface EstimateAgent {
  systemTokens: number;
  maxOutputTokens: number;
}

export interface EstimateInput {
  spec: TopologySpec;
  teamSpec?: TeamSpecLookup;
  agent: (slug: string) => EstimateAgent | undefined;
  /** the model the agent's policy routes to (asking for JSON when `json`), or null when it routes to none */
  model: (slug: string, json: boolean) => EstimateModel | null;
  taskTokens: number;
}

export interface RunEstimate {
  steps: number;
  modelCalls: number;
  peakParallel: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  taskTokens: number;
  /** agents counted without a model (their policy routes to none) */
  unrouted: string[];
}

const CAP = Number.MAX_SAFE_INTEGER;
const MAX_USD = 1e12;

interface Est {
  input: number;
  output: number;
  cost: number;
}

const ZERO: Est = { input: 0, output: 0, cost: 0 };
const plus = (...xs: Est[]): Est =>
  xs.reduce(
    (a, b) => ({ input: Math.min(CAP, a.input + b.input), output: Math.min(CAP, a.output + b.output), cost: Math.min(MAX_USD, a.cost + b.cost) }),
    ZERO,
  );
const times = (k: number, e: Est): Est =>
  k === 0 ? ZERO : { input: Math.min(CAP, k * e.input), output: Math.min(CAP, k * e.output), cost: Math.min(MAX_USD, k * e.cost) };
const most = (xs: Est[]): Est =>
  xs.reduce((a, b) => ({ input: Math.max(a.input, b.input), output: Math.max(a.output, b.output), cost: Math.max(a.cost, b.cost) }), ZERO);
const sat = (n: number) => Math.min(CAP, n);

/** The estimate of one run of `input.spec` for a task of `input.taskTokens` tokens. */
export function estimateRun(input: EstimateInput): RunEstimate {
  const teamSpec = input.teamSpec ?? (() => undefined);
  const unrouted = new Set<string>();
  const outMemo = new Map<string, number>();
  const visiting = new Set<string>();

  /** the most a node's answer can be */
  const out = (ref: NodeRef): number => {
    if (typeof ref === "string") return input.agent(ref)?.maxOutputTokens ?? 0;
    const hit = outMemo.get(ref.team);
    if (hit !== undefined) return hit;
    const nested = teamSpec(ref.team);
    if (!nested || visiting.has(ref.team)) return nested ? CAP : 0;
    visiting.add(ref.team);
    const inner = nested.topology === "hybrid" ? nested.arrangement : nested;
    const bound = sat(allRefs(inner).reduce((a, r) => a + out(r), 0));
    visiting.delete(ref.team);
    outMemo.set(ref.team, bound);
    return bound;
  };
  /** what a step sees of these nodes' answers */
  const seen = (refs: NodeRef[], rounds = 1): number => sat(rounds * refs.reduce((a, r) => a + out(r) + ITEM_OVERHEAD_TOKENS, 0));

  /** one call of a node: an agent step, or a whole nested team run */
  const call = (ref: NodeRef, task: number, visible: number, json: boolean, depth: number): Est => {
    if (typeof ref !== "string") {
      const nested = teamSpec(ref.team);
      if (!nested || depth > 16) return ZERO;
      return ofSpec(nested, sat(task + visible + STEP_OVERHEAD_TOKENS), depth + 1);
    }
    const agent = input.agent(ref);
    if (!agent) return ZERO;
    const model = input.model(ref, json);
    if (!model) unrouted.add(ref);
    const full = sat(agent.systemTokens + task + STEP_OVERHEAD_TOKENS + visible);
    const read = model ? Math.max(0, Math.min(model.contextWindow - agent.maxOutputTokens, full)) : full;
    const cost = model ? (read * model.inputPrice + agent.maxOutputTokens * model.outputPrice) / 1e6 : 0;
    return { input: read, output: agent.maxOutputTokens, cost };
  };

  const ofSpec = (spec: TopologySpec, task: number, depth: number): Est => {
    const structured = new Set(structuredRoles(spec).map((r) => r.path.replace(/^arrangement\./, "")));
    const inner = spec.topology === "hybrid" ? spec.arrangement : spec;
    const node = (path: string, ref: NodeRef, visible: number) => call(ref, task, visible, structured.has(path), depth);
    return arrangement(inner, node);
  };

  type Node = (path: string, ref: NodeRef, visible: number) => Est;

  const arrangement = (s: BaseTopologySpec, node: Node): Est => {
    const each = (prefix: string, refs: NodeRef[], visible: (i: number) => number) => plus(...refs.map((r, i) => node(`${prefix}.${i}`, r, visible(i))));
    const looped = (rounds: number) => seen(allRefs(s), rounds);
    switch (s.topology) {
      case "sequential":
        return each("agents", s.agents, (i) => (s.context === "all" ? seen(s.agents.slice(0, i)) : seen(s.agents.slice(Math.max(0, i - 1), i))));
      case "parallel":
        return plus(
          each("agents", s.agents, () => 0),
          s.aggregator ? node("aggregator", s.aggregator, seen(s.agents)) : ZERO,
        );
      case "dag": {
        const byId = new Map(s.nodes.map((n) => [n.id, n.agent]));
        return plus(...s.nodes.map((n, i) => node(`nodes.${i}.agent`, n.agent, seen((n.dependsOn ?? []).map((d) => byId.get(d)!).filter(Boolean)))));
      }
      case "mixture_of_agents":
        return plus(
          ...s.layers.map((layer, l) => each(`layers.${l}`, layer, () => (l === 0 ? 0 : seen(s.layers[l - 1]!)))),
          node("aggregator", s.aggregator, seen(s.layers[s.layers.length - 1] ?? [])),
        );
      case "debate":
        return times(
          s.rounds,
          plus(
            each("debaters", s.debaters, () => looped(s.rounds)),
            node("judge", s.judge, looped(s.rounds)),
          ),
        );
      case "mesh":
        return times(
          s.rounds,
          each("agents", s.agents, () => looped(s.rounds)),
        );
      case "star": {
        const v = looped(s.rounds + 1);
        return plus(
          times(
            s.rounds,
            plus(
              node("hub", s.hub, v),
              each("spokes", s.spokes, () => v),
            ),
          ),
          node("hub", s.hub, v),
        );
      }
      case "grid":
        return plus(
          times(
            s.rounds,
            each("cells", s.cells, () => looped(s.rounds)),
          ),
          node("aggregator", s.aggregator, seen(s.cells)),
        );
      case "circular":
        return times(
          s.laps,
          each("agents", s.agents, () => looped(s.laps)),
        );
      case "maker_checker": {
        const v = looped(s.maxIterations);
        return times(
          s.maxIterations,
          plus(
            node("maker", s.maker, v),
            each("checkers", s.checkers, () => v),
          ),
        );
      }
      case "supervisor": {
        const v = looped(s.maxTurns);
        const sup = node("supervisor", s.supervisor, v);
        const workers = s.workers.map((w, i) => node(`workers.${i}`, w, v));
        return times(s.maxTurns, plus(sup, sup, s.parallel ? plus(...workers) : most(workers)));
      }
      case "hierarchical":
        return hierarchy("", s.manager, s.workers, s.depth, s.maxSubtasks, node);
      case "forest": {
        const trees = s.trees.map((t, i) => hierarchy(`trees.${i}.`, t.manager, t.workers, t.depth, FOREST_MAX_SUBTASKS, node));
        return plus(...trees, node("aggregator", s.aggregator, seen(s.trees.map((t) => t.manager))));
      }
    }
  };

  /** a hierarchy: as many calls as its worst case with every node an agent, each costed like the costliest node */
  const hierarchy = (prefix: string, manager: NodeRef, workers: NodeRef[], depth: number, limit: number, node: Node): Est => {
    const calls = worstCase({
      topology: "hierarchical",
      manager: "m",
      workers: workers.map((_, i) => `w${i}`),
      depth,
      maxSubtasks: limit,
    } as TopologySpec).steps;
    const visible = sat(seen(workers.length ? [mostOut(workers)] : [], limit) + seen([manager]));
    const options = [node(`${prefix}manager`, manager, visible), ...workers.map((w, i) => node(`${prefix}workers.${i}`, w, visible))];
    return times(calls, most(options));
  };
  /** the worker with the longest answer */
  const mostOut = (refs: NodeRef[]): NodeRef => refs.reduce((a, b) => (out(b) > out(a) ? b : a));

  const total = ofSpec(input.spec, input.taskTokens, 0);
  const worst = worstCase(input.spec, teamSpec);
  return {
    steps: worst.steps,
    modelCalls: worst.modelCalls,
    peakParallel: worst.peakParallel,
    inputTokens: total.input,
    outputTokens: total.output,
    costUsd: total.cost,
    taskTokens: input.taskTokens,
    unrouted: [...unrouted].sort(),
  };
}

/** Every node of an arrangement (nested teams as nodes). */
function allRefs(s: BaseTopologySpec): NodeRef[] {
  return nodeRefs(s).map((n) => n.ref);
}
