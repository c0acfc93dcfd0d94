/**
 * What an agent step recalls (issue 14): the agent's memory policy (lib/schemas/memory-policy.ts) names scopes
 * relative to the run; they are resolved against the run (its agent, team, subject, session), recalled with hybrid
 * recall (./recall.ts), and the best-ranked memories are kept until the policy's k and token budget are reached. A
 * scope the run does not have is skipped (said so in the step's record), never widened.
 */
import type { MemoryScope } from "@/lib/schemas/memory";
import type { MemoryPolicy, MemoryPolicyScope } from "@/lib/schemas/memory-policy";
import type { TenantContext } from "@/server/context";
import { heuristicTokens } from "@/server/models/token-estimate";
import { recallEmbedded } from "./recall";
import type { EmbedExtras, Embedding } from "./service";

/** What a run knows of itself that names memory scopes. */
export interface RunScopes {
  agentId: string;
  teamId: string | null;
  subject: string | null;
  sessionId: string | null;
}

/** A policy's relative scope as a concrete scope of this run (null: the run has none of that kind). */
export function resolveScope(scope: MemoryPolicyScope, run: RunScopes): MemoryScope | null {
  switch (scope) {
    case "workspace":
      return { type: "workspace" };
    case "agent":
      return { type: "agent", id: run.agentId };
    case "team":
      return run.teamId ? { type: "team", id: run.teamId } : null;
    case "subject":
      return run.subject ? { type: "subject", id: run.subject } : null;
    case "session":
      return run.sessionId ? { type: "session", id: run.sessionId } : null;
  }
}

/** One memory as it enters a prompt, and as the step's record keeps it. */
export interface InjectedMemory {
  id: string;
  scope: { type: string; id: string | null };
  kind: string;
  content: string;
  source: string;
  sourceRef: Record<string, unknown>;
  createdAt: string;
  score: number;
  vectorRank: number | null;
  textRank: number | null;
}

export interface StepRecall {
  memories: InjectedMemory[];
  /** the policy's scopes this run does not have */
  skipped: MemoryPolicyScope[];
  /** candidates recalled before the k and token limits */
  considered: number;
  tokens: number;
  embeddingModel: string | null;
  simulated: boolean;
  /** the query's embedding calls, one per model of the scopes (empty: nothing to recall from) */
  embeddings: Embedding[];
}

/** The longest query recall takes (the task's start is what it is about). */
const QUERY_MAX = 2000;

/** Recalls for one step of an agent with `policy`: the memories that enter its prompt, best first. */
export async function recallForStep(ctx: TenantContext, policy: MemoryPolicy, run: RunScopes, task: string, extras: EmbedExtras): Promise<StepRecall> {
  const scopes: MemoryScope[] = [];
  const skipped: MemoryPolicyScope[] = [];
  for (const s of policy.read) {
    const resolved = resolveScope(s, run);
    if (resolved) scopes.push(resolved);
    else skipped.push(s);
  }
  const query = task.trim().slice(0, QUERY_MAX);
  if (scopes.length === 0 || query.length === 0) {
    return { memories: [], skipped, considered: 0, tokens: 0, embeddingModel: null, simulated: false, embeddings: [] };
  }
  const { recalled, embeddings } = await recallEmbedded(ctx, { query, scopes, k: policy.k, ...(policy.weights ? { weights: policy.weights } : {}) }, extras);
  const memories: InjectedMemory[] = [];
  let tokens = 0;
  for (const { memory: m, why } of recalled.results) {
    const cost = heuristicTokens(m.content) + 20; // the block's label
    if (tokens + cost > policy.tokenBudget) continue; // a shorter one further down may still fit
    tokens += cost;
    memories.push({
      id: m.id,
      scope: m.scope,
      kind: m.kind,
      content: m.content,
      source: m.source,
      sourceRef: m.sourceRef,
      createdAt: m.createdAt.toISOString(),
      score: Math.round(why.score * 1e6) / 1e6,
      vectorRank: why.vectorRank,
      textRank: why.textRank,
    });
  }
  return {
    memories,
    skipped,
    considered: recalled.results.length,
    tokens,
    embeddingModel: recalled.embeddingModel,
    simulated: recalled.simulated,
    embeddings,
  };
}

/** The label of a memory's block in a prompt: its id (to cite), scope, kind and date. */
export function memoryLabel(m: Pick<InjectedMemory, "id" | "scope" | "kind" | "createdAt">): string {
  const scope = m.scope.id ? `${m.scope.type} ${m.scope.id}` : m.scope.type;
  return `memory ${m.id} (${m.kind}, ${scope}, ${m.createdAt.slice(0, 10)})`;
}
