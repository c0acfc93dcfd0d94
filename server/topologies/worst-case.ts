/**
 * The worst case of one run of a team, computed from its spec alone (pure: no database, no model):
 * - `steps`: the most agent steps the run can make. Every loop runs to its bound (debate without consensus, mesh
 *   without convergence, maker-checker never approved, circular never done, star never done, supervisor never
 *   finishing), every plan (and supervisor pick) is refused once (its retry step counts) and asks for the most subtasks it may, every worker that may split does, and the
 *   most expensive node is chosen wherever the model chooses (a planner's assignee).
 * - `modelCalls`: the model requests those steps make: one per agent step (the gateway's fallbacks and the step
 *   engine's retries of a failing call come on top, bounded by their attempt limits).
 * - `peakParallel`: the most steps that can be in flight at once, without the runtime's concurrency caps.
 *
 * A nested team (hybrid) counts with its own worst case, recursively to any depth, through `teamSpec` (the spec a
 * slug resolves to: the current version when a team is saved, the pinned one when a run starts). An unknown team
 * counts as nothing (it is reported as unknown elsewhere); a cycle counts as infinite. Numbers saturate at
 * Number.MAX_SAFE_INTEGER.
 */
import type { BaseTopologySpec, NodeRef, TopologySpec } from "@/lib/schemas/topology";
import { FOREST_MAX_SUBTASKS } from "./forest";

export interface WorstCase {
  steps: number;
  modelCalls: number;
  peakParallel: number;
}

const CAP = Number.MAX_SAFE_INTEGER;
const add = (...xs: number[]) =>
  Math.min(
    CAP,
    xs.reduce((a, b) => a + b, 0),
  );
const mul = (a: number, b: number) => (a === 0 || b === 0 ? 0 : Math.min(CAP, a * b));
const max = (xs: number[]) => xs.reduce((a, b) => Math.max(a, b), 0);
const sum = (xs: number[]) => add(...xs);

interface Cost {
  steps: number;
  width: number;
}

const NONE: Cost = { steps: 0, width: 0 };
const AGENT: Cost = { steps: 1, width: 1 };
const INFINITE: Cost = { steps: CAP, width: CAP };

export type TeamSpecLookup = (slug: string) => TopologySpec | undefined;

