/**
 * Routing as a service: the workspace's catalog as router input, policy resolution (pinned / preset /
 * constraints), the routing presets (fast, balanced, capable seeded per workspace, plus custom ones) and "explain" (route a
 * policy without calling any model: the tester on the Routing page and POST /api/v1/models/route).
 */
import { isRetired } from "./known-models";
import { db } from "@/server/db/client";
import { inWorkspace } from "@/server/db/in-workspace";
import { Prisma } from "@/server/db/generated/client";
import { describeUsers, policyUsers, type PolicyUsers } from "./policy-users";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import type { TenantContext } from "@/server/context";
import { recordAudit } from "@/server/audit/service";
import { modelConstraintsSchema, type ModelConstraints, type ModelPolicy } from "@/lib/schemas/model-policy";
import { DEFAULT_MODEL_POLICY } from "@/lib/schemas/agents";
import {
  createRoutingPresetInputSchema,
  type explainRouteInputSchema,
  type RouteDecisionOutput,
  type RoutingPresetOutput,
  type updateRoutingPresetInputSchema,
} from "@/lib/schemas/routing";
import type { z } from "zod";
import { ensureDefaultCatalog } from "./catalog";
import { cachedCatalog, invalidateCatalogCache, type CachedCatalog, type LoadedCatalog, type MemoryModelSettingRow, type ProviderInfo } from "./catalog-cache";
import { modelCircuitBreaker } from "./circuit-breaker";
import { MIN_LATENCY_SAMPLES, route, type CatalogEntry, type RouteDecision } from "./router";
import { reliabilityOf, tokenLatencyOf } from "./stats";
import { observedQuality, readWorkspaceQualityEvidence } from "./observed-quality";
import { prismaCode } from "@/server/db/errors";

export type { LoadedCatalog, ProviderInfo } from "./catalog-cache";

const EMPTY_CONSTRAINTS: ModelConstraints = modelConstraintsSchema.parse({});

/**
 * The workspace's catalog as router input: models joined with their providers, Decimal prices as numbers. A model
 * counts as enabled only when its provider is enabled too. `enabledOnly` leaves the others out; the gateway and
 * explain keep them (the router rejects them, and the tester shows them as "disabled").
 *
 * Served from the per-process cache (`catalog-cache.ts`): the database is read once per workspace and TTL (2 s),
 * and again right after any change made through this process's services.
 */
export async function loadCatalog(ctx: TenantContext, options: { enabledOnly?: boolean } = {}): Promise<LoadedCatalog> {
  const { catalog } = await cachedCatalog(ctx.workspaceId, () => readCatalog(ctx.workspaceId));
  if (!options.enabledOnly) return catalog;
  const entries = catalog.entries.filter((e) => e.enabled);
  const used = new Set(entries.map((e) => e.providerId));
  return {
    entries,
    providers: new Map([...catalog.providers].filter(([id]) => used.has(id))),
    ...(catalog.realProviderEnabled !== undefined ? { realProviderEnabled: catalog.realProviderEnabled } : {}),
  };
}

