/**
 * A scripted, in-memory TopologyRuntime for tests: deterministic agents, a record of every call (who saw which
 * task and context, start/end times), concurrency tracking, duplicate step ids refused.
 * Without a script, an agent answers `<agent>@<stepId>` as text and, when a structured output is asked, the
 * minimal valid object the offline simulator would produce for that schema (so the default run behaves like the
 * simulator: `consensus` seeded, `verdict: "approve"`, one subtask assigned to the first worker, ...).
 */
import { z } from "zod";
import { simulatedEmbedding, valueForSchema, type JsonSchemaLike } from "@/server/models/simulator";
import type { AgentCall, AgentResult, EmbedCall, Embedded, TopologyRuntime } from "./types";

export interface RecordedCall extends AgentCall {
  start: number;
  end: number;
  /** 1-based: the how-manieth call of this agent */
  nth: number;
}

export interface RecordedTeam {
  nodeId: string;
  prefix: string;
  team: string;
  task: string;
}

export type Script = (call: AgentCall, nth: number) => string | AgentResult | { object: unknown } | undefined;

export interface FakeOptions {
  /** per agent slug, or one function for all; undefined answer = the default */
  script?: Record<string, Script> | Script;
  /** ms per call (default 5) */
  delay?: number | ((call: AgentCall) => number);
  /** the vector of an embedded text (default: the simulator's hashed bag of words); null: no model can embed */
  embed?: (text: string, call: EmbedCall) => number[] | null;
  /** what a nested team answers (default `team:<slug>@<prefix>`) */
  team?: (team: string, task: string, prefix: string) => string;
  /** what `describeAgent` / `describeTeam` answer, by slug (none: the runtime knows nothing about them) */
  agents?: Record<string, { name: string; description: string }>;
  teams?: Record<string, { name: string; description: string }>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class FakeRuntime implements TopologyRuntime {
  readonly calls: RecordedCall[] = [];
  readonly teams: RecordedTeam[] = [];
  readonly embeds: EmbedCall[] = [];
  expected = 0;
  maxActive = 0;
  private active = 0;
  private readonly seen = new Set<string>();
  private readonly counts = new Map<string, number>();
  private readonly t0 = performance.now();

  constructor(private readonly options: FakeOptions = {}) {}

  async callAgent(call: AgentCall): Promise<AgentResult> {
    if (this.seen.has(call.stepId)) throw new Error(`duplicate step id ${call.stepId}`);
    this.seen.add(call.stepId);
    const nth = (this.counts.get(call.agent) ?? 0) + 1;
    this.counts.set(call.agent, nth);
    const record: RecordedCall = { ...call, context: call.context ?? [], start: performance.now() - this.t0, end: 0, nth };
    this.calls.push(record);
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      const delay = typeof this.options.delay === "function" ? this.options.delay(call) : (this.options.delay ?? 5);
      await sleep(delay);
      const script = typeof this.options.script === "function" ? this.options.script : this.options.script?.[call.agent];
      const answer = script?.(call, nth);
      if (typeof answer === "string") return { text: answer, ...(call.output ? { object: undefined } : {}) };
      if (answer && "object" in answer) return { text: (answer as AgentResult).text ?? JSON.stringify(answer.object), object: answer.object };
      if (answer) return answer as AgentResult;
      if (call.output) {
        const object = valueForSchema(z.toJSONSchema(call.output.schema) as JsonSchemaLike, { seed: call.stepId, topic: call.task });
        return { text: JSON.stringify(object), object };
      }
      return { text: `${call.agent}@${call.stepId}` };
    } finally {
      this.active--;
      record.end = performance.now() - this.t0;
    }
  }

  async runTeam(nodeId: string, prefix: string, team: string, task: string): Promise<string> {
    if (this.seen.has(prefix)) throw new Error(`duplicate team prefix ${prefix}`);
    this.seen.add(prefix);
    this.teams.push({ nodeId, prefix, team, task });
    await sleep(typeof this.options.delay === "number" ? this.options.delay : 5);
    return this.options.team ? this.options.team(team, task, prefix) : `team:${team}@${prefix}`;
  }

  async embed(call: EmbedCall): Promise<Embedded> {
    if (this.seen.has(call.stepId)) throw new Error(`duplicate step id ${call.stepId}`);
    this.seen.add(call.stepId);
    this.embeds.push(call);
    const vector = (text: string) => (this.options.embed ? this.options.embed(text, call) : simulatedEmbedding(text));
    const vectors = call.texts.map(vector);
    return vectors.some((v) => v === null) ? { vectors: null, unavailable: "No model can embed (scripted)" } : { vectors: vectors as number[][] };
  }

  async parallel<T>(tasks: (() => Promise<T>)[], limit = Infinity): Promise<T[]> {
    const results = new Array<T>(tasks.length);
    let next = 0;
    const lane = async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, tasks.length)) }, lane));
    return results;
  }

  describeAgent(agent: string): { name: string; description: string } | undefined {
    return this.options.agents?.[agent];
  }

  describeTeam(team: string): { name: string; description: string } | undefined {
    return this.options.teams?.[team];
  }

  async expectSteps(additional: number): Promise<void> {
    this.expected += additional;
  }

  // ---- helpers for assertions
  call(stepId: string): RecordedCall {
    const c = this.calls.find((x) => x.stepId === stepId);
    if (!c) throw new Error(`no call ${stepId}; calls: ${this.stepIds().join(", ")}`);
    return c;
  }

  stepIds(): string[] {
    return this.calls.map((c) => c.stepId);
  }

  /** the `from` labels a step saw */
  saw(stepId: string): string[] {
    return (this.call(stepId).context ?? []).map((c) => c.from);
  }

  overlap(a: string, b: string): boolean {
    const x = this.call(a);
    const y = this.call(b);
    return x.start < y.end && y.start < x.end;
  }

  /** `a` ended before `b` started */
  before(a: string, b: string): boolean {
    return this.call(a).end <= this.call(b).start;
  }
}
