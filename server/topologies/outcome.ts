/**
 * A topology's outcome (lib/schemas/run-outcome.ts) from the spec that ran and the result it returned. Pure: the
 * result comes from the run's steps, which a replay reads back from their stored results, so the outcome of a
 * replayed run is the same without calling a model.
 */
import { OUTCOME_REASON_MAX, type MeshConvergenceOutcome, type RunOutcome } from "@/lib/schemas/run-outcome";
import type { BaseTopologySpec } from "@/lib/schemas/topology";
import type { CircularResult } from "./circular";
import type { DebateResult } from "./debate";
import type { MakerCheckerResult } from "./maker-checker";
import type { MeshResult } from "./mesh";
import type { StarResult } from "./star";
import type { SupervisorResult } from "./supervisor";
import type { TopologyResult } from "./types";

export function topologyOutcome(spec: BaseTopologySpec, result: TopologyResult): RunOutcome {
  switch (spec.topology) {
    case "maker_checker": {
      const r = result as MakerCheckerResult;
      return {
        topology: spec.topology,
        met: r.approved,
        onUnmet: spec.onUnmet,
        approved: r.approved,
        iterations: r.iterations,
        maxIterations: spec.maxIterations,
        verdicts: r.verdicts.map((v) => ({
          nodeId: v.nodeId,
          agent: v.agent,
          verdict: v.verdict,
          reasons: v.reasons.map((x) => x.slice(0, OUTCOME_REASON_MAX)),
        })),
      };
    }
    case "debate": {
      const r = result as DebateResult;
      return { topology: spec.topology, met: r.consensus, onUnmet: spec.onUnmet, consensus: r.consensus, rounds: r.rounds, maxRounds: spec.rounds };
    }
    case "mesh": {
      const r = result as MeshResult;
      return {
        topology: spec.topology,
        met: r.converged,
        onUnmet: spec.onUnmet,
        converged: r.converged,
        rounds: r.rounds,
        maxRounds: spec.rounds,
        convergence: r.convergence,
      };
    }
    case "circular": {
      const r = result as CircularResult;
      return { topology: spec.topology, met: r.done, onUnmet: spec.onUnmet, done: r.done, laps: r.laps, maxLaps: spec.laps };
    }
    case "star":
      return { topology: spec.topology, met: true, rounds: (result as StarResult).rounds };
    case "supervisor": {
      const r = result as SupervisorResult;
      return { topology: spec.topology, met: r.finished, finished: r.finished, turns: r.turns, maxTurns: spec.maxTurns };
    }
    default:
      return { topology: spec.topology, met: true };
  }
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** Why a gate was not met, for people: "the checkers did not approve after 3 iterations". Null when it was met. */
export function unmetReason(outcome: RunOutcome): string | null {
  if (outcome.met) return null;
  switch (outcome.topology) {
    case "maker_checker": {
      const revise = outcome.verdicts.filter((v) => v.verdict === "revise").map((v) => `${v.agent} (${v.nodeId})`);
      return `the checkers did not approve after ${plural(outcome.iterations, "iteration")}${revise.length ? `; still asking for a revision: ${revise.join(", ")}` : ""}`;
    }
    case "debate":
      return `the judge found no consensus after ${plural(outcome.rounds, "round")}`;
    case "mesh":
      return `the agents did not converge after ${plural(outcome.rounds, "round")}${meshUnmetDetail(outcome.convergence)}`;
    case "circular":
      return `no agent said the work was done after ${plural(outcome.laps, "lap")}`;
    case "supervisor":
      return `the supervisor did not finish within ${plural(outcome.maxTurns, "turn")}`;
    default:
      return null;
  }
}

function meshUnmetDetail(convergence: MeshConvergenceOutcome | undefined): string {
  if (!convergence) return "";
  if (convergence.by === "judge") return convergence.reason ? ` (the judge: ${convergence.reason.slice(0, 300)})` : "";
  const below = convergence.similarities.filter((s) => s.similarity < convergence.threshold);
  return below.length
    ? ` (below the similarity threshold ${convergence.threshold}: ${below.map((s) => `${s.agent} (${s.nodeId}) ${s.similarity}`).join(", ")})`
    : "";
}

/** The outcome fails the run: its gate was not met and the team says `onUnmet: "fail"`. */
export function failsRun(outcome: RunOutcome): boolean {
  return !outcome.met && "onUnmet" in outcome && outcome.onUnmet === "fail";
}

export const OUTCOME_NOT_MET = "OUTCOME_NOT_MET";

/**
 * A gate not met under `onUnmet: "fail"`: the run fails with this (code OUTCOME_NOT_MET), keeping the outcome and
 * the last draft. `at` names the nested team's node when the gate was a nested team's.
 */
export class OutcomeNotMetError extends Error {
  readonly code = OUTCOME_NOT_MET;
  readonly outcome: RunOutcome;
  readonly result: TopologyResult;
  readonly at?: { stepId: string; nodeId: string; team: string };

  constructor(outcome: RunOutcome, result: TopologyResult, at?: { stepId: string; nodeId: string; team: string }) {
    const where = at ? ` in nested team "${at.team}" (node ${at.nodeId})` : "";
    super(`Outcome not met${where}: ${unmetReason(outcome) ?? "the topology's gate was not met"}`);
    this.name = "OutcomeNotMetError";
    this.outcome = outcome;
    this.result = result;
    if (at) this.at = at;
  }
}