/** One read of everything routing needs: the models with their providers, the presets and the memory model settings (in parallel). */
async function readCatalog(workspaceId: string): Promise<CachedCatalog> {
  const [rows, presetRows, workspace, realProviders, memoryModels, qualityEvidence] = await Promise.all([
    db({ workspaceId }).model.findMany({
      where: { workspaceId },
      select: {
        id: true,
        modelId: true,
        displayName: true,
        inputPrice: true,
        outputPrice: true,
        cacheReadPrice: true,
        cacheWritePrice: true,
        contextWindow: true,
        capabilities: true,
        quality: true,
        reasoning: true,
        firstByteTimeoutSeconds: true,
        callTimeoutBaseSeconds: true,
        retiredAt: true,
        enabled: true,
        latencyP95Ms: true,
        errorRate: true,
        outcomeSamples: true,
        latencySamples: true,
        ttftSamples: true,
        outputTokenSamples: true,
        observedAtSamples: true,
        provider: {
          select: {
            id: true,
            kind: true,
            name: true,
            baseUrl: true,
            isLocal: true,
            secretId: true,
            settings: true,
            enabled: true,
            rpmLimit: true,
            tpmLimit: true,
          },
        },
      },
      orderBy: { id: "asc" },
    }),
    db({ workspaceId }).routingPreset.findMany({ where: { workspaceId }, select: { name: true, policy: true } }),
    db({ workspaceId }).workspace.findFirst({ where: { id: workspaceId }, select: { egressAllowHosts: true, egressDenyHosts: true } }),
    db({ workspaceId }).provider.count({ where: { workspaceId, enabled: true, kind: { not: "simulator" } } }),
    db({ workspaceId }).memoryModelSetting.findMany({ where: { workspaceId }, select: { scopeType: true, scopeId: true, policy: true } }),
    readWorkspaceQualityEvidence(workspaceId),
  ]);
  // the figures are weighted by each call's age as of this read (a reload every TTL keeps them current)
  const now = Date.now();
  const egress = { allowHosts: workspace?.egressAllowHosts ?? [], denyHosts: workspace?.egressDenyHosts ?? [] };
  const providers = new Map<string, ProviderInfo>();
  const entries: CatalogEntry[] = rows.map((row) => {
    const p = row.provider;
    if (!providers.has(p.id))
      providers.set(p.id, {
        id: p.id,
        kind: p.kind,
        name: p.name,
        baseUrl: p.baseUrl,
        isLocal: p.isLocal,
        secretId: p.secretId,
        settings: p.settings,
        rpmLimit: p.rpmLimit,
        tpmLimit: p.tpmLimit,
        egress,
      });
    return {
      id: row.id,
      providerId: p.id,
      providerKind: p.kind,
      providerName: p.name,
      isLocal: p.isLocal,
      modelId: row.modelId,
      displayName: row.displayName,
      inputPrice: Number(row.inputPrice),
      outputPrice: Number(row.outputPrice),
      cacheReadPrice: row.cacheReadPrice === null ? null : Number(row.cacheReadPrice),
      cacheWritePrice: row.cacheWritePrice === null ? null : Number(row.cacheWritePrice),
      contextWindow: row.contextWindow,
      capabilities: row.capabilities,
      // the catalog's figure shrunk towards what the workspace's judges observed (./observed-quality.ts)
      quality: observedQuality(row.quality, qualityEvidence.byModel.get(row.id)),
      reasoning: row.reasoning,
      firstByteTimeoutSeconds: row.firstByteTimeoutSeconds,
      callTimeoutBaseSeconds: row.callTimeoutBaseSeconds,
      retiredAt: row.retiredAt ? row.retiredAt.toISOString().slice(0, 10) : null,
      enabled: row.enabled && p.enabled,
      latencyP95Ms: row.latencyP95Ms,
      errorRate: row.errorRate,
      // routing's figures: the recent p95 (over the last calls) and the smoothed failure rate
      ...reliabilityOf(row.outcomeSamples, row.latencySamples, { times: row.observedAtSamples, now }),
      ...tokenLatencyOf(row.outcomeSamples, row.latencySamples, row.ttftSamples, row.outputTokenSamples, { times: row.observedAtSamples, now }),
    };
  });
  const presets = new Map(presetRows.map((row) => [row.name, presetConstraints(row.policy)]));
  return {
    catalog: { entries, providers, realProviderEnabled: realProviders > 0, qualityByTag: qualityEvidence.byModelTag },
    presets,
    memoryModels,
  };
}

/** The workspace's memory model settings (server/memory/models.ts), from the same cached read as the catalog. */
export async function memoryModelSettings(ctx: TenantContext): Promise<readonly MemoryModelSettingRow[]> {
  return (await cachedCatalog(ctx.workspaceId, () => readCatalog(ctx.workspaceId))).memoryModels;
}

export interface ResolvedPolicy {
  constraints: ModelConstraints;
  /** catalog id of a pinned model */
  pinnedId?: string;
}

