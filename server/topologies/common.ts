import { z } from "zod";
import type { NodeRef } from "@/lib/schemas/topology";
import { parseJsonLoose } from "@/lib/json-loose";
import { withUntrusted } from "./untrusted";
import { TopologyError, type AgentResult, type ContextItem, type TopologyResult, type TopologyRuntime } from "./types";

/**
 * Shared pieces of the topologies.
 *
 * Conventions (every topology file follows them):
 * - Node ids are the ones of lib/topology-graph.ts; `nodePrefix` is prepended to them (forest trees: "t0.").
 * - Step ids are built only from the topology position and the round/iteration/lap number (never time or
 *   randomness), so they are stable across replays and unique within a run; `stepPrefix` is prepended to them.
 * - A node is an agent (`rt.callAgent`) or, in hybrid, a nested team (`rt.runTeam(nodeId, "<stepId>/", slug, task)`:
 *   the nested team's own steps live under that prefix; it reports its own expected steps, so team nodes count 0
 *   in our `expectSteps` calls).
 * - Other nodes' outputs are passed as `context` with `from` = "<name> (<nodeId>)"; for a team node (which has no
 *   context channel) they are written into the task text.
 */

export function refName(ref: NodeRef): string {
  return typeof ref === "string" ? ref : ref.team;
}

/** How other agents see a node's output: "writer (s0)". */
export function nodeLabel(ref: NodeRef, nodeId: string): string {
  return `${refName(ref)} (${nodeId})`;
}

/** Number of model steps the given nodes make (nested teams report their own steps). */
export function agentCount(refs: NodeRef[]): number {
  return refs.filter((r) => typeof r === "string").length;
}

export function isAgent(ref: NodeRef): ref is string {
  return typeof ref === "string";
}

/** The task followed by a short instruction about the node's role in the topology. */
export function instruct(task: string, instruction?: string): string {
  return instruction ? `${task}\n\n---\n${instruction}` : task;
}

/**
 * Writes context into a task, for nested teams (which get a task only): the same untrusted blocks as an agent's
 * prompt (./untrusted.ts), so the nested team's agents see them inside the trust boundary their system prompt names.
 */
export function contextIntoTask(task: string, context: ContextItem[] | undefined): string {
  return withUntrusted(task, context);
}

function schemaHint(schema: z.ZodType): string {
  try {
    return JSON.stringify(z.toJSONSchema(schema));
  } catch {
    return "(a JSON object)";
  }
}

export { parseJsonLoose };

export interface NodeCall {
  ref: NodeRef;
  nodeId: string;
  stepId: string;
  task: string;
  context?: ContextItem[];
  schema?: z.ZodType;
  /** diversity group (see AgentCall.spreadGroup) */
  spreadGroup?: string;
}

/** Runs one node: an agent step, or a nested team (hybrid) whose text is parsed as JSON when a schema is asked. */
export async function callNode(rt: TopologyRuntime, call: NodeCall): Promise<AgentResult> {
  if (typeof call.ref === "string") {
    return rt.callAgent({
      nodeId: call.nodeId,
      stepId: call.stepId,
      agent: call.ref,
      task: call.task,
      ...(call.context && call.context.length > 0 ? { context: call.context } : {}),
      ...(call.schema ? { output: { schema: call.schema } } : {}),
      ...(call.spreadGroup ? { spreadGroup: call.spreadGroup } : {}),
    });
  }
  let task = contextIntoTask(call.task, call.context);
  if (call.schema) task += `\n\nAnswer with one JSON object only, matching this JSON schema: ${schemaHint(call.schema)}`;
  const text = await rt.runTeam(call.nodeId, `${call.stepId}/`, call.ref.team, task);
  return call.schema ? { text, object: parseJsonLoose(text) } : { text };
}

/** The structured answer of a call, validated; undefined when there is none or it does not match. */
export function structured<S extends z.ZodType>(result: AgentResult, schema: S): z.output<S> | undefined {
  for (const candidate of [result.object, parseJsonLoose(result.text)]) {
    if (candidate === undefined) continue;
    const parsed = schema.safeParse(candidate);
    if (parsed.success) return parsed.data;
  }
  return undefined;
}

/** Several outputs as one readable text, each under its author. */
export function joinAttributed(items: { nodeId: string; agent: string; output: string }[]): string {
  return items.map((i) => `## ${i.agent} (${i.nodeId})\n\n${i.output}`).join("\n\n");
}

/** The result of several outputs with no single final one. */
export function attributedResult(items: { nodeId: string; agent: string; output: string }[]): TopologyResult {
  if (items.length === 1) return { output: items[0]!.output, attributed: items };
  return { output: joinAttributed(items), attributed: items };
}

/**
 * Runs a dependency graph: an item starts as soon as all its dependencies finished (in declaration order among the
 * ready ones), with at most `limit` running at once. `run` gets the results of the item's dependencies.
 * On a failure no new item starts; the running ones settle, then the first error is thrown.
 */
export async function runGraph<T>(
  items: { id: string; dependsOn: string[] }[],
  limit: number,
  run: (id: string, deps: Map<string, T>) => Promise<T>,
): Promise<Map<string, T>> {
  const results = new Map<string, T>();
  const pending = [...items];
  let running = 0;
  let failure: { error: unknown } | null = null;

  return new Promise((resolve, reject) => {
    const pump = () => {
      if (failure) {
        if (running === 0) reject(failure.error);
        return;
      }
      if (pending.length === 0 && running === 0) return resolve(results);
      for (let i = 0; i < pending.length && running < limit; ) {
        const item = pending[i]!;
        if (item.dependsOn.every((d) => results.has(d))) {
          pending.splice(i, 1);
          running++;
          const deps = new Map(item.dependsOn.map((d) => [d, results.get(d)!]));
          Promise.resolve()
            .then(() => run(item.id, deps))
            .then(
              (value) => {
                results.set(item.id, value);
              },
              (error: unknown) => {
                failure ??= { error };
              },
            )
            .finally(() => {
              running--;
              pump();
            });
        } else i++;
      }
      if (running === 0 && pending.length > 0 && !failure) {
        reject(new TopologyError(`Cannot schedule ${pending.map((p) => p.id).join(", ")}: their dependencies never finish (a cycle?)`));
      }
    };
    pump();
  });
}
