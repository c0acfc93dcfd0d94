/**
 * Runs: start, cancel, read. A run executes in the background (server/jobs: Inngest when configured, else the
 * in-process executor); starting one only validates, pins the versions, checks the budget, writes the queued run
 * with its first event and hands it over, so the call returns at once.
 *
 * The pinned versions (team, agents, nested teams) are stored in the run's `pins` column and in the data of its
 * `run.queued` event (clients read them there).
 */
import { db } from "@/server/db/client";
import type { Prisma } from "@/server/db/generated/client";
import { newId } from "@/lib/ids";
import { AppError, isAppError } from "@/lib/errors";
import { permissionsOf } from "@/lib/permissions";
import type { TenantContext } from "@/server/context";
import { auditLogData, recordAudit } from "@/server/audit/service";
import { logger } from "@/server/logger";
import { assertWithinBudget } from "@/server/ledger/budget-check";
import { checkPolicyReferences } from "@/server/models/routing";
import { pinGate } from "@/server/quality/judges/service";
import type { QualityGate } from "@/lib/schemas/quality-gate";
import { getAgentVersion } from "@/server/agents/service";
import { assertRunWithinStepLimit } from "@/server/teams/step-limit";
import { pinTeam, repinTeam } from "@/server/teams/pinning";
import { infeasibleRunError, preflight, type PreflightInput, tokensOf } from "@/server/teams/preflight";
import type { TopologySpec } from "@/lib/schemas/topology";
import type { ModelPolicy } from "@/lib/schemas/model-policy";
import {
  listRunsInputSchema,
  startRunInputSchema,
  STEP_TEXT_LIMIT,
  TERMINAL_RUN_STATUSES,
  type ListRunsInput,
  type RunDetailOut,
  type RunEventOut,
  isRunChannel,
  type RunChannel,
  type RunOut,
  type RunPins,
  type RunStatus,
  type RunStepOut,
  type RunTargetType,
  type StartRunInput,
  type StepKind,
  type StepStatus,
} from "@/lib/schemas/runs";
import { parseOutcome } from "@/lib/schemas/run-outcome";
import { appendRunEvents, eventsAfter } from "@/server/jobs/events";
import { execute } from "@/server/db/execute";
import { attributedRedacted, eventsRedacted, readPolicy, withOutputRedacted } from "./read-redaction";
import { STEP_ANSWER_COLUMNS, stepAnswerOf, type StepAnswer, type StepAnswerColumns } from "./step-answer";
import { sql, type Sql } from "@/server/db/sql";
import { keysetOrderBy, keysetWhere, pageByCreatedAt, pageOfSteps, STEP_KEYSET_ORDER, stepKeysetWhere } from "@/server/db/cursor";
import { paginationSchema, type ActorType, type Page } from "@/lib/schemas/common";
import type { z } from "zod";
import { cancelParkedRun, finishRun, parsePins } from "@/server/jobs/run-function";
import { reserveExecutorStart, wakeExecutor } from "@/server/jobs/executor";
import { signalRunCancel } from "@/server/jobs/cancel-signal";
import { WATCH_TTL_MS } from "@/server/jobs/watchers";
import { inngestEnabled } from "@/server/jobs/inngest-enabled";
import { teamGateSettings } from "@/server/teams/gates";
import { parentRunOf, registerSubRunStarter, type SubRunParent } from "@/server/jobs/sub-run";

type RunRow = Prisma.RunGetPayload<object>;
/** A run row as toRun reads it (money as Prisma decimals, or the text of a raw statement) */
type RunFields = Omit<RunRow, "budgetUsd" | "costUsd"> & { budgetUsd: unknown; costUsd: unknown };
type StepRow = Prisma.RunStepGetPayload<object>;

/** The sub-runs a run's detail lists (a run makes at most TOOL_CALLS_PER_RUN calls, so this is all of them). */
const SUB_RUNS_SHOWN = 100;

/** The smallest amount the ledger records: a budget that is used up refuses a new run at once. */
const SMALLEST_SPEND_USD = 1e-10;

// ---------------------------------------------------------------------------------------------------
// Rows -> API objects

interface Names {
  teams: Map<string, { slug: string; name: string }>;
  agents: Map<string, { slug: string; name: string }>;
}

async function namesFor(ctx: TenantContext, rows: Pick<RunRow, "teamId" | "agentId">[]): Promise<Names> {
  const teamIds = [...new Set(rows.map((r) => r.teamId).filter((x): x is string => !!x))];
  const agentIds = [...new Set(rows.map((r) => r.agentId).filter((x): x is string => !!x))];
  const [teams, agents] = await Promise.all([
    teamIds.length ? db(ctx).team.findMany({ where: { workspaceId: ctx.workspaceId, id: { in: teamIds } }, select: { id: true, slug: true, name: true } }) : [],
    agentIds.length
      ? db(ctx).agent.findMany({ where: { workspaceId: ctx.workspaceId, id: { in: agentIds } }, select: { id: true, slug: true, name: true } })
      : [],
  ]);
  return { teams: new Map(teams.map((t) => [t.id, t])), agents: new Map(agents.map((a) => [a.id, a])) };
}

function outputText(output: unknown): string | null {
  if (output && typeof output === "object" && typeof (output as { text?: unknown }).text === "string") return (output as { text: string }).text;
  return null;
}