/** pinned: that model only; preset: the workspace's preset of that name (NOT_FOUND when missing); constraints as given. */
export async function resolvePolicy(ctx: TenantContext, policy: ModelPolicy): Promise<ResolvedPolicy> {
  if (policy.type !== "preset") return resolveWith(new Map(), policy);
  const { presets } = await cachedCatalog(ctx.workspaceId, () => readCatalog(ctx.workspaceId));
  return resolveWith(presets, policy);
}

function resolveWith(presets: ReadonlyMap<string, ModelConstraints>, policy: ModelPolicy): ResolvedPolicy {
  switch (policy.type) {
    case "pinned":
      return { constraints: EMPTY_CONSTRAINTS, pinnedId: policy.modelId };
    case "preset": {
      const constraints = presets.get(policy.preset);
      if (!constraints) throw new AppError("NOT_FOUND", `Routing preset "${policy.preset}" not found`);
      return { constraints };
    }
    case "constraints":
      return { constraints: modelConstraintsSchema.parse(policy.constraints) };
  }
}

export interface RoutingSnapshot {
  /** the full catalog (disabled models included) */
  entries: CatalogEntry[];
  /** resolvePolicy on the same read (NOT_FOUND for a missing preset) */
  resolve(policy: ModelPolicy): ResolvedPolicy;
}

/**
 * The catalog and presets as of one (cached) read, for routing many policies without touching the database again
 * (a save checks its structured roles inside its transaction: server/teams/preflight.ts).
 */
export async function routingSnapshot(ctx: TenantContext): Promise<RoutingSnapshot> {
  await ensureCatalogOnce(ctx);
  const { catalog, presets } = await cachedCatalog(ctx.workspaceId, () => readCatalog(ctx.workspaceId));
  return { entries: catalog.entries, resolve: (policy) => resolveWith(presets, policy) };
}

/**
 * Refuses a policy that names a preset this workspace does not have or a model outside its catalog (VALIDATION_FAILED,
 * issue `modelPolicy.preset` / `modelPolicy.modelId`), so that a save or a run start fails rather than the run's first
 * call. Another workspace's model id gets the same answer as an unknown one. A disabled model (or one of a disabled
 * provider) is still a valid pin: it may be enabled again, and the router names it when a run uses it.
 */
export async function checkPolicyReferences(ctx: TenantContext, policy: ModelPolicy): Promise<void> {
  if (policy.type === "constraints") return;
  if (policy.type === "preset") {
    await ensureCatalogOnce(ctx); // a new workspace's policies may name the default presets before anything seeded them
    const { presets } = await cachedCatalog(ctx.workspaceId, () => readCatalog(ctx.workspaceId));
    // the cached presets may be a moment old (another process may just have created this one): a miss is confirmed
    if (presets.has(policy.preset)) return;
    const row = await db(ctx).routingPreset.findFirst({ where: { workspaceId: ctx.workspaceId, name: policy.preset }, select: { id: true } });
    if (!row) throw invalidPolicy("modelPolicy.preset", `Routing preset "${policy.preset}" does not exist in this workspace`);
    return;
  }
  const model = await db(ctx).model.findFirst({ where: { id: policy.modelId, workspaceId: ctx.workspaceId }, select: { id: true } });
  if (!model) throw invalidPolicy("modelPolicy.modelId", `Model "${policy.modelId}" is not in this workspace's catalog`);
}

function invalidPolicy(path: string, message: string): AppError {
  return new AppError("VALIDATION_FAILED", `Model policy: ${message}`, { issues: [{ path, message }] });
}

/** A stored preset's constraints; a malformed row (edited by hand) falls back to "no constraints" rather than breaking calls. */
function presetConstraints(stored: Prisma.JsonValue): ModelConstraints {
  const parsed = modelConstraintsSchema.safeParse(stored);
  return parsed.success ? parsed.data : EMPTY_CONSTRAINTS;
}

