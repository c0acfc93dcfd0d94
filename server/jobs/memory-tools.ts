/**
 * The memory tools (issue 14): `remember`, `recall` and `forget`, built-ins whose executors the run engine passes in
 * (like run_agent: server/tools is below server/memory). They act in the calling agent's scopes only: `remember`
 * writes to its policy's write scope (the agent's own scope without a policy), `recall` reads its policy's read scopes
 * (else its own scope), and `forget` deletes a memory only from one of those scopes; anything else is refused as the
 * call's result. A memory written by a call records the run and the call's step as its provenance.
 */
import type { MemoryScope } from "@/lib/schemas/memory";
import type { MemoryPolicyScope } from "@/lib/schemas/memory-policy";
import type { AgentVersionOut } from "@/server/agents/service";
import { db } from "@/server/db/client";
import { resolveScope, type RunScopes } from "@/server/memory/inject";
import { recall } from "@/server/memory/recall";
import { deleteMemory, remember } from "@/server/memory/service";
import type { BuiltinOverrides } from "@/server/tools/executors";
import type { ToolExecutor, ToolOutcome } from "@/server/tools/types";

const refusal = (output: string): ToolOutcome => ({ output, isError: true });

export interface MemoryToolRun {
  teamId: string | null;
  subject: string | null;
  sessionId: string | null;
}

function scopesOf(names: readonly MemoryPolicyScope[], run: RunScopes): MemoryScope[] {
  return names.flatMap((n) => {
    const s = resolveScope(n, run);
    return s ? [s] : [];
  });
}

const sameScope = (a: { type: string; id?: string | null }, b: { type: string; id?: string | null }) => a.type === b.type && (a.id ?? null) === (b.id ?? null);

const str = (v: unknown) => (typeof v === "string" ? v : "");

/** The memory tools' executors for `agent`'s calls in a run. */
export function memoryToolExecutors(run: MemoryToolRun, agent: AgentVersionOut): BuiltinOverrides {
  const scopes: RunScopes = { agentId: agent.agentId, teamId: run.teamId, subject: run.subject, sessionId: run.sessionId };
  const policy = agent.memoryPolicy;
  const writeScope = resolveScope(policy?.writeScope ?? "agent", scopes);
  const readScopes = policy?.read.length ? scopesOf(policy.read, scopes) : scopesOf(["agent"], scopes);
  const reachable = [...readScopes, ...(writeScope ? [writeScope] : [])];

  const rememberTool: ToolExecutor = async (input, call) => {
    const args = (input ?? {}) as { content?: unknown; importance?: unknown };
    const content = str(args.content).trim();
    if (!content) return refusal("Say what to remember (content).");
    if (!writeScope) return refusal(`This run has no ${policy?.writeScope} scope to remember in.`);
    const importance = typeof args.importance === "number" && args.importance >= 0 && args.importance <= 1 ? args.importance : 0.5;
    // a call replayed after a crash before its record finds the memory it wrote
    const existing = await db(call.ctx).memory.findFirst({
      where: {
        workspaceId: call.ctx.workspaceId,
        source: "run",
        sourceRef: { path: ["stepId"], equals: call.stepId },
        AND: { sourceRef: { path: ["runId"], equals: call.runId } },
      },
      select: { id: true },
    });
    const id =
      existing?.id ??
      (
        await remember(call.ctx, {
          scope: writeScope,
          kind: "semantic",
          content: content.slice(0, 8000),
          importance,
          source: "run",
          sourceRef: { runId: call.runId, stepId: call.stepId },
        })
      ).id;
    return { output: { remembered: id, scope: writeScope } };
  };

  const recallTool: ToolExecutor = async (input, call) => {
    const args = (input ?? {}) as { query?: unknown; k?: unknown };
    const query = str(args.query).trim();
    if (!query) return refusal("Say what to recall (query).");
    if (readScopes.length === 0) return refusal("This run has none of the scopes this agent reads.");
    const k = typeof args.k === "number" && Number.isInteger(args.k) ? Math.min(10, Math.max(1, args.k)) : 5;
    const found = await recall(call.ctx, { query: query.slice(0, 2000), scopes: readScopes, k, ...(policy?.weights ? { weights: policy.weights } : {}) });
    return {
      output: {
        memories: found.results.map((r) => ({
          id: r.memory.id,
          content: r.memory.content,
          scope: r.memory.scope,
          kind: r.memory.kind,
          createdAt: r.memory.createdAt.toISOString(),
          score: Math.round(r.why.score * 1e6) / 1e6,
        })),
        ...(found.simulated ? { note: "offline lexical embeddings: matches shared words, not meaning" } : {}),
      },
    };
  };

  const forgetTool: ToolExecutor = async (input, call) => {
    const memoryId = str((input as { memoryId?: unknown } | null)?.memoryId).trim();
    if (!memoryId) return refusal("Name the memory to forget (memoryId).");
    const row = await db(call.ctx).memory.findFirst({ where: { id: memoryId, workspaceId: call.ctx.workspaceId }, select: { scopeType: true, scopeId: true } });
    // another scope's memory reads as unknown: an agent learns nothing of what it cannot reach
    if (!row || !reachable.some((s) => sameScope(s, { type: row.scopeType, id: row.scopeId }))) return refusal(`No memory ${memoryId} in this agent's scopes.`);
    await deleteMemory(call.ctx, memoryId);
    return { output: { forgotten: memoryId } };
  };

  return { remember: rememberTool, recall: recallTool, forget: forgetTool };
}