function toRun(row: RunFields, names: Names): RunOut {
  const team = row.teamId ? names.teams.get(row.teamId) : undefined;
  const agent = row.agentId ? names.agents.get(row.agentId) : undefined;
  const end = row.finishedAt ?? (row.startedAt ? new Date() : null);
  return {
    id: row.id,
    targetType: row.targetType === "agent" ? "agent" : "team",
    team: row.teamId ? { id: row.teamId, slug: team?.slug ?? row.teamId, name: team?.name ?? "(deleted team)", version: row.teamVersion ?? 0 } : null,
    agent: row.agentId ? { id: row.agentId, slug: agent?.slug ?? row.agentId, name: agent?.name ?? "(deleted agent)", version: row.agentVersion ?? 0 } : null,
    status: row.status as RunStatus,
    input: row.input,
    output: outputText(row.output),
    outcome: parseOutcome(row.outcome),
    error: row.error,
    budgetUsd: row.budgetUsd === null ? null : Number(row.budgetUsd),
    modelPolicyOverride: (row.modelPolicyOverride as ModelPolicy | null) ?? null,
    inputTokens: row.inputTokens,
    outputTokens: row.outputTokens,
    costUsd: Number(row.costUsd),
    durationMs: row.startedAt && end ? Math.max(0, end.getTime() - row.startedAt.getTime()) : null,
    stepsDone: row.stepsDone,
    stepsExpected: row.stepsExpected,
    createdBy: { type: row.createdByType as ActorType, id: row.createdById },
    parentRunId: row.parentRunId,
    depth: row.depth,
    subject: row.subject,
    tags: row.tags,
    channel: isRunChannel(row.channel) ? row.channel : null,
    channelRef: row.channelRef,
    cancelRequestedAt: row.cancelRequestedAt,
    queuedAt: row.queuedAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    createdAt: row.createdAt,
  };
}

/** A step row without its memoised result, its texts possibly cut to `limit` characters (their full lengths beside). */
type StepFields = Omit<StepRow, "result"> & { inputSeenLength: number; outputLength: number };

function toStep(row: StepFields, answer: StepAnswer, agentSlugs: Map<string, string>, limit: number): RunStepOut {
  return {
    id: row.id,
    stepId: row.stepId,
    kind: row.kind as StepKind,
    nodeId: row.nodeId,
    status: row.status as StepStatus,
    attempts: row.attempts,
    error: row.error,
    agent: row.agentId ? { id: row.agentId, slug: agentSlugs.get(row.agentId) ?? null, version: row.agentVersion } : null,
    model: row.modelRef || row.modelName ? { ref: row.modelRef, name: row.modelName } : null,
    routeReason: row.routeReason,
    inputSeen: row.inputSeen,
    inputSeenTruncated: row.inputSeenLength > limit,
    output: row.output,
    outputTruncated: row.outputLength > limit,
    outcome: parseOutcome(row.outcome),
    ...answer,
    inputTokens: row.inputTokens,
    outputTokens: row.outputTokens,
    costUsd: Number(row.costUsd),
    latencyMs: row.latencyMs,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  };
}

async function findRun(ctx: TenantContext, runId: string): Promise<RunRow> {
  const row = await db(ctx).run.findFirst({ where: { id: runId, workspaceId: ctx.workspaceId } });
  if (!row) throw new AppError("NOT_FOUND", "Run not found");
  return row;
}

/** A run as listed (no steps): what a start answers, and a synchronous start once it waited (POST /api/v1/runs?wait=). */
export async function getRunSummary(ctx: TenantContext, runId: string): Promise<RunOut> {
  if (!ctx.permissions.has("runs:read") && !ctx.permissions.has("runs:create")) throw new AppError("FORBIDDEN", "Your role does not allow runs:read");
  const row = await findRun(ctx, runId);
  const [names, pii] = await Promise.all([namesFor(ctx, [row]), readPolicy(ctx)]);
  return withOutputRedacted(toRun(row, names), pii);
}

// ---------------------------------------------------------------------------------------------------
// Start

export interface StartRunOptions {
  /**
   * The caller follows the run from the start (the web app opens the run's page): it is marked as watched at once,
   * so that its first steps stream their text too (server/jobs/watchers.ts).
   */
  watched?: boolean;
  /** run exactly these versions (a re-run of an earlier run with its pins) instead of the current ones */
  pins?: RunPins;
  /** the run this one repeats (recorded in the audit entry) */
  rerunOf?: string;
  /**
   * A sub-run (the tool run_agent, server/jobs/sub-run.ts): the parent run, its tool step and the child's depth. One
   * child per step: a second start for the same step returns the first child (nothing else is written).
   */
  parent?: SubRunParent;
  /**
   * A session's message (server/sessions): the run answers it. In the run's own statement the session is taken (its
   * `busyRunId`, only when free) and the person's message appended; a session answering another message is refused
   * with 409 CONFLICT and nothing is written.
   */
  session?: { id: string };
  /**
   * Where the run is started (Run.channel), when the caller knows better than the request's transport (ctx.channel:
   * web, api, cli, mcp; "api" when neither says): "openai" (also in its run.start audit entry), "webhook",
   * "schedule", "evaluation" (with `channelRef`, the trigger, schedule or evaluation), "agent" (a sub-run).
   */
  channel?: RunChannel;
  channelRef?: string;
  /**
   * A start that another row decides (a webhook trigger's delivery, a schedule's due time: server/triggers,
   * server/schedules): `cte(runId, ts)` is CTEs ending with one named `g` (other names start with `g`), written in the
   * run's own statement, where `g` yields one row
   * when the run may start (and records it); no row: nothing is written and startRun throws 409 CONFLICT with
   * `refused`. `audit` is added to the run.start entry's metadata (which trigger or schedule started it).
   */
  gate?: { cte: (runId: string, ts: Date) => Sql; refused: string; audit: Record<string, string> };
}

