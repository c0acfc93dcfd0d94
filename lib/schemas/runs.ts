import { z } from "zod";
import { judgeRefSchema, MAX_GATE_JUDGES, pinnedGateSchema } from "./quality-gate";
import { idempotencyKeySchema } from "@/lib/idempotency";
import { MAX_INT4, text } from "./text";
import { modelPolicySchema } from "./model-policy";
import { actorTypeSchema, idSchema, paginationShape } from "./common";
import { runOutcomeSchema } from "./run-outcome";
import { memoryScopeIdSchema } from "./memory";

/**
 * Runs: one execution of a team or a single agent on an input, in the background. Shared by tRPC, REST, the UI
 * and (later) MCP. Totals are exact sums of the run's steps; events are sequence-numbered per run.
 */
export const RUN_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export const runStatusSchema = z.enum(RUN_STATUSES).meta({ id: "RunStatus" });
export type RunStatus = z.infer<typeof runStatusSchema>;
/** What a run executes. The closed sets below are also CHECK constraints in the database (migration 20261206_100_closed_sets). */
export const RUN_TARGET_TYPES = ["team", "agent"] as const;
export type RunTargetType = (typeof RUN_TARGET_TYPES)[number];
/**
 * Where a run was started: the web app, the REST API, the cadre CLI (the REST API with the CLI's user agent), the
 * hosted MCP endpoint, the OpenAI-compatible endpoint, a webhook trigger, a schedule, an evaluation, or an agent's
 * run_agent tool (a sub-run).
 */
export const RUN_CHANNELS = ["web", "api", "cli", "mcp", "openai", "webhook", "schedule", "evaluation", "agent"] as const;
export const runChannelSchema = z.enum(RUN_CHANNELS).meta({ id: "RunChannel" });
export type RunChannel = z.infer<typeof runChannelSchema>;
export const isRunChannel = (value: string | null): value is RunChannel => (RUN_CHANNELS as readonly (string | null)[]).includes(value);
export const RUN_CHANNEL_LABELS: Record<RunChannel, string> = {
  web: "Web app",
  api: "REST API",
  cli: "CLI",
  mcp: "MCP endpoint",
  openai: "OpenAI-compatible API",
  webhook: "Webhook trigger",
  schedule: "Schedule",
  evaluation: "Evaluation",
  agent: "Agent (sub-run)",
};
/**
 * A step row's status: pending (not started again yet), running, retrying (another attempt follows), waiting (for a
 * provider to recover), sleeping (a durable sleep), succeeded, failed.
 */
export const STEP_STATUSES = ["pending", "running", "retrying", "waiting", "sleeping", "succeeded", "failed"] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];
/**
 * A step row's kind: an agent's call, an aggregator, a manager's plan, a nested team's node, bookkeeping (system), a
 * context summary made to fit a step's context budget, embeddings a topology asked for, or the model turns and tool calls
 * of an agent step that uses tools (server/tools/loop.ts).
 */
export const STEP_KINDS = ["agent", "aggregate", "plan", "team", "system", "summary", "embed", "turn", "tool", "memory", "judge"] as const;
export type StepKind = (typeof STEP_KINDS)[number];
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ["succeeded", "failed", "cancelled"];

export const MAX_RUN_INPUT = 100_000;
/**
 * How deep sub-runs nest (the tool run_agent): a run started by a person or a key has depth 0, a sub-run its parent's
 * depth + 1; a run at this depth cannot start another (its agent hears why).
 */
export const MAX_RUN_DEPTH = 3;
/**
 * The body limit of a run start (REST and tRPC) is at least this, whatever CADRE_MAX_BODY_BYTES says: an input at its
 * maximum always fits (6 bytes a character covers JSON's \uXXXX escapes), plus room for the other fields.
 */
export const MAX_RUN_START_BODY_BYTES = MAX_RUN_INPUT * 6 + 64 * 1024;

export const runIdSchema = idSchema("run");

/** Characters of a step's input and output in run details and step lists (a step input may hold a million). */
export const STEP_TEXT_LIMIT = 16_384;

