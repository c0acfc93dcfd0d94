/**
 * Quality gates in team runs (docs/architecture.md, Quality gate), on the single-agent gate's machinery
 * (./quality-gate.ts):
 *
 * - The team's gate on the run's output: judge steps `gate.i{n}.{judge}` as for an agent; on "revise" the whole team
 *   runs again (its topology, from the start) on a revised task that carries the previous output and the judges'
 *   issues, its steps under `team.r{n}/` so that each attempt's steps stay apart and a replay finds each where it was.
 * - An agent's own gate on its node (the team's `agentGates` "on"): judge steps under the node's step id
 *   (`{step}.gate.i{n}.{judge}`), a consensus row scoped to the node, revisions of that node only (`{step}.r{n}`,
 *   asked with the node's context, its previous answer and the issues). The rest of the team then goes on with the
 *   accepted answer.
 *
 * Every judge call and revision is a call of the run: within its budget, its step limit and its model call cap.
 */
import type { PinnedGate } from "@/lib/schemas/quality-gate";
import type { AgentVersionOut } from "@/server/agents/service";
import type { AgentCall, AgentResult, ContextItem } from "@/server/topologies/types";
import type { TopologyRunResult as TopologyResult } from "@/server/topologies";
import { pinnedJudges, revisionTask, runQualityGate, type GateRuntime } from "./quality-gate";

export interface NodeGateDeps {
  agent: AgentVersionOut;
  /** the node's first call */
  call: AgentCall;
  expectSteps: (additional: number) => Promise<void>;
  /** one agent step without a gate (a revision of the node) */
  callAgent: (call: AgentCall) => Promise<AgentResult>;
}

/** An agent node's answer through its agent's gate; resolves with the accepted answer. */
export async function gateAgentNode(g: GateRuntime, gate: PinnedGate, d: NodeGateDeps, first: AgentResult): Promise<AgentResult> {
  const judges = await pinnedJudges(g.ctx, gate);
  await d.expectSteps(judges.length);
  let latest = first;
  await runQualityGate(
    g,
    gate,
    judges,
    {
      agentId: d.agent.agentId,
      agentSlug: d.agent.slug,
      revise: async (n, task, context) => {
        await d.expectSteps(1 + judges.length);
        latest = await d.callAgent({ ...d.call, stepId: `${d.call.stepId}.r${n}`, task, context: [...(d.call.context ?? []), ...context] });
        return latest;
      },
    },
    first,
  );
  return latest;
}

export interface TeamGateDeps {
  /** the agent a review names (the approvals inbox shows one) */
  reviewer: AgentVersionOut;
  expectSteps: (additional: number) => Promise<void>;
  /** the team's topology again on `task`, its steps under `team.r{n}/` */
  rerun: (n: number, task: string) => Promise<TopologyResult>;
}

/** A team run's output through the team's gate; resolves with the accepted attempt's result. */
export async function gateTeamOutput(g: GateRuntime, gate: PinnedGate, d: TeamGateDeps, first: TopologyResult): Promise<TopologyResult> {
  const judges = await pinnedJudges(g.ctx, gate);
  await d.expectSteps(judges.length);
  let latest = first;
  await runQualityGate(
    g,
    gate,
    judges,
    {
      agentId: d.reviewer.agentId,
      agentSlug: d.reviewer.slug,
      revise: async (n, _task, context) => {
        await d.expectSteps(judges.length);
        latest = await d.rerun(n, teamRevisionTask(g.run.input, context));
        return { text: latest.output };
      },
    },
    { text: first.output },
  );
  return latest;
}

/** A topology takes a task only: the revised task carries the previous output and the judges' issues in its text. */
export function teamRevisionTask(task: string, context: ContextItem[]): string {
  const parts = context.map((c) => `<<${c.from}>>\n${c.output}\n<</${c.from}>>`);
  return `${revisionTask(task)}\n\n${parts.join("\n\n")}`;
}