/**
 * The CTEs that take a free session for run `runId` and append the person's message (seq = the session's count + 1);
 * no row when the session is busy (or gone), so the run's INSERT (`FROM l, s`) writes nothing either. The lease
 * statement `l` comes first: its lock order is the run's, then the session row.
 */
function sessionTakeSql(ctx: TenantContext, sessionId: string, runId: string, content: string, ts: Date): Sql {
  return sql`
     s AS (
       UPDATE "Session" SET "busyRunId" = ${runId}, "messageCount" = "messageCount" + 1, "lastMessageAt" = ${ts}, "updatedAt" = ${ts}
       WHERE id = ${sessionId} AND "workspaceId" = ${ctx.workspaceId} AND "busyRunId" IS NULL
       RETURNING "messageCount"),
     sm AS (
       INSERT INTO "SessionMessage" ("id", "workspaceId", "sessionId", "seq", "role", "content", "runId", "status", "createdAt")
       SELECT ${newId("smsg")}, ${ctx.workspaceId}, ${sessionId}, s."messageCount", 'user', ${content}, ${runId}, 'ok', ${ts} FROM s),`;
}

/** Starts a run of a team or a single agent; returns at once with the queued run. */
export async function startRun(ctx: TenantContext, input: StartRunInput, options: StartRunOptions = {}): Promise<RunOut> {
  if (!ctx.permissions.has("runs:create")) throw new AppError("FORBIDDEN", "Your role does not allow runs:create");
  const data = startRunInputSchema.parse(input);

  let pins: RunPins;
  let target: { teamId?: string; teamVersion?: number; agentId?: string; agentVersion?: number };
  let names: Names;
  let checked: Pick<PreflightInput, "spec" | "teams" | "agents"> & { what: string };
  let agentGate: QualityGate | null = null;
  let teamGates: Awaited<ReturnType<typeof teamGateSettings>> | null = null;
  // the workspace's PII policy when the pinning read it: the execution this process starts pins it without a read
  let piiPolicy: { stored: unknown } | undefined;
  if (data.team) {
    const pinned = options.pins?.team ? await repinTeam(ctx, { ...options.pins, team: options.pins.team }) : await pinTeam(ctx, data.team, data.version);
    const stepLimit = pinned.stepLimit; // the workspace's, read with the team
    piiPolicy = pinned.piiPolicy;
    // the worst case of the pinned versions, nested teams included, within the limit (else 422 naming both)
    assertRunWithinStepLimit(pinned, stepLimit);
    pins = {
      team: { id: pinned.teamId, slug: pinned.slug, version: pinned.version },
      agent: null,
      agents: Object.fromEntries(Object.entries(pinned.agents).map(([slug, v]) => [slug, v.version])),
      teams: Object.fromEntries(Object.entries(pinned.teams).map(([slug, t]) => [slug, t.version])),
      limits: { steps: stepLimit },
    };
    target = { teamId: pinned.teamId, teamVersion: pinned.version };
    if (!options.pins) teamGates = await teamGateSettings(ctx, pinned);
    checked = {
      what: `Team "${pinned.slug}"`,
      spec: pinned.spec,
      teams: Object.fromEntries(Object.entries(pinned.teams).map(([slug, t]) => [slug, t.spec])),
      agents: pinned.agents,
    };
    names = { teams: new Map([[pinned.teamId, { slug: pinned.slug, name: pinned.name }]]), agents: new Map() };
  } else {
    const agent = options.pins?.agent
      ? await pinnedAgentVersion(ctx, options.pins.agent)
      : data.version !== undefined
        ? await pinnedAgentVersion(ctx, { id: data.agent!, version: data.version })
        : await getAgentVersion(ctx, data.agent!);
    pins = { team: null, agent: { id: agent.agentId, slug: agent.slug, version: agent.version }, agents: { [agent.slug]: agent.version }, teams: {} }; // one step: no limit to pin
    target = { agentId: agent.agentId, agentVersion: agent.version };
    agentGate = agent.qualityGate;
    // the agent's name is its current version's (every save writes both)
    names = { teams: new Map(), agents: new Map([[agent.agentId, { slug: agent.slug, name: agent.name }]]) };
    checked = {
      what: `Agent "${agent.slug}"`,
      spec: { topology: "sequential", agents: [agent.slug], context: "last" } as TopologySpec,
      teams: {},
      agents: { [agent.slug]: agent },
    };
  }
  if (data.modelPolicy) await checkPolicyReferences(ctx, data.modelPolicy);
  // the quality gate: a re-run keeps its judges' versions; else the agent's gate (or the start's judges) at their current versions
  if (!data.team) {
    const gate = options.pins ? options.pins.gate : await pinGate(ctx, agentGate, data.judges);
    if (gate) pins.gate = gate;
  } else if (options.pins) {
    if (options.pins.gate) pins.gate = options.pins.gate;
    if (options.pins.agentGates) pins.agentGates = options.pins.agentGates;
  } else if (teamGates) {
    const gate = await pinGate(ctx, teamGates.gate, data.judges, "team");
    if (gate) pins.gate = gate;
    if (teamGates.agentGates) pins.agentGates = teamGates.agentGates;
  }
  // every node fits a model for this task (a structured role one that answers JSON): else refused before anything is written
  const { problems, estimate } = await preflight(ctx, {
    ...checked,
    policyOverride: data.modelPolicy ?? null,
    taskTokens: tokensOf(data.input),
    prefix: data.team ? "spec." : "",
  });
  if (problems.length > 0) throw infeasibleRunError(checked.what, data.team ? problems : problems.map((p) => ({ ...p, path: "agent" })), estimate);
  // an exhausted monthly budget refuses at once (per-run limits apply from the first model call)
  await assertWithinBudget(ctx, { estimateUsd: SMALLEST_SPEND_USD });

  const runId = newId("run");
  const now = new Date();
  const row: RunFields = {
    id: runId,
    workspaceId: ctx.workspaceId,
    targetType: (data.team ? "team" : "agent") satisfies RunTargetType,
    teamId: target.teamId ?? null,
    teamVersion: target.teamVersion ?? null,
    agentId: target.agentId ?? null,
    agentVersion: target.agentVersion ?? null,
    input: data.input,
    status: "queued",
    output: null,
    outcome: null,
    error: null,
    budgetUsd: data.budgetUsd ?? null,
    modelPolicyOverride: data.modelPolicy ?? null,
    pins,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    stepsDone: 0,
    stepsExpected: 0,
    lastEventSeq: 1,
    createdByType: ctx.actor.type satisfies ActorType,
    createdById: ctx.actor.type === "user" ? ctx.actor.userId : ctx.actor.keyId,
    cancelRequestedAt: null,
    cancelReason: null,
    wakeAt: null,
    parentRunId: options.parent?.runId ?? null,
    parentStepId: options.parent?.stepId ?? null,
    depth: options.parent?.depth ?? 0,
    // a sub-run serves its parent's subject
    subject: data.subject ?? options.parent?.subject ?? null,
    // a sub-run inherits its parent's task tags unless it was given its own
    tags: data.tags ?? options.parent?.tags ?? [],
    sessionId: options.session?.id ?? null,
    channel: options.channel ?? ctx.channel ?? "api",
    channelRef: options.channelRef ?? null,
    watchedUntil: options.watched ? new Date(now.getTime() + WATCH_TTL_MS) : null,
    leaseOwner: null,
    leaseExpiresAt: null,
    executions: 0,
    lostExecutions: 0,
    stepsDoneAtClaim: 0,
    queuedAt: now,
    startedAt: null,
    finishedAt: null,
    createdAt: now,
    updatedAt: now,
  };
  const audit = auditLogData(ctx, {
    action: "run.start",
    targetType: "run",
    targetId: runId,
    metadata: {
      team: pins.team?.slug ?? null,
      teamVersion: pins.team?.version ?? null,
      agent: pins.agent?.slug ?? null,
      agentVersion: pins.agent?.version ?? null,
      budgetUsd: data.budgetUsd ?? null,
      ...(options.rerunOf ? { rerunOf: options.rerunOf } : {}),
      ...(options.channel === "openai" ? { channel: options.channel } : {}),
      ...(options.parent ? { parentRunId: options.parent.runId, parentStepId: options.parent.stepId } : {}),
      ...options.gate?.audit,
    },
  });
  // the run, its first event and the audit row in one statement (one round trip, atomic); when this process's executor
  // has room, the run is claimed by it in the same statement (cadre_start_lease: the claim's rules, no second statement)
  const ts = now;
  const slot = inngestEnabled() ? null : reserveExecutorStart(ctx.workspaceId);
  const lease = slot ? sql`cadre_start_lease(${ctx.workspaceId}, ${slot.leaseMs}, ${slot.workspaceConcurrency})` : sql`NULL::timestamp(3)`;
  let rows: { budgetUsd: string | null; claimed: boolean }[];
  try {
    ({ rows } = await execute<{ budgetUsd: string | null; claimed: boolean }>(
      ctx,
      sql`WITH l AS (SELECT ${lease} AS until),${options.session ? sessionTakeSql(ctx, options.session.id, runId, data.input, ts) : sql.empty}${options.gate ? sql` ${options.gate.cte(runId, ts)},` : sql.empty}
     r AS (
       INSERT INTO "Run" ("id", "workspaceId", "targetType", "teamId", "teamVersion", "agentId", "agentVersion", "input", "status", "budgetUsd",
         "modelPolicyOverride", "pins", "lastEventSeq", "createdByType", "createdById", "watchedUntil", "queuedAt", "createdAt", "updatedAt",
         "leaseOwner", "leaseExpiresAt", "executions", "parentRunId", "parentStepId", "depth", "subject", "tags", "sessionId", "channel", "channelRef")
       SELECT ${runId}, ${ctx.workspaceId}, ${row.targetType}, ${row.teamId}, ${row.teamVersion}, ${row.agentId}, ${row.agentVersion},
         ${data.input}, 'queued', ${data.budgetUsd === undefined ? null : sql.numeric(data.budgetUsd)}, ${data.modelPolicy ? sql.json(data.modelPolicy) : null},
         ${sql.json(pins)}, 1, ${row.createdByType}, ${row.createdById}, ${row.watchedUntil}, ${ts}, ${ts}, ${ts},
         CASE WHEN l.until IS NULL THEN NULL ELSE ${slot?.owner ?? null}::text END, l.until, CASE WHEN l.until IS NULL THEN 0 ELSE 1 END,
         ${row.parentRunId}, ${row.parentStepId}, ${row.depth}, ${row.subject}, ${sql.array(row.tags, "text")}, ${row.sessionId},
         ${row.channel}, ${row.channelRef}
       FROM l${options.session ? sql`, s` : sql.empty}${options.gate ? sql`, g` : sql.empty}
       ${options.parent ? sql`ON CONFLICT ("parentRunId", "parentStepId") DO NOTHING` : sql.empty}
       RETURNING id, "workspaceId", "budgetUsd"::text AS "budgetUsd", "leaseOwner" IS NOT NULL AS claimed),
     e AS (
       INSERT INTO "RunEvent" ("id", "workspaceId", "runId", "seq", "type", "data", "createdAt")
       SELECT ${newId("evt")}, r."workspaceId", r.id, 1, 'run.queued', ${sql.json({ pins })}, ${ts} FROM r),
     a AS (
       INSERT INTO "AuditLog" ("id", "workspaceId", "actorType", "actorId", "actorLabel", "action", "targetType", "targetId", "metadata", "requestId", "workspaceSlug", "clientIp", "userAgent", "createdAt")
       SELECT ${audit.id!}, r."workspaceId", ${audit.actorType}, ${audit.actorId ?? null}, ${audit.actorLabel ?? null}, ${audit.action},
         ${audit.targetType}, ${audit.targetId ?? null}, ${sql.json(audit.metadata ?? {})}, ${audit.requestId ?? null},
         ${audit.workspaceSlug ?? null}, ${audit.clientIp ?? null}, ${audit.userAgent ?? null}, ${ts} FROM r)
     SELECT "budgetUsd", claimed FROM r`,
    ));
  } catch (error) {
    slot?.release();
    throw error;
  }
  if (rows.length === 0 && options.session) {
    slot?.release();
    throw new AppError("CONFLICT", "The session is answering another message: send this one when that answer has come (busyRunId)");
  }
  if (rows.length === 0 && options.gate) {
    slot?.release();
    throw new AppError("CONFLICT", options.gate.refused);
  }
  if (rows.length === 0 && options.parent) {
    // the step's child exists already (a replay, or a concurrent attempt): that one, nothing new written
    slot?.release();
    const existing = await db(ctx).run.findFirst({
      where: { workspaceId: ctx.workspaceId, parentRunId: options.parent.runId, parentStepId: options.parent.stepId },
    });
    if (!existing) throw new AppError("INTERNAL", "The sub-run could not be stored");
    return toRun(existing, await namesFor(ctx, [existing]));
  }
  // the budget as stored (4 decimals)
  row.budgetUsd = rows[0]?.budgetUsd ?? null;

  if (slot && rows[0]?.claimed) {
    // as the claim would have returned it: the first execution (epoch 1) of a run with no steps and no ledger rows
    slot.adopt({
      id: runId,
      workspaceId: ctx.workspaceId,
      targetType: data.team ? "team" : "agent",
      teamId: row.teamId,
      teamVersion: row.teamVersion,
      agentId: row.agentId,
      agentVersion: row.agentVersion,
      input: row.input,
      status: "queued",
      budgetUsd: row.budgetUsd,
      modelPolicyOverride: row.modelPolicyOverride,
      pins,
      createdByType: ctx.actor.type,
      createdById: row.createdById,
      cancelRequestedAt: null,
      stepsExpected: 0,
      subject: row.subject,
      tags: row.tags,
      sessionId: row.sessionId,
      parentRunId: row.parentRunId,
      ...(piiPolicy ? { piiPolicy } : {}),
      // the creator's context as the claim builds it (creatorContext): the creator's role, not a key's narrower scopes
      ctx: {
        workspaceId: ctx.workspaceId,
        workspaceSlug: ctx.workspaceSlug,
        actor: ctx.actor,
        role: ctx.role,
        permissions: new Set(permissionsOf(ctx.role)),
        requestId: `run:${runId}`,
      },
      watched: options.watched === true,
      lostExecutions: 0,
      executions: 1,
      ledgerCalls: 0,
    });
  } else {
    slot?.release();
    await dispatch(row);
  }
  // the run as queued (an executor may already have picked it up: its status moves on in getRun and the events)
  return toRun(row, names);
}