/** The event types a run emits (see docs/api.md); the last three end a run's stream. */
export const RUN_EVENT_TYPES = [
  "run.queued",
  "run.started",
  "node.started",
  "node.delta",
  "node.finished",
  "node.failed",
  "node.waiting",
  "node.resumed",
  "tool.started",
  "tool.finished",
  "run.progress",
  "judge.verdict",
  "gate.decided",
  "run.succeeded",
  "run.failed",
  "run.cancelled",
] as const;
export type RunEventType = (typeof RUN_EVENT_TYPES)[number];
export const TERMINAL_RUN_EVENTS: readonly RunEventType[] = ["run.succeeded", "run.failed", "run.cancelled"];

const targetRef = text().trim().min(1).max(80);

/** A run's task tag (e.g. summarise, code-review): runs list by it and routing learns a model's quality per tag. */
export const taskTagSchema = text()
  .trim()
  .toLowerCase()
  .min(1, "A tag has at least 1 character")
  .max(40, "A tag has at most 40 characters")
  .regex(/^[a-z0-9][a-z0-9_.:-]*$/, "Use lowercase letters, digits and . _ : - (starting with a letter or digit)");
export const MAX_RUN_TAGS = 8;
export const taskTagsSchema = z
  .array(taskTagSchema)
  .max(MAX_RUN_TAGS, `At most ${MAX_RUN_TAGS} tags`)
  .refine((t) => new Set(t).size === t.length, "Each tag is given once");

export const startRunInputSchema = z
  .strictObject({
    team: targetRef.optional().describe("The team to run: id (team_...) or slug"),
    agent: targetRef.optional().describe("The single agent to run: id (agt_...) or slug"),
    input: text()
      .min(1, "Enter the task for the run")
      .max(MAX_RUN_INPUT, `The input has at most ${MAX_RUN_INPUT} characters`)
      .refine((v) => v.trim().length > 0, "Enter the task for the run")
      .describe("The task"),
    budgetUsd: z
      .number()
      .min(0.0001, "A run budget is at least $0.0001")
      .max(1_000_000)
      .optional()
      .describe("Limit for this run (USD); default: the workspace's per-run limit"),
    modelPolicy: modelPolicySchema.optional().describe("Overrides every agent's model policy for this run"),
    version: z
      .number()
      .int("A version is a whole number")
      .min(1, "Versions start at 1")
      .max(1_000_000)
      .optional()
      .describe("Run this version of the team or agent instead of its current one (a team's agents still run at their current versions)"),
    subject: memoryScopeIdSchema
      .optional()
      .describe("The end user or customer the run serves (e.g. customer:42): its agents recall and remember in that subject's memory"),
    tags: taskTagsSchema
      .optional()
      .describe("Task tags (up to 8, e.g. summarise): runs list by tag, and routing uses each model's quality observed by judges on runs with these tags"),
    judges: z
      .array(judgeRefSchema)
      .min(1, "Name at least one judge, or leave judges out")
      .max(MAX_GATE_JUDGES, `At most ${MAX_GATE_JUDGES} judges`)
      .refine((j) => new Set(j).size === j.length, "Each judge is named once")
      .optional()
      .describe(
        "Judges that score this run's output: they replace the agent's (or the team's) gate's judges, keeping its other settings (default settings when it has no gate)",
      ),
  })
  .superRefine((v, issue) => {
    if (!v.team === !v.agent) issue.addIssue({ code: "custom", path: ["team"], message: "Name exactly one of team or agent" });
  });
export type StartRunInput = z.input<typeof startRunInputSchema>;
/** The web app's start (tRPC): the same input plus the form's idempotency key (a double submit starts one run). */
export const startRunWithKeyInputSchema = startRunInputSchema.safeExtend({
  idempotencyKey: idempotencyKeySchema.optional().describe("One key per intended run (lib/idempotency.ts)"),
});

const targetSchema = z.object({ id: z.string(), slug: z.string(), name: z.string(), version: z.number().int() });

