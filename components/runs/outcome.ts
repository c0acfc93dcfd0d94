import type { BadgeTone } from "@/components/ui/badge";
import type { RunOutcome } from "@/lib/schemas/run-outcome";

/**
 * How a run page shows a topology's outcome: "approved after 2 iterations", "not approved after 3 iterations",
 * "no consensus after 3 rounds", "converged after 2 rounds", "done after 1 lap". Null for topologies without a gate.
 * Pure, no React.
 */
export interface OutcomeLabel {
  text: string;
  tone: BadgeTone;
  /** what it meant for the run, for the badge's title */
  hint: string;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** How a mesh decided: the lowest similarity of the last round compared against the threshold, or "by the judge". */
function meshDetail(convergence: Extract<RunOutcome, { topology: "mesh" }>["convergence"]): string {
  if (!convergence) return "";
  if (convergence.by === "judge") return " (by the judge)";
  if (convergence.similarities.length === 0) return "";
  const lowest = Math.min(...convergence.similarities.map((s) => s.similarity));
  return ` (lowest similarity ${lowest}, threshold ${convergence.threshold})`;
}

function gateText(outcome: RunOutcome): string | null {
  switch (outcome.topology) {
    case "maker_checker":
      return `${outcome.met ? "approved" : "not approved"} after ${plural(outcome.iterations, "iteration")}`;
    case "debate":
      return outcome.met ? `consensus in round ${outcome.rounds}` : `no consensus after ${plural(outcome.rounds, "round")}`;
    case "mesh":
      return `${outcome.met ? "converged" : "not converged"} after ${plural(outcome.rounds, "round")}${meshDetail(outcome.convergence)}`;
    case "circular":
      return `${outcome.met ? "done" : "not done"} after ${plural(outcome.laps, "lap")}`;
    case "supervisor":
      return `${outcome.met ? "finished" : "not finished"} after ${plural(outcome.turns, "turn")}`;
    default:
      return null;
  }
}

export function outcomeLabel(outcome: RunOutcome | null | undefined): OutcomeLabel | null {
  if (!outcome) return null;
  const text = gateText(outcome);
  if (text === null) return null;
  const why =
    outcome.topology === "mesh" && outcome.convergence?.by === "judge" && outcome.convergence.reason ? ` The judge: ${outcome.convergence.reason}` : "";
  if (outcome.met) return { text, tone: "success", hint: `The topology's gate was met.${why}` };
  if (!("onUnmet" in outcome))
    return { text, tone: "warning", hint: "Not finished within its turns: the run succeeded with the last output (outcome.met = false)." };
  const fails = outcome.onUnmet === "fail";
  return fails
    ? { text, tone: "danger", hint: `The gate was not met and the team says onUnmet "fail": the run failed (OUTCOME_NOT_MET), its last draft is kept.${why}` }
    : {
        text,
        tone: "warning",
        hint: `The gate was not met and the team says onUnmet "succeed_flagged": the run succeeded, flagged (outcome.met = false).${why}`,
      };
}