/** An agent's pinned version for a new run: the agent must still exist unarchived, as for any new run. */
/** An agent (id or slug) at one of its versions, for a new run: refused when the agent is archived. */
async function pinnedAgentVersion(ctx: TenantContext, pin: { id: string; version: number }) {
  await getAgentVersion(ctx, pin.id); // NOT_FOUND / CONFLICT (archived)
  return getAgentVersion(ctx, pin.id, pin.version);
}

/** Hands a queued run to Inngest, or to the executor of this process (another process's executor polls). */
async function dispatch(row: Pick<RunRow, "id" | "workspaceId">): Promise<void> {
  if (!inngestEnabled()) {
    wakeExecutor(row.id);
    return;
  }
  try {
    // the Inngest SDK is loaded only where Inngest is used
    const { sendRunRequested } = await import("@/server/jobs/inngest");
    await sendRunRequested({ runId: row.id, workspaceId: row.workspaceId });
  } catch (error) {
    logger.error({ runId: row.id, error: (error as Error).message }, "could not send the run to Inngest");
    await finishRun({ runId: row.id, workspaceId: row.workspaceId }, { status: "failed", error: "The run could not be handed to Inngest (is it reachable?)" });
    throw new AppError("UPSTREAM_ERROR", "The run could not be handed to Inngest: it was marked failed");
  }
}