export const runSchema = z
  .object({
    id: z.string(),
    targetType: z.enum(RUN_TARGET_TYPES),
    team: targetSchema.nullable(),
    agent: targetSchema.nullable(),
    status: runStatusSchema,
    input: z.string(),
    output: z.string().nullable().describe("The run's text; also kept when an unmet outcome failed the run (the last draft)"),
    outcome: runOutcomeSchema
      .nullable()
      .describe(
        "What the team's topology reached, once the run finished it: `met` false = not approved / no consensus / not converged / not done (a failed run with outcome.met false was failed by its team's onUnmet \"fail\"). Null for single-agent runs, runs that did not finish their topology, and runs from before outcomes",
      ),
    error: z.string().nullable(),
    budgetUsd: z.number().nullable(),
    modelPolicyOverride: modelPolicySchema.nullable(),
    inputTokens: z.number().int().describe("The run's input tokens: the sum of its ledger rows (every model call it made)"),
    outputTokens: z.number().int().describe("The run's output tokens: the sum of its ledger rows"),
    costUsd: z
      .number()
      .describe(
        "The run's cost: the sum of its ledger rows (GET /api/v1/usage?run=), every model call included (failed, retried and interrupted attempts); the same figure its budget is checked against",
      ),
    /** finishedAt - startedAt (so far, while running) */
    durationMs: z.number().int().nullable(),
    stepsDone: z.number().int(),
    stepsExpected: z.number().int(),
    createdBy: z.object({ type: actorTypeSchema, id: z.string().nullable() }),
    parentRunId: z
      .string()
      .nullable()
      .describe("A sub-run (started by an agent's run_agent tool call): the run that started it; null for a run started by a person or a key"),
    subject: z.string().nullable().describe("The end user or customer the run serves (its agents' subject memory scope)"),
    tags: z.array(z.string()).describe("The task tags it was started with"),
    channel: runChannelSchema
      .nullable()
      .describe(
        "Where the run was started: web (the web app), api (the REST API), cli, mcp (the hosted MCP endpoint), openai (the OpenAI-compatible endpoint), webhook (a webhook trigger), schedule, evaluation, agent (a sub-run); null for runs from before it was recorded",
      ),
    channelRef: z.string().nullable().describe("The webhook trigger, schedule or evaluation that started the run (its id)"),
    depth: z
      .number()
      .int()
      .describe(`How deep the run is nested: 0 for a run started by a person or a key, the parent's + 1 for a sub-run (at most ${MAX_RUN_DEPTH})`),
    cancelRequestedAt: z.date().nullable(),
    queuedAt: z.date(),
    startedAt: z.date().nullable(),
    finishedAt: z.date().nullable(),
    createdAt: z.date(),
  })
  .meta({ id: "Run" });
export type RunOut = z.infer<typeof runSchema>;

/** What can be wrong with a model's answer itself (server/models/answer.ts), as a step's result records it. */
export const ANSWER_PROBLEM_CODES = ["ANSWER_TRUNCATED", "ANSWER_NOT_JSON", "ANSWER_SCHEMA_MISMATCH"] as const;

export const answerProblemSchema = z
  .object({
    code: z.enum(ANSWER_PROBLEM_CODES),
    problems: z.array(z.string()).optional().describe("The schema's issues (ANSWER_SCHEMA_MISMATCH)"),
  })
  .meta({ id: "AnswerProblem" });