/** The worst case of `spec`; nested teams through `teamSpec`. */
export function worstCase(spec: TopologySpec, teamSpec: TeamSpecLookup = () => undefined): WorstCase {
  const memo = new Map<string, Cost>();
  const visiting = new Set<string>();

  const team = (slug: string): Cost => {
    const hit = memo.get(slug);
    if (hit) return hit;
    if (visiting.has(slug)) return INFINITE;
    const nested = teamSpec(slug);
    if (!nested) return NONE;
    visiting.add(slug);
    const cost = ofSpec(nested);
    visiting.delete(slug);
    memo.set(slug, cost);
    return cost;
  };
  const node = (ref: NodeRef): Cost => (typeof ref === "string" ? AGENT : team(ref.team));
  const ofSpec = (s: TopologySpec): Cost => arrangement(s.topology === "hybrid" ? s.arrangement : s);

  /** nodes run one after another (`times` over): steps add up, the width is the widest node */
  const serial = (refs: NodeRef[], times = 1): Cost => ({ steps: mul(times, sum(refs.map((r) => node(r).steps))), width: max(refs.map((r) => node(r).width)) });
  /** nodes run all at once (`times` over): steps and widths add up */
  const together = (refs: NodeRef[], times = 1): Cost => ({
    steps: mul(times, sum(refs.map((r) => node(r).steps))),
    width: sum(refs.map((r) => node(r).width)),
  });
  /** phases one after another */
  const then = (...phases: Cost[]): Cost => ({ steps: sum(phases.map((p) => p.steps)), width: max(phases.map((p) => p.width)) });

  const arrangement = (s: BaseTopologySpec): Cost => {
    switch (s.topology) {
      case "sequential":
        return serial(s.agents);
      case "parallel":
        return then(together(s.agents), s.aggregator ? node(s.aggregator) : NONE);
      case "dag": {
        // at most maxParallel nodes at once: the widest ones
        const widths = s.nodes.map((n) => node(n.agent).width).sort((a, b) => b - a);
        return { steps: sum(s.nodes.map((n) => node(n.agent).steps)), width: sum(widths.slice(0, s.maxParallel)) };
      }
      case "debate": {
        const round = then(together(s.debaters), node(s.judge));
        return { steps: mul(s.rounds, round.steps), width: round.width };
      }
      case "mesh": {
        if (s.convergence.by !== "judge") return together(s.agents, s.rounds); // embedding steps are not agent steps
        const round = then(together(s.agents), node(s.convergence.judge));
        return { steps: mul(s.rounds, round.steps), width: round.width };
      }
      case "star": {
        const round = then(node(s.hub), together(s.spokes));
        return then({ steps: mul(s.rounds, round.steps), width: round.width }, node(s.hub));
      }
      case "grid":
        return then(together(s.cells, s.rounds), node(s.aggregator));
      case "forest": {
        const trees = s.trees.map((t) => hierarchy(t.manager, t.workers, t.depth, FOREST_MAX_SUBTASKS));
        return then({ steps: sum(trees.map((t) => t.steps)), width: sum(trees.map((t) => t.width)) }, node(s.aggregator));
      }
      case "circular":
        return serial(s.agents, s.laps);
      case "mixture_of_agents":
        return then(...s.layers.map((layer) => together(layer)), node(s.aggregator));
      case "maker_checker": {
        const iteration = then(node(s.maker), together(s.checkers));
        return { steps: mul(s.maxIterations, iteration.steps), width: iteration.width };
      }
      case "hierarchical":
        return hierarchy(s.manager, s.workers, s.depth, s.maxSubtasks);
      case "supervisor": {
        // each turn: a pick refused once (2 supervisor calls), then every worker (parallel) or the costliest one
        const sup = node(s.supervisor);
        const workers = s.parallel ? together(s.workers) : { steps: max(s.workers.map((w) => node(w).steps)), width: max(s.workers.map((w) => node(w).width)) };
        const turn = then({ steps: mul(2, sup.steps), width: sup.width }, workers);
        return { steps: mul(s.maxTurns, turn.steps), width: turn.width };
      }
    }
  };

  /**
   * hierarchical (and a forest's tree): the manager plans (a refused plan is asked again: 2 plan calls) and
   * synthesises; the plan has at most `limit` subtasks, all of which may run at once; a subtask goes to any worker
   * (the planner chooses: the costliest counts). With depth left and a share `floor(limit / n) >= 2`, an agent
   * worker plans again (2 calls), runs its smaller subtasks and synthesises; else it answers in one step.
   */
  const hierarchy = (manager: NodeRef, workers: NodeRef[], depth: number, limit: number): Cost => {
    const execMemo = new Map<string, Cost>();
    const execute = (l: number, d: number): Cost => {
      const key = `${l}:${d}`;
      const hit = execMemo.get(key);
      if (hit) return hit;
      let best: Cost = NONE;
      for (let n = 1; n <= l; n++) {
        const share = Math.floor(l / n);
        const one = subtask(share, d);
        const cost = { steps: mul(n, one.steps), width: mul(n, one.width) };
        best = { steps: Math.max(best.steps, cost.steps), width: Math.max(best.width, cost.width) };
      }
      execMemo.set(key, best);
      return best;
    };
    const subtask = (share: number, d: number): Cost => {
      const options = workers.map((w): Cost => {
        if (typeof w !== "string") return node(w);
        if (d > 1 && share >= 2) {
          const nested = execute(share, d - 1);
          return { steps: add(3, nested.steps), width: Math.max(1, nested.width) };
        }
        return AGENT;
      });
      return { steps: max(options.map((o) => o.steps)), width: max(options.map((o) => o.width)) };
    };
    const m = node(manager);
    const planning: Cost = { steps: mul(2, m.steps), width: m.width };
    return then(planning, execute(Math.max(1, limit), depth), m);
  };

  const cost = ofSpec(spec);
  return { steps: cost.steps, modelCalls: cost.steps, peakParallel: cost.width };
}

/** "1,728,000" */
export function formatCount(n: number): string {
  return n >= CAP ? "an unbounded number of" : n.toLocaleString("en-US");
}