// ---------------------------------------------------------------------------------------------------
// Cancel

/**
 * Cancels a run: a queued run that no executor holds is cancelled at once; otherwise the cancel is requested and
 * the run stops before its next step. The request is conditional on the run's state, in one statement: only a
 * queued or running run without a cancel request gets one (stamped with the database's clock) and the `run.cancel`
 * audit entry, so concurrent cancels record one request and one entry, and a cancel that loses the race with the
 * run's finish changes nothing. Cancelling a run whose cancel was requested (or that was cancelled) answers its
 * current state; a finished one is a CONFLICT.
 */
export async function cancelRun(ctx: TenantContext, runId: string): Promise<RunOut> {
  const row = await findRun(ctx, runId);
  if (row.status === "cancelled") return toRun(row, await namesFor(ctx, [row]));
  if ((TERMINAL_RUN_STATUSES as readonly string[]).includes(row.status)) throw new AppError("CONFLICT", `The run has already ${row.status}`);
  const requested = await db(ctx).$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ status: string }[]>`UPDATE "Run" SET "cancelRequestedAt" = (clock_timestamp() AT TIME ZONE 'UTC')::timestamp(3),
        "updatedAt" = (clock_timestamp() AT TIME ZONE 'UTC')::timestamp(3)
      WHERE id = ${row.id} AND "workspaceId" = ${ctx.workspaceId} AND "cancelRequestedAt" IS NULL AND "status" IN ('queued', 'running')
      RETURNING "status"::text AS status`;
    if (rows.length === 0) return false;
    await recordAudit(ctx, { action: "run.cancel", targetType: "run", targetId: row.id, metadata: { status: rows[0]!.status } }, tx);
    return true;
  });
  if (!requested) {
    // another cancel requested it (answered like that one), or the run finished meanwhile
    const now = await findRun(ctx, runId);
    if (now.status !== "cancelled" && (TERMINAL_RUN_STATUSES as readonly string[]).includes(now.status))
      throw new AppError("CONFLICT", `The run has already ${now.status}`);
  }
  // an execution in this process stops before its next step without waiting to read the flag
  signalRunCancel(row.id);
  // nobody executes it yet: cancelled now (the claim and this update exclude each other on the row)
  await finishCancelledIfUnclaimed({ runId: row.id, workspaceId: ctx.workspaceId });
  // parked (waiting for a provider to recover, or sleeping): nobody holds it either, cancelled now
  if (row.status === "running") await cancelParkedRun({ runId: row.id, workspaceId: ctx.workspaceId });
  // its sub-runs (run_agent) are cancelled with it, theirs with them
  await cancelSubRuns(ctx, row.id);
  const after = await findRun(ctx, runId);
  // a sub-run that ended here wakes its parent (which hears that it was cancelled)
  if (after.parentRunId && after.status === "cancelled") await wakeParent({ runId: after.id, workspaceId: ctx.workspaceId });
  return toRun(after, await namesFor(ctx, [row]));
}