export const runStepSchema = z
  .object({
    id: z.string(),
    stepId: z.string(),
    kind: z.enum(STEP_KINDS),
    nodeId: z.string().nullable(),
    status: z.enum(STEP_STATUSES),
    attempts: z.number().int(),
    error: z.string().nullable(),
    agent: z.object({ id: z.string(), slug: z.string().nullable(), version: z.number().int().nullable() }).nullable(),
    model: z.object({ ref: z.string().nullable(), name: z.string().nullable() }).nullable(),
    routeReason: z.string().nullable(),
    inputSeen: z.string().nullable().describe(`What the step's model saw; in lists and run details cut to ${STEP_TEXT_LIMIT} characters`),
    inputSeenTruncated: z.boolean().describe("inputSeen was cut: GET /api/v1/runs/{runId}/steps/{stepId} has it whole"),
    output: z.string().nullable().describe(`In lists and run details cut to ${STEP_TEXT_LIMIT} characters`),
    outputTruncated: z.boolean().describe("output was cut: GET /api/v1/runs/{runId}/steps/{stepId} has it whole"),
    outcome: runOutcomeSchema.nullable().describe("A nested team's node (kind team): the outcome of its topology; null for other steps"),
    finishReason: z
      .string()
      .nullable()
      .describe(
        "Why the model stopped writing the answer the step kept, as the AI SDK names it (stop, length, content-filter, ...); null for steps without a model answer and steps from before it was recorded",
      ),
    finishReasons: z
      .array(z.string())
      .nullable()
      .describe(
        'Every model call\'s finishReason when the answer was cut at the output limit and asked again with more room (e.g. ["length", "stop"]); null when one call answered',
      ),
    answerProblem: answerProblemSchema
      .nullable()
      .describe("The kept answer is not the JSON asked for (the topology asks again with the problems listed); null otherwise"),
    toolCall: z
      .object({
        name: z.string().nullable(),
        isError: z.boolean(),
        approval: z.object({ id: z.string(), status: z.enum(["pending", "approved", "denied", "expired"]) }).nullable(),
      })
      .nullable()
      .describe(
        "A tool call's step (kind tool): the tool (named from its approval request while the call waits for one), whether its result is an error, and its approval if it needed one (none: null); null for other steps",
      ),
    turn: z
      .object({
        inputTokens: z.number().int(),
        outputTokens: z.number().int(),
        costUsd: z.number(),
        toolCalls: z.number().int().describe("The tool calls the model asked for in this turn"),
      })
      .nullable()
      .describe(
        "A model turn of an agent step that uses tools (kind turn, `<step>~turnN`): its own tokens and cost, already counted in its agent step's share (the ledger attributes every turn to the agent step); null for other steps and a turn still running",
      ),
    memories: z
      .array(z.object({ id: z.string(), scope: z.object({ type: z.string(), id: z.string().nullable() }), kind: z.string(), score: z.number() }))
      .nullable()
      .describe("A memory step (kind memory, `<step>~memory`): the memories recalled into the agent's prompt, best first; null for other steps"),
    inputTokens: z.number().int().describe("The step's share of the run's ledger: the input tokens of every model call it made"),
    outputTokens: z.number().int().describe("The step's share of the run's ledger: output tokens"),
    costUsd: z
      .number()
      .describe(
        "The step's share of the run's cost: its ledger rows (every call it made, earlier attempts, a cut answer's retry and failed calls included); the steps' shares add up to the run's costUsd",
      ),
    latencyMs: z.number().int(),
    startedAt: z.date(),
    finishedAt: z.date().nullable(),
  })
  .meta({ id: "RunStep" });
export type RunStepOut = z.infer<typeof runStepSchema>;

export const runPinsSchema = z
  .object({
    team: z.object({ id: z.string(), slug: z.string(), version: z.number().int() }).nullable(),
    agent: z.object({ id: z.string(), slug: z.string(), version: z.number().int() }).nullable(),
    /** agent slug -> version, every agent the team (and its nested teams) references */
    agents: z.record(z.string(), z.number().int()),
    /** nested team slug -> version (hybrid) */
    teams: z.record(z.string(), z.number().int()),
    /** the limits in force when the run started, held for its whole life: `steps`, the most steps it may make */
    limits: z.object({ steps: z.number().int() }).optional(),
    /** the quality gate in force on the run's output (the agent's or team's, or the judges the start named), its judges at their versions */
    gate: pinnedGateSchema.optional(),
    /**
     * member agents' own gates inside a team run: `teams`, the slugs of the teams (root included) whose agentGates
     * setting is on; `gates`, agent slug -> its pinned gate (agents with a gate in those teams only)
     */
    agentGates: z.object({ teams: z.array(z.string()), gates: z.record(z.string(), pinnedGateSchema) }).optional(),
  })
  .meta({ id: "RunPins" });
export type RunPins = z.infer<typeof runPinsSchema>;