export interface RouteForInput {
  resolved: ResolvedPolicy;
  promptTokens: number;
  maxOutputTokens: number;
  /** capabilities the call itself needs (tools offered, JSON output), added to the policy's */
  needs?: string[];
  openCircuits?: ReadonlySet<string>;
  /** LoadedCatalog.realProviderEnabled: keeps the simulator out of generation even before the provider has models */
  realProviderEnabled?: boolean;
  /** a call will be made with the decision (the gateway): a model due for a probe may be chosen (see below) */
  forCall?: boolean;
  /**
   * Diversity: the models the other participants of the same topology step already use. With a policy whose
   * `diversity` is on, the router prefers another model, and the chosen one is added to the set (synchronously, so
   * participants routed one after another spread even when their calls run in parallel). Ignored otherwise.
   */
  spread?: Set<string>;
  /**
   * Models to avoid whatever the policy says (a judge avoids the model of the output it judges): ranked last, so one
   * of them is still chosen when nothing else is feasible (the caller flags it).
   */
  avoid?: ReadonlySet<string>;
}

/** How often a model excluded by its observed latency gets one call anyway, to show it recovered (per process). */
export const PROBE_INTERVAL_MS = 30_000;
const globalForProbes = globalThis as unknown as { cadreLatencyProbes?: { intervalMs: number; last: Map<string, number> } };
function probeState() {
  globalForProbes.cadreLatencyProbes ??= { intervalMs: PROBE_INTERVAL_MS, last: new Map() };
  return globalForProbes.cadreLatencyProbes;
}

/**
 * Models that only their observed p95 keeps out of this call and whose last probe (or first exclusion seen) is one
 * interval old: the router may send them this call. Without probes one slow cold start would exclude a model for
 * good (nothing would call it again, so its figures could never improve).
 */
function dueForProbe(catalog: readonly CatalogEntry[], maxP95: number | undefined): Set<string> | undefined {
  if (maxP95 === undefined) return undefined;
  const { intervalMs, last } = probeState();
  const now = Date.now();
  let due: Set<string> | undefined;
  for (const e of catalog) {
    if (e.latencyP95Ms === null || e.latencyP95Ms <= maxP95 || !e.enabled || (e.latencySamples ?? MIN_LATENCY_SAMPLES) < MIN_LATENCY_SAMPLES) continue;
    const since = last.get(e.id);
    if (since === undefined) last.set(e.id, now);
    else if (now - since >= intervalMs) (due ??= new Set()).add(e.id);
  }
  if (last.size > 10_000) for (const [key, at] of last) if (now - at >= 10 * intervalMs) last.delete(key);
  return due;
}

/** Sets the probe interval (tests) and forgets the probe times; no argument restores the default. */
export function configureLatencyProbes(options?: { intervalMs?: number }): void {
  const state = probeState();
  state.intervalMs = options?.intervalMs ?? PROBE_INTERVAL_MS;
  state.last.clear();
}

/**
 * Routes over a loaded catalog. A pinned model is routed alone with no preference constraints, so the checks that
 * are facts of the call still apply (enabled, context window, capabilities the call needs, circuit); a pinned id
 * outside the catalog is NOT_FOUND. A retired model (its provider's retirement date has passed) is routed to only
 * when pinned.
 */
export function routeFor(catalog: CatalogEntry[], input: RouteForInput): RouteDecision & { constraints: ModelConstraints } {
  let constraints = input.resolved.constraints;
  const needs = (input.needs ?? []).filter((n) => !constraints.requiredCapabilities.includes(n as never));
  if (needs.length)
    constraints = { ...constraints, requiredCapabilities: [...constraints.requiredCapabilities, ...(needs as ModelConstraints["requiredCapabilities"])] };
  const today = new Date();
  let candidates = catalog.some((e) => isRetired(e.retiredAt, today)) ? catalog.filter((e) => !isRetired(e.retiredAt, today)) : catalog;
  if (input.resolved.pinnedId) {
    const pinned = catalog.find((e) => e.id === input.resolved.pinnedId);
    if (!pinned) throw new AppError("NOT_FOUND", "The pinned model is not in this workspace's catalog");
    if (!pinned.enabled)
      throw new AppError("NO_FEASIBLE_MODEL", `The pinned model ${pinned.displayName} is disabled (or its provider ${pinned.providerName} is)`);
    candidates = [pinned];
  }
  const probe = input.forCall && !input.resolved.pinnedId ? dueForProbe(candidates, constraints.maxP95LatencyMs) : undefined;
  const decision = route(candidates, {
    constraints,
    promptTokens: input.promptTokens,
    maxOutputTokens: input.maxOutputTokens,
    openCircuits: input.openCircuits,
    ...(input.realProviderEnabled && !input.resolved.pinnedId ? { realProviderEnabled: true } : {}),
    ...(probe ? { probe } : {}),
    ...avoidedBy(input, constraints.diversity),
  });
  if (input.spread && constraints.diversity) input.spread.add(decision.chosen.id);
  if (probe?.has(decision.chosen.id)) {
    probeState().last.set(decision.chosen.id, Date.now());
    return {
      ...decision,
      explanation: `${decision.explanation} Probe call: ${decision.chosen.displayName} was excluded by its observed p95 and is tried again (at most once per ${probeState().intervalMs / 1000} s).`,
      constraints,
    };
  }
  return { ...decision, constraints };
}