/** A sub-run ended outside its execution (cancelled while queued or parked): its parent's wait ends now. */
async function wakeParent(run: { runId: string; workspaceId: string }): Promise<void> {
  if (inngestEnabled()) {
    const { wakeParentOf } = await import("@/server/jobs/inngest");
    await wakeParentOf(run);
    return;
  }
  const parent = await parentRunOf(run);
  if (parent) wakeExecutor(parent);
}

/** The unfinished sub-runs of a run being cancelled: each cancelled like any run (audited), theirs in turn. */
async function cancelSubRuns(ctx: TenantContext, runId: string): Promise<void> {
  const children = await db(ctx).run.findMany({
    where: { workspaceId: ctx.workspaceId, parentRunId: runId, status: { in: ["queued", "running"] } },
    select: { id: true },
  });
  for (const child of children) {
    try {
      await cancelRun(ctx, child.id);
    } catch (error) {
      // it finished meanwhile
      if (!(isAppError(error) && error.code === "CONFLICT")) throw error;
    }
  }
}

/**
 * The runs of a creator whose access ended, cancelled in the transaction of the change that ended it (an API key
 * revoked, a member removed or leaving): each gets its cancel request with the reason and a `run.cancel` audit entry
 * by the caller. Call `afterCommit` once the transaction committed: it stops them (at once when nobody executes them,
 * else before their next step). The executor checks the same thing again on its own (server/jobs/run-access.ts).
 */
export async function cancelRunsOfEndedAccess(
  tx: Prisma.TransactionClient,
  ctx: TenantContext,
  creator: { userId?: string; keyIds?: string[] },
  reason: string,
): Promise<{ runIds: string[]; afterCommit: () => Promise<void> }> {
  const or: Prisma.RunWhereInput[] = [];
  if (creator.userId) or.push({ createdByType: "user", createdById: creator.userId });
  if (creator.keyIds?.length) or.push({ createdByType: "api_key", createdById: { in: creator.keyIds } });
  if (or.length === 0) return { runIds: [], afterCommit: async () => undefined };
  const where: Prisma.RunWhereInput = { workspaceId: ctx.workspaceId, status: { in: ["queued", "running"] }, cancelReason: null, OR: or };
  const runs = await tx.run.findMany({ where, select: { id: true, status: true } });
  if (runs.length > 0) {
    const now = new Date();
    await tx.run.updateMany({ where: { ...where, id: { in: runs.map((r) => r.id) } }, data: { cancelRequestedAt: now, cancelReason: reason } });
    await tx.auditLog.createMany({
      data: runs.map((r) => auditLogData(ctx, { action: "run.cancel", targetType: "run", targetId: r.id, metadata: { status: r.status, reason } })),
    });
  }
  const runIds = runs.map((r) => r.id);
  return {
    runIds,
    afterCommit: async () => {
      for (const id of runIds) {
        signalRunCancel(id);
        await finishCancelledIfUnclaimed({ runId: id, workspaceId: ctx.workspaceId }, reason);
        await cancelParkedRun({ runId: id, workspaceId: ctx.workspaceId });
      }
    },
  };
}

async function finishCancelledIfUnclaimed(run: { runId: string; workspaceId: string }, reason?: string): Promise<void> {
  await appendRunEvents(run, [{ type: "run.cancelled", data: reason ? { reason } : {} }], {
    set: sql`"status" = 'cancelled', "finishedAt" = (clock_timestamp() AT TIME ZONE 'UTC')::timestamp(3), "error" = "cancelReason"`,
    // leases are on the database's clock (server/jobs/executor.ts)
    where: sql`"status" = 'queued' AND ("leaseOwner" IS NULL OR "leaseExpiresAt" < (clock_timestamp() AT TIME ZONE 'UTC'))`,
  });
}