export const runDetailSchema = runSchema
  .extend({
    /** for topologies without a single final output (parallel without aggregator): each output with its author */
    attributed: z.array(z.object({ nodeId: z.string(), agent: z.string(), output: z.string() })).nullable(),
    /** the step the run failed at, if any */
    failedStepId: z.string().nullable(),
    steps: z.array(runStepSchema).describe("The run's steps in the order they started: over REST the first page of them"),
    stepsNextCursor: z
      .string()
      .nullable()
      .describe("The cursor of the next page of steps (GET /api/v1/runs/{runId}/steps?cursor=); null when `steps` holds them all"),
    pins: runPinsSchema.nullable(),
    subRuns: z
      .array(z.object({ id: z.string(), status: runStatusSchema, stepId: z.string().nullable().describe("The tool step that started it") }))
      .describe("The sub-runs this run started (run_agent tool calls), oldest first"),
  })
  .meta({ id: "RunDetail" });
export type RunDetailOut = z.infer<typeof runDetailSchema>;

export const runEventSchema = z
  .object({
    seq: z.number().int(),
    type: z.string(),
    data: z.record(z.string(), z.unknown()),
    createdAt: z.date(),
  })
  .meta({ id: "RunEvent" });
export type RunEventOut = z.infer<typeof runEventSchema>;

export const listRunsInputSchema = z.strictObject({
  team: targetRef.optional().describe("team id or slug"),
  agent: targetRef.optional().describe("agent id or slug (single-agent runs)"),
  status: runStatusSchema.optional(),
  tag: taskTagSchema.optional().describe("runs started with this task tag"),
  channel: runChannelSchema.optional().describe("runs started through this channel"),
  channelRef: text()
    .regex(/^(whtr|sch|evl)_[a-z0-9]{6,40}$/, "Not a webhook trigger, schedule or evaluation id (whtr_…, sch_…, evl_…)")
    .optional()
    .describe("runs started by this webhook trigger, schedule or evaluation (its id, the runs' channelRef)"),
  from: z.coerce.date().optional().describe("created at or after"),
  to: z.coerce.date().optional().describe("created before"),
  ...paginationShape,
});
export type ListRunsInput = z.input<typeof listRunsInputSchema>;

export const runRefInputSchema = z.strictObject({ runId: runIdSchema });

/** A re-run: the same input, model policy override and budget as an earlier run, on its versions or the current ones. */
export const RERUN_VERSIONS = ["pinned", "current"] as const;
export const rerunBodySchema = z.strictObject({
  versions: z
    .enum(RERUN_VERSIONS)
    .default("pinned")
    .describe("pinned: the team's and agents' versions the run pinned (default); current: their current versions"),
});
export const rerunInputSchema = rerunBodySchema.safeExtend({
  runId: runIdSchema,
  idempotencyKey: idempotencyKeySchema.optional().describe("One key per intended run (lib/idempotency.ts)"),
});
export type RerunInput = z.input<typeof rerunInputSchema>;

/** A step of a run: its id (stp_...) or its stepId (URL-encoded in a path). */
export const runStepRefSchema = text().min(1).max(500).describe("The step's id (stp_...) or its stepId");

/** GET /api/v1/runs/{runId}: how many steps come with the run (the rest: GET /api/v1/runs/{runId}/steps). */
/** The longest a synchronous start (POST /api/v1/runs?wait=, the OpenAI-compatible endpoint) waits for its run (seconds). */
export const MAX_RUN_WAIT_SECONDS = 60;

/** `?wait=`: how many seconds a synchronous answer waits for its run to end (0: at once), at most `max`. */
export function waitQuerySchema(max: number, defaultSeconds: number) {
  return z.strictObject({
    wait: z.coerce
      .number()
      .int("`wait` is a whole number of seconds")
      .min(0)
      .max(max, `\`wait\` is at most ${max} seconds`)
      .default(defaultSeconds)
      .describe(`Seconds to wait for the run to end before answering (0..${max}, default ${defaultSeconds}; 0: at once)`),
  });
}

export const runDetailQuerySchema = z.strictObject({
  stepsLimit: z.coerce.number().int().min(1).max(200).default(50).describe("Steps in the first page (1..200, default 50)"),
});

export const runStepsInputSchema = z.strictObject({ runId: runIdSchema, ...paginationShape });
export const runStepInputSchema = z.strictObject({ runId: runIdSchema, stepId: runStepRefSchema });

export const listRunEventsInputSchema = z.strictObject({
  runId: runIdSchema,
  after: z.coerce.number().int().min(0).max(MAX_INT4).default(0).describe("only events with a greater seq"),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});