/** The models a route ranks last: the diversity group's (when the policy asks for diversity) and those to avoid. */
function avoidedBy(input: Pick<RouteForInput, "spread" | "avoid">, diversity: boolean | undefined): { avoidModels?: ReadonlySet<string> } {
  const spread = input.spread && diversity ? input.spread : undefined;
  if (!input.avoid?.size) return spread ? { avoidModels: spread } : {};
  return { avoidModels: spread ? new Set([...spread, ...input.avoid]) : input.avoid };
}

const seededWorkspaces = new Set<string>();

/**
 * ensureDefaultCatalog once per workspace and process: after the first check the answer cannot change back (the
 * simulator provider stays), so later calls skip the database round trip.
 */
export async function ensureCatalogOnce(ctx: TenantContext): Promise<void> {
  if (seededWorkspaces.has(ctx.workspaceId)) return;
  await ensureDefaultCatalog(ctx);
  seededWorkspaces.add(ctx.workspaceId);
}

/** Routes a policy without calling any model. */
export async function explainRoute(ctx: TenantContext, input: z.output<typeof explainRouteInputSchema>): Promise<RouteDecisionOutput> {
  await ensureCatalogOnce(ctx);
  const [resolved, catalog] = await Promise.all([resolvePolicy(ctx, input.policy), loadCatalog(ctx)]);
  const openCircuits = modelCircuitBreaker().openIds(catalog.entries);
  return routeFor(catalog.entries, {
    resolved,
    promptTokens: input.promptTokens,
    maxOutputTokens: input.maxOutputTokens,
    openCircuits,
    realProviderEnabled: catalog.realProviderEnabled ?? false,
  });
}

// ---------------------------------------------------------------------------------------------------
// Presets

function toPreset(row: { id: string; name: string; description: string; policy: Prisma.JsonValue; updatedAt: Date }): RoutingPresetOutput {
  return { id: row.id, name: row.name, description: row.description, constraints: presetConstraints(row.policy), updatedAt: row.updatedAt };
}

const PRESET_ORDER = ["fast", "balanced", "capable"];

export async function listRoutingPresets(ctx: TenantContext): Promise<RoutingPresetOutput[]> {
  await ensureCatalogOnce(ctx);
  const rows = await db(ctx).routingPreset.findMany({ where: { workspaceId: ctx.workspaceId }, orderBy: { name: "asc" } });
  const rank = (name: string) => (PRESET_ORDER.includes(name) ? PRESET_ORDER.indexOf(name) : PRESET_ORDER.length);
  return rows.map(toPreset).sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}

/** A preset by id (tRPC) or by name (REST); another workspace's is not found either way. */
type PresetRef = { presetId: string } | { name: string };

function presetWhere(ctx: TenantContext, ref: PresetRef) {
  return { workspaceId: ctx.workspaceId, ...("presetId" in ref ? { id: ref.presetId } : { name: ref.name }) };
}