// ---------------------------------------------------------------------------------------------------
// Read

/** The pins of a run written before the `pins` column existed (and not backfilled): from its run.queued event. */
async function queuedEventPins(ctx: TenantContext, runId: string): Promise<RunPins | null> {
  const queued = await db(ctx).runEvent.findFirst({ where: { runId, workspaceId: ctx.workspaceId, type: "run.queued" }, orderBy: { seq: "asc" } });
  return parsePins((queued?.data as { pins?: unknown } | null)?.pins);
}

export interface RunStepsPageOptions {
  /** steps per page; undefined: every step (the web app's live run page) */
  stepsLimit?: number;
  stepsCursor?: string;
}

/**
 * A run with its steps: every step, or with `stepsLimit` the first page of them (oldest first) and the cursor of the
 * next (`listRunSteps`). Step texts are bounded (STEP_TEXT_LIMIT, flagged when cut; `getRunStep` has them whole).
 */
export async function getRun(ctx: TenantContext, runId: string, options: RunStepsPageOptions = {}): Promise<RunDetailOut> {
  stepKeysetWhere(options.stepsCursor);
  const row = await findRun(ctx, runId);
  const [names, stepsPage, pins, lastFailed, subRuns, pii] = await Promise.all([
    namesFor(ctx, [row]),
    stepsOf(ctx, row.id, options.stepsLimit, options.stepsCursor),
    row.pins !== null ? parsePins(row.pins) : queuedEventPins(ctx, row.id),
    row.status === "failed"
      ? db(ctx).runStep.findFirst({
          where: { runId: row.id, workspaceId: ctx.workspaceId, status: "failed" },
          orderBy: [{ startedAt: "desc" }, { stepId: "desc" }],
          select: { stepId: true },
        })
      : null,
    db(ctx).run.findMany({
      where: { workspaceId: ctx.workspaceId, parentRunId: row.id },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      select: { id: true, status: true, parentStepId: true },
      take: SUB_RUNS_SHOWN,
    }),
    readPolicy(ctx),
  ]);
  const output = row.output as { attributed?: { nodeId: string; agent: string; output: string }[] } | null;
  let failedStepId = lastFailed?.stepId ?? null;
  if (row.status === "failed" && !failedStepId) {
    const event = await db(ctx).runEvent.findFirst({ where: { runId: row.id, workspaceId: ctx.workspaceId, type: "run.failed" }, orderBy: { seq: "desc" } });
    const stepId = (event?.data as { stepId?: unknown } | null)?.stepId;
    failedStepId = typeof stepId === "string" ? stepId : null;
  }
  return {
    ...withOutputRedacted(toRun(row, names), pii),
    attributed: attributedRedacted(Array.isArray(output?.attributed) ? output.attributed : null, pii),
    failedStepId,
    steps: stepsPage.items.map((st) => withOutputRedacted(st, pii)),
    stepsNextCursor: stepsPage.nextCursor,
    pins,
    subRuns: subRuns.map((c) => ({ id: c.id, status: c.status as RunStatus, stepId: c.parentStepId })),
  };
}

/** One page of a run's steps, oldest first (keyset on startedAt, stepId), texts bounded like getRun's. */
export async function listRunSteps(ctx: TenantContext, runId: string, pagination: z.input<typeof paginationSchema> = {}): Promise<Page<RunStepOut>> {
  const { limit, cursor } = paginationSchema.parse(pagination);
  stepKeysetWhere(cursor);
  const row = await findRun(ctx, runId);
  const [page, pii] = await Promise.all([stepsOf(ctx, row.id, limit, cursor), readPolicy(ctx)]);
  return pii ? { ...page, items: page.items.map((st) => withOutputRedacted(st, pii)) } : page;
}

/** One step of a run, by its id (stp_...) or its stepId, with its texts whole. */
export async function getRunStep(ctx: TenantContext, runId: string, ref: string): Promise<RunStepOut> {
  const run = await findRun(ctx, runId);
  const step = await db(ctx).runStep.findFirst({
    where: { runId: run.id, workspaceId: ctx.workspaceId, OR: [{ id: ref }, { stepId: ref }] },
    omit: { result: true },
  });
  if (!step) throw new AppError("NOT_FOUND", "Step not found in this run");
  const [agentSlugs, answer, pii] = await Promise.all([
    slugsOfAgents(ctx, [step]),
    execute<StepAnswerColumns>(ctx, sql`SELECT ${STEP_ANSWER_COLUMNS} FROM "RunStep" WHERE "workspaceId" = ${ctx.workspaceId} AND id = ${step.id}`),
    readPolicy(ctx),
  ]);
  const lengths = { inputSeenLength: step.inputSeen?.length ?? 0, outputLength: step.output?.length ?? 0 };
  return withOutputRedacted(toStep({ ...step, ...lengths }, stepAnswerOf(answer.rows[0]), agentSlugs, Number.POSITIVE_INFINITY), pii);
}

async function slugsOfAgents(ctx: TenantContext, steps: { agentId: string | null }[]): Promise<Map<string, string>> {
  const agentIds = [...new Set(steps.map((s) => s.agentId).filter((x): x is string => !!x))];
  const agents = agentIds.length
    ? await db(ctx).agent.findMany({ where: { workspaceId: ctx.workspaceId, id: { in: agentIds } }, select: { id: true, slug: true } })
    : [];
  return new Map(agents.map((a) => [a.id, a.slug]));
}

/**
 * Steps of a run in the order they started (then by id), a page of them or every one. The memoised results are
 * never read, and the texts (a step input can hold up to a million characters) are cut to STEP_TEXT_LIMIT in the
 * database, so a page costs its size, not the run's.
 */