export async function updateRoutingPreset(
  ctx: TenantContext,
  input: PresetRef & Omit<z.output<typeof updateRoutingPresetInputSchema>, "presetId">,
): Promise<RoutingPresetOutput> {
  const existing = await db(ctx).routingPreset.findFirst({ where: presetWhere(ctx, input) });
  if (!existing) throw new AppError("NOT_FOUND", "Routing preset not found");
  const constraints = modelConstraintsSchema.parse(input.constraints);
  const updated = await db(ctx)
    .$transaction(async (tx) => {
      const row = await tx.routingPreset.update({
        where: inWorkspace(ctx, existing.id),
        data: { policy: constraints as Prisma.InputJsonValue, ...(input.description !== undefined ? { description: input.description } : {}) },
      });
      await recordAudit(
        ctx,
        {
          action: "routing_preset.update",
          targetType: "routing_preset",
          targetId: existing.id,
          metadata: { name: existing.name, before: existing.policy, after: constraints },
        },
        tx,
      );
      return row;
    })
    .catch((error: unknown) => {
      // deleted since it was read
      if (prismaCode(error) === "P2025") throw new AppError("NOT_FOUND", "Routing preset not found");
      throw error;
    });
  invalidateCatalogCache(ctx.workspaceId);
  return toPreset(updated);
}

export async function createRoutingPreset(ctx: TenantContext, input: z.input<typeof createRoutingPresetInputSchema>): Promise<RoutingPresetOutput> {
  const data = createRoutingPresetInputSchema.parse(input);
  // seeded first, so that a later seeding never meets a custom preset of a default's name
  await ensureCatalogOnce(ctx);
  try {
    const created = await db(ctx).$transaction(async (tx) => {
      const row = await tx.routingPreset.create({
        data: {
          id: newId("rp"),
          workspaceId: ctx.workspaceId,
          name: data.name,
          description: data.description,
          policy: data.constraints as Prisma.InputJsonValue,
        },
      });
      await recordAudit(
        ctx,
        {
          action: "routing_preset.create",
          targetType: "routing_preset",
          targetId: row.id,
          metadata: { name: row.name, after: data.constraints },
        },
        tx,
      );
      return row;
    });
    invalidateCatalogCache(ctx.workspaceId);
    return toPreset(created);
  } catch (error) {
    if (prismaCode(error) === "P2002") throw new AppError("CONFLICT", `A routing preset named "${data.name}" already exists`);
    throw error;
  }
}

/** The preset new agents get when they name no policy: deleting it would break every such agent at its first call. */
const PROTECTED_PRESET = DEFAULT_MODEL_POLICY.preset;

/**
 * Deletes a preset nothing depends on. CONFLICT, naming them, while an agent's current version uses it, or a
 * queued or running run does (through its policy override, or, without one, through the agent versions it pinned).
 */
export async function deleteRoutingPreset(ctx: TenantContext, ref: PresetRef): Promise<{ deleted: true }> {
  const existing = await db(ctx).routingPreset.findFirst({ where: presetWhere(ctx, ref) });
  if (!existing) throw new AppError("NOT_FOUND", "Routing preset not found");
  if (existing.name === PROTECTED_PRESET) {
    throw new AppError(
      "CONFLICT",
      `"${existing.name}" is the model policy of every agent created without one and cannot be deleted: change its constraints instead`,
    );
  }
  await db(ctx).$transaction(async (tx) => {
    const users = await presetUsers(tx, ctx.workspaceId, existing.name);
    if (users.agents.length || users.runs.length) {
      throw new AppError("CONFLICT", `Routing preset "${existing.name}" is in use by ${describeUsers(users)}`, users);
    }
    await tx.routingPreset.delete({ where: inWorkspace(ctx, existing.id) });
    await recordAudit(
      ctx,
      {
        action: "routing_preset.delete",
        targetType: "routing_preset",
        targetId: existing.id,
        metadata: { name: existing.name, before: existing.policy },
      },
      tx,
    );
  });
  invalidateCatalogCache(ctx.workspaceId);
  return { deleted: true as const };
}

function presetUsers(tx: Prisma.TransactionClient, workspaceId: string, name: string): Promise<PolicyUsers> {
  return policyUsers(tx, workspaceId, (policy) => Prisma.sql`${policy}->>'type' = 'preset' AND ${policy}->>'preset' = ${name}`);
}