async function stepsOf(ctx: TenantContext, runId: string, limit: number | undefined, cursor: string | undefined): Promise<Page<RunStepOut>> {
  const rows = await db(ctx).runStep.findMany({
    where: { AND: [{ runId, workspaceId: ctx.workspaceId }, stepKeysetWhere(cursor)] },
    orderBy: STEP_KEYSET_ORDER,
    omit: { result: true, inputSeen: true, output: true },
    ...(limit === undefined ? {} : { take: limit + 1 }),
  });
  const page = limit === undefined ? { items: rows, nextCursor: null } : pageOfSteps(rows, limit);
  const ids = page.items.map((r) => r.id);
  const [texts, agentSlugs] = await Promise.all([
    ids.length
      ? execute<
          { id: string; inputSeen: string | null; inputSeenLength: number | null; output: string | null; outputLength: number | null } & StepAnswerColumns
        >(
          ctx,
          sql`SELECT id, left("inputSeen", ${STEP_TEXT_LIMIT}) AS "inputSeen", char_length("inputSeen") AS "inputSeenLength",
                left("output", ${STEP_TEXT_LIMIT}) AS "output", char_length("output") AS "outputLength", ${STEP_ANSWER_COLUMNS}
              FROM "RunStep" WHERE "workspaceId" = ${ctx.workspaceId} AND "runId" = ${runId} AND id = ANY(${sql.array(ids, "text")})`,
        )
      : { rows: [] },
    slugsOfAgents(ctx, page.items),
  ]);
  const byId = new Map(texts.rows.map((t) => [t.id, t]));
  return {
    items: page.items.map((r) => {
      const t = byId.get(r.id);
      return toStep(
        {
          ...r,
          inputSeen: t?.inputSeen ?? null,
          output: t?.output ?? null,
          inputSeenLength: Number(t?.inputSeenLength ?? 0),
          outputLength: Number(t?.outputLength ?? 0),
        },
        stepAnswerOf(t),
        agentSlugs,
        STEP_TEXT_LIMIT,
      );
    }),
    nextCursor: page.nextCursor,
  };
}

async function resolveRef(ctx: TenantContext, kind: "team" | "agent", ref: string): Promise<string | null> {
  const where = { workspaceId: ctx.workspaceId, OR: [{ id: ref }, { slug: ref }] };
  const row = kind === "team" ? await db(ctx).team.findFirst({ where, select: { id: true } }) : await db(ctx).agent.findFirst({ where, select: { id: true } });
  return row?.id ?? null;
}

export async function listRuns(ctx: TenantContext, filters: ListRunsInput = {}): Promise<{ items: RunOut[]; nextCursor: string | null }> {
  const input = listRunsInputSchema.parse(filters);
  // an invalid cursor is refused before anything else (even when a filter matches nothing)
  keysetWhere(input.cursor);
  const teamId = input.team ? await resolveRef(ctx, "team", input.team) : undefined;
  const agentId = input.agent ? await resolveRef(ctx, "agent", input.agent) : undefined;
  if (teamId === null || agentId === null) return { items: [], nextCursor: null };
  const where: Prisma.RunWhereInput = {
    workspaceId: ctx.workspaceId,
    ...(teamId ? { teamId } : {}),
    ...(agentId ? { agentId } : {}),
    ...(input.status ? { status: input.status } : {}),
    ...(input.tag ? { tags: { has: input.tag } } : {}),
    ...(input.channel ? { channel: input.channel } : {}),
    ...(input.channelRef ? { channelRef: input.channelRef } : {}),
    ...(input.from || input.to ? { createdAt: { ...(input.from ? { gte: input.from } : {}), ...(input.to ? { lt: input.to } : {}) } } : {}),
  };
  // a keyset cursor is a position (createdAt, id), not a row to look up: a run that left the filter since (a queued
  // run cancelled between two pages) still marks where the next page starts, and a foreign cursor brings nothing
  const rows = await db(ctx).run.findMany({
    where: { AND: [where, keysetWhere(input.cursor)] },
    orderBy: keysetOrderBy(),
    take: input.limit + 1,
  });
  const { items: page, nextCursor } = pageByCreatedAt(rows, input.limit);
  const [names, pii] = await Promise.all([namesFor(ctx, page), readPolicy(ctx)]);
  return { items: page.map((r) => withOutputRedacted(toRun(r, names), pii)), nextCursor };
}

export async function listRunEvents(ctx: TenantContext, runId: string, afterSeq = 0, limit = 500): Promise<RunEventOut[]> {
  const row = await findRun(ctx, runId);
  const [events, pii] = await Promise.all([
    eventsAfter({ runId: row.id, workspaceId: ctx.workspaceId }, afterSeq, Math.min(Math.max(1, limit), 1000)),
    readPolicy(ctx),
  ]);
  return eventsRedacted(events, pii);
}

/** For the SSE streams: the run exists in this workspace (else NOT_FOUND). */
export async function assertRunVisible(ctx: TenantContext, runId: string): Promise<void> {
  const { rows } = await execute(ctx, sql`SELECT 1 AS found FROM "Run" WHERE id = ${runId} AND "workspaceId" = ${ctx.workspaceId}`);
  if (rows.length === 0) throw new AppError("NOT_FOUND", "Run not found");
}

// the run engine starts and cancels sub-runs (the tool run_agent) through these: jobs/ never imports runs/
registerSubRunStarter({
  start: (ctx, input, parent) => startRun(ctx, input, { parent, channel: "agent" }),
  cancel: async (ctx, runId) => {
    await cancelRun(ctx, runId);
  },
});
