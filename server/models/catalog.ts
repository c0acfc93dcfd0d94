/**
 * The model catalog of a workspace: which models of which providers it may use, at what price, with which
 * capabilities and quality, plus their observed behaviour (server/models/stats.ts). Also the default
 * catalog every workspace starts with: the offline simulator, three simulator models and the routing
 * presets fast / balanced / capable.
 */
import type { z } from "zod";
import { db } from "@/server/db/client";
import { inWorkspace } from "@/server/db/in-workspace";
import type { Prisma } from "@/server/db/generated/client";
import { newId } from "@/lib/ids";
import { AppError } from "@/lib/errors";
import type { TenantContext } from "@/server/context";
import { recordAudit } from "@/server/audit/service";
import { capabilitySchema, type ModelConstraints } from "@/lib/schemas/model-policy";
import {
  createModelInputSchema,
  listModelsInputSchema,
  PROVIDER_KINDS,
  updateModelInputSchema,
  type FactDateKind,
  type ModelOutput,
  type ModelSuggestion,
  type ProviderKind,
} from "@/lib/schemas/models";
import { isRetired, knownModels, simulatorCapabilities, suggestModel as suggestKnownModel } from "./known-models";
import { SIMULATOR_MODELS } from "./simulator";
import { invalidateCatalogCache } from "./catalog-cache";
import { keysetOrderBy, keysetWhere, pageByCreatedAt } from "@/server/db/cursor";
import type { Page } from "@/lib/schemas/common";
import { describeUsers, modelUsers } from "./policy-users";
import { effectiveCachePrices } from "./cache-prices";
import { tokenLatencyOf } from "./stats";
import { observedQuality, readWorkspaceQualityEvidence, type QualityEvidence, type WorkspaceQualityEvidence } from "./observed-quality";
import { prismaCode } from "@/server/db/errors";

type Tx = Prisma.TransactionClient;

export const SIMULATOR_PROVIDER_NAME = "Simulator";

// ---------------------------------------------------------------------------------------------------
// Rows -> API objects

const modelInclude = { provider: { select: { id: true, name: true, kind: true, isLocal: true, enabled: true } } } as const;

type ModelRow = Prisma.ModelGetPayload<{ include: typeof modelInclude }>;

const CAPABILITY_SET = new Set<string>(capabilitySchema.options);

function cachePricesOf(row: ModelRow) {
  const own = {
    cacheReadPrice: row.cacheReadPrice === null ? null : Number(row.cacheReadPrice),
    cacheWritePrice: row.cacheWritePrice === null ? null : Number(row.cacheWritePrice),
  };
  const effective = effectiveCachePrices({ providerKind: row.provider.kind, modelId: row.modelId, inputPrice: Number(row.inputPrice), ...own });
  return { ...own, effectiveCacheReadPrice: effective.cacheReadPrice, effectiveCacheWritePrice: effective.cacheWritePrice };
}

/** A DATE column as YYYY-MM-DD (null stays null). */
const day = (value: Date | null): string | null => (value ? value.toISOString().slice(0, 10) : null);
/** YYYY-MM-DD to a DATE column's value. */
const dateOf = (value: string | null | undefined): Date | null => (value ? new Date(`${value}T00:00:00.000Z`) : null);

const dateKind = (value: string | null): FactDateKind | null => (value === "as_of" || value === "recorded_on" ? value : null);

/** A known model's sources of its context window and capabilities, and of its deprecation status, as columns. */
function factColumns(known: ModelSuggestion | null, specsKept: boolean) {
  return {
    specsSource: known && specsKept ? known.specsSource : null,
    specsAsOf: known && specsKept ? dateOf(known.specsAsOf) : null,
    specsDateKind: known && specsKept ? known.specsDateKind : null,
    lifecycleSource: known?.lifecycleSource ?? null,
    lifecycleAsOf: dateOf(known?.lifecycleAsOf),
    lifecycleDateKind: known?.lifecycleDateKind ?? null,
  };
}

export function toModel(row: ModelRow): ModelOutput {
  return {
    id: row.id,
    providerId: row.providerId,
    provider: {
      id: row.provider.id,
      name: row.provider.name,
      kind: row.provider.kind as ProviderKind,
      isLocal: row.provider.isLocal,
      enabled: row.provider.enabled,
    },
    modelId: row.modelId,
    displayName: row.displayName,
    inputPrice: Number(row.inputPrice),
    outputPrice: Number(row.outputPrice),
    ...cachePricesOf(row),
    contextWindow: row.contextWindow,
    capabilities: row.capabilities.filter((c) => CAPABILITY_SET.has(c)) as ModelOutput["capabilities"],
    quality: row.quality,
    qualitySource: row.qualitySource,
    qualityAsOf: day(row.qualityAsOf),
    qualityObserved: row.qualityObserved,
    qualityObservedByTag: [],
    reasoning: row.reasoning,
    firstByteTimeoutSeconds: row.firstByteTimeoutSeconds,
    callTimeoutBaseSeconds: row.callTimeoutBaseSeconds,
    priceSource: row.priceSource,
    priceAsOf: day(row.priceAsOf),
    specsSource: row.specsSource,
    specsAsOf: day(row.specsAsOf),
    specsDateKind: dateKind(row.specsDateKind),
    deprecatedAt: day(row.deprecatedAt),
    retiredAt: day(row.retiredAt),
    lifecycleSource: row.lifecycleSource,
    lifecycleAsOf: day(row.lifecycleAsOf),
    lifecycleDateKind: dateKind(row.lifecycleDateKind),
    retired: isRetired(row.retiredAt),
    enabled: row.enabled,
    isSimulator: row.provider.kind === "simulator",
    latencyP50Ms: row.latencyP50Ms,
    latencyP95Ms: row.latencyP95Ms,
    ...tokenLatencyOf(row.outcomeSamples, row.latencySamples, row.ttftSamples, row.outputTokenSamples, { times: row.observedAtSamples, now: Date.now() }),
    errorRate: row.errorRate,
    timeoutRate: row.timeoutRate,
    callCount: row.callCount,
    lastError: row.lastError,
    lastErrorAt: row.lastErrorAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

// ---------------------------------------------------------------------------------------------------
// Suggestions

/** Prefill for a model id of a provider kind (prices, context, capabilities, quality), or null when unknown. */
export function suggestModel(kind: ProviderKind, modelId: string): ModelSuggestion | null {
  return suggestKnownModel(kind, modelId);
}

export function suggestModels(input: { kind: ProviderKind; modelId?: string }) {
  return { suggestion: input.modelId ? suggestModel(input.kind, input.modelId) : null, known: knownModels(input.kind) };
}

// ---------------------------------------------------------------------------------------------------
// Models

/** One page of the workspace's model catalog, newest first (keyset on createdAt, id: server/db/cursor.ts). */
export async function listModels(ctx: TenantContext, input: z.input<typeof listModelsInputSchema> = {}): Promise<Page<ModelOutput>> {
  const { provider, enabled, limit, cursor } = listModelsInputSchema.parse(input);
  const after = keysetWhere(cursor);
  await ensureDefaultCatalog(ctx);
  const providerFilter: Prisma.ModelWhereInput =
    provider === undefined
      ? {}
      : (PROVIDER_KINDS as readonly string[]).includes(provider)
        ? { provider: { kind: provider as ProviderKind } }
        : { providerId: provider };
  const rows = await db(ctx).model.findMany({
    where: { AND: [{ workspaceId: ctx.workspaceId, ...providerFilter, ...(enabled === undefined ? {} : { enabled }) }, after] },
    include: modelInclude,
    orderBy: keysetOrderBy(),
    take: limit + 1,
  });
  const page = pageByCreatedAt(rows, limit);
  const evidence = await readWorkspaceQualityEvidence(ctx.workspaceId);
  return { items: page.items.map((row) => withObservedQuality(toModel(row), evidence)), nextCursor: page.nextCursor };
}

/** The model with the quality its judged outputs give it (./observed-quality.ts), overall and per task tag; null without any. */
function withObservedQuality(model: ModelOutput, evidence: WorkspaceQualityEvidence): ModelOutput {
  const e = evidence.byModel.get(model.id);
  if (!e) return model;
  const overall = observedQuality(model.quality, e);
  const byTag = [...(evidence.byModelTag.get(model.id) ?? new Map<string, QualityEvidence>())]
    .map(([tag, t]) => ({ tag, quality: observedQuality(overall, t), outputs: t.outputs }))
    .sort((a, b) => b.outputs - a.outputs || a.tag.localeCompare(b.tag));
  return { ...model, qualityObserved: overall, qualityObservedByTag: byTag };
}

async function findModel(ctx: TenantContext, id: string): Promise<ModelRow> {
  const row = await db(ctx).model.findFirst({ where: { id, workspaceId: ctx.workspaceId }, include: modelInclude });
  if (!row) throw new AppError("NOT_FOUND", "Model not found");
  return row;
}

export async function getModel(ctx: TenantContext, id: string): Promise<ModelOutput> {
  const [row, evidence] = await Promise.all([findModel(ctx, id), readWorkspaceQualityEvidence(ctx.workspaceId)]);
  return withObservedQuality(toModel(row), evidence);
}

type CreateModelData = z.output<typeof createModelInputSchema>;

/** A new catalog row of a provider's model, prefilled for a well-known one; its prices are required for any other. */
export function newModelRow(
  ctx: TenantContext,
  provider: { id: string; kind: string },
  data: CreateModelData,
): Prisma.ModelUncheckedCreateInput & { inputPrice: number; outputPrice: number } {
  const known = suggestModel(provider.kind as ProviderKind, data.modelId);
  const inputPrice = data.inputPrice ?? known?.inputPrice;
  const outputPrice = data.outputPrice ?? known?.outputPrice;
  if (inputPrice === undefined || outputPrice === undefined) {
    throw new AppError(
      "VALIDATION_FAILED",
      `"${data.modelId}" is not a model Cadre knows: enter its input and output prices (USD per million tokens; 0 for a local model)`,
    );
  }
  return {
    id: newId("mdl"),
    workspaceId: ctx.workspaceId,
    providerId: provider.id,
    modelId: data.modelId,
    displayName: data.displayName ?? known?.displayName ?? data.modelId,
    inputPrice,
    outputPrice,
    cacheReadPrice: data.cacheReadPrice ?? null,
    cacheWritePrice: data.cacheWritePrice ?? null,
    contextWindow: data.contextWindow ?? known?.contextWindow ?? 8_192,
    capabilities: data.capabilities ?? known?.capabilities ?? [],
    quality: data.quality ?? known?.quality ?? 0.5,
    // a quality entered by hand has no seed source
    qualitySource: data.quality === undefined ? (known?.qualitySource ?? null) : null,
    qualityAsOf: data.quality === undefined ? dateOf(known?.qualityAsOf) : null,
    reasoning: known?.reasoning ?? false,
    // a known slow model's timeouts (./known-models.ts); null given: the defaults
    firstByteTimeoutSeconds: data.firstByteTimeoutSeconds === undefined ? (known?.firstByteTimeoutSeconds ?? null) : data.firstByteTimeoutSeconds,
    callTimeoutBaseSeconds: data.callTimeoutBaseSeconds === undefined ? (known?.callTimeoutBaseSeconds ?? null) : data.callTimeoutBaseSeconds,
    // the dated source holds for the known figures only: any price entered by hand makes them the workspace's own
    priceSource: known && data.inputPrice === undefined && data.outputPrice === undefined ? known.priceSource : null,
    priceAsOf: known && data.inputPrice === undefined && data.outputPrice === undefined ? dateOf(known.priceAsOf) : null,
    deprecatedAt: dateOf(known?.deprecatedAt),
    retiredAt: dateOf(known?.retiredAt),
    // the sources hold for the known figures only: a context window or capabilities given make them the workspace's own
    ...factColumns(known, data.contextWindow === undefined && data.capabilities === undefined),
    enabled: data.enabled,
  };
}

/** Inserts a catalog row and audits it (`model.create`), in the caller's transaction. */
export async function insertModel(
  ctx: TenantContext,
  tx: Tx,
  providerName: string,
  values: ReturnType<typeof newModelRow>,
  source?: string,
): Promise<ModelRow> {
  const created = await tx.model.create({ data: values, include: modelInclude });
  const { inputPrice, outputPrice } = values;
  await recordAudit(
    ctx,
    {
      action: "model.create",
      targetType: "model",
      targetId: created.id,
      metadata: { provider: providerName, modelId: created.modelId, inputPrice, outputPrice, quality: created.quality, ...(source ? { source } : {}) },
    },
    tx,
  );
  return created;
}

/** Adds a model; fields left out are prefilled for well-known models (prices are required for unknown ones). */
export async function createModel(ctx: TenantContext, input: z.input<typeof createModelInputSchema>): Promise<ModelOutput> {
  const data = createModelInputSchema.parse(input);
  const provider = await db(ctx).provider.findFirst({ where: { id: data.providerId, workspaceId: ctx.workspaceId } });
  if (!provider) throw new AppError("NOT_FOUND", "Provider not found");
  const values = newModelRow(ctx, provider, data);
  try {
    const row = await db(ctx).$transaction((tx) => insertModel(ctx, tx, provider.name, values));
    invalidateCatalogCache(ctx.workspaceId);
    return toModel(row);
  } catch (error) {
    if (prismaCode(error) === "P2002") throw new AppError("CONFLICT", `"${data.modelId}" is already in the catalog for ${provider.name}`);
    throw error;
  }
}

export async function updateModel(ctx: TenantContext, id: string, patch: z.input<typeof updateModelInputSchema>): Promise<ModelOutput> {
  const data = updateModelInputSchema.parse(patch);
  const before = await findModel(ctx, id);
  const row = await db(ctx).$transaction(async (tx) => {
    const updated = await tx.model.update({
      where: inWorkspace(ctx, before.id),
      data: {
        ...(data.displayName !== undefined ? { displayName: data.displayName } : {}),
        ...(data.inputPrice !== undefined ? { inputPrice: data.inputPrice } : {}),
        ...(data.outputPrice !== undefined ? { outputPrice: data.outputPrice } : {}),
        ...(data.cacheReadPrice !== undefined ? { cacheReadPrice: data.cacheReadPrice } : {}),
        ...(data.cacheWritePrice !== undefined ? { cacheWritePrice: data.cacheWritePrice } : {}),
        ...(data.contextWindow !== undefined ? { contextWindow: data.contextWindow } : {}),
        ...(data.capabilities !== undefined ? { capabilities: data.capabilities } : {}),
        // a quality set by hand is the workspace's own: its seed source no longer applies
        ...(data.quality !== undefined ? { quality: data.quality, qualitySource: null, qualityAsOf: null } : {}),
        ...(data.inputPrice !== undefined || data.outputPrice !== undefined ? { priceSource: null, priceAsOf: null } : {}),
        ...(data.contextWindow !== undefined || data.capabilities !== undefined ? { specsSource: null, specsAsOf: null, specsDateKind: null } : {}),
        ...(data.firstByteTimeoutSeconds !== undefined ? { firstByteTimeoutSeconds: data.firstByteTimeoutSeconds } : {}),
        ...(data.callTimeoutBaseSeconds !== undefined ? { callTimeoutBaseSeconds: data.callTimeoutBaseSeconds } : {}),
        ...(data.enabled !== undefined ? { enabled: data.enabled } : {}),
      },
      include: modelInclude,
    });
    await recordAudit(ctx, { action: "model.update", targetType: "model", targetId: before.id, metadata: { modelId: before.modelId, changes: data } }, tx);
    return updated;
  });
  invalidateCatalogCache(ctx.workspaceId);
  return toModel(row);
}

/** Deletes a catalog model nothing pins: CONFLICT, naming them, while an agent or a queued or running run does. */
export async function deleteModel(ctx: TenantContext, id: string): Promise<{ deleted: true }> {
  const before = await findModel(ctx, id);
  await db(ctx).$transaction(async (tx) => {
    const users = await modelUsers(tx, ctx.workspaceId, [before.id]);
    if (users.agents.length || users.runs.length) {
      throw new AppError("CONFLICT", `Model "${before.displayName}" is pinned by ${describeUsers(users)}`, users);
    }
    await tx.model.delete({ where: inWorkspace(ctx, before.id) });
    await recordAudit(
      ctx,
      { action: "model.delete", targetType: "model", targetId: before.id, metadata: { provider: before.provider.name, modelId: before.modelId } },
      tx,
    );
  });
  invalidateCatalogCache(ctx.workspaceId);
  return { deleted: true as const };
}

// ---------------------------------------------------------------------------------------------------
// The default catalog

/** The routing presets every workspace starts with (RoutingPreset.policy is a ModelConstraints object). */
export const DEFAULT_PRESETS: { name: string; description: string; policy: ModelConstraints }[] = [
  {
    name: "fast",
    description: "The fastest observed models: minimum quality 0.3, p95 latency under 2 s",
    policy: {
      minQuality: 0.3,
      maxP95LatencyMs: 2000,
      requiredCapabilities: [],
      preferredProviders: [],
      localFirst: false,
      localOnly: false,
      objective: "latency",
    },
  },
  {
    name: "balanced",
    description: "Good answers at a sensible price: minimum quality 0.6, ranked by cost 50%, quality 30%, latency 20%",
    policy: {
      minQuality: 0.6,
      requiredCapabilities: [],
      preferredProviders: [],
      localFirst: false,
      localOnly: false,
      objective: { cost: 0.5, quality: 0.3, latency: 0.2 },
    },
  },
  {
    name: "capable",
    description: "The strongest models: the highest quality score, minimum 0.8",
    policy: { minQuality: 0.8, requiredCapabilities: [], preferredProviders: [], localFirst: false, localOnly: false, objective: "quality" },
  },
];

/**
 * Creates the simulator provider with its three models and the default routing presets, inside the caller's
 * transaction. Idempotent: a workspace that already has its simulator is left alone, and existing presets
 * (perhaps edited) are kept. The caller invalidates the catalog cache after its commit when the workspace may
 * already be cached (`ensureDefaultCatalog` does; a workspace being created cannot be).
 */
export async function seedDefaultCatalog(tx: Tx, workspaceId: string): Promise<{ providerId: string; created: boolean }> {
  // one seeding per workspace at a time (released at commit): concurrent first requests see each other's rows
  await tx.$queryRaw`SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(hashtext(${`cadre:seed-catalog:${workspaceId}`}))) AS l`;
  const existing = await tx.provider.findFirst({ where: { workspaceId, kind: "simulator" }, select: { id: true } });
  if (existing) return { providerId: existing.id, created: false };
  // a workspace from before the simulator may already use the name for another provider
  const taken = await tx.provider.findFirst({ where: { workspaceId, name: SIMULATOR_PROVIDER_NAME }, select: { id: true } });
  const providerId = newId("prv");
  // ON CONFLICT DO NOTHING: a concurrent seed of the same workspace does not abort this transaction
  const inserted = await tx.provider.createMany({
    data: [
      {
        id: providerId,
        workspaceId,
        name: taken ? `${SIMULATOR_PROVIDER_NAME} (offline)` : SIMULATOR_PROVIDER_NAME,
        kind: "simulator",
        isLocal: true,
        enabled: true,
      },
    ],
    skipDuplicates: true,
  });
  if (inserted.count === 0) {
    const other = await tx.provider.findFirst({ where: { workspaceId, kind: "simulator" }, select: { id: true } });
    return { providerId: other?.id ?? providerId, created: false };
  }
  await tx.model.createMany({
    data: Object.entries(SIMULATOR_MODELS).map(([modelId, m]) => ({
      id: newId("mdl"),
      workspaceId,
      providerId,
      modelId,
      displayName: m.displayName,
      inputPrice: m.inputPrice,
      outputPrice: m.outputPrice,
      contextWindow: m.contextWindow,
      capabilities: simulatorCapabilities(modelId),
      quality: m.quality,
      ...simulatorProvenance(modelId),
      enabled: true,
    })),
    skipDuplicates: true,
  });
  await tx.routingPreset.createMany({
    data: DEFAULT_PRESETS.map((p) => ({ id: newId("rp"), workspaceId, name: p.name, description: p.description, policy: p.policy as Prisma.InputJsonValue })),
    skipDuplicates: true,
  });
  return { providerId, created: true };
}

/** The simulator models' dated sources, as the known-models table states them. */
function simulatorProvenance(modelId: string) {
  const known = suggestKnownModel("simulator", modelId);
  return {
    qualitySource: known?.qualitySource ?? null,
    qualityAsOf: dateOf(known?.qualityAsOf),
    priceSource: known?.priceSource ?? null,
    priceAsOf: dateOf(known?.priceAsOf),
    ...factColumns(known, true),
  };
}

/** Seeds the default catalog of a workspace created before it existed (cheap when it is there already). */
export async function ensureDefaultCatalog(ctx: TenantContext): Promise<void> {
  const existing = await db(ctx).provider.findFirst({ where: { workspaceId: ctx.workspaceId, kind: "simulator" }, select: { id: true } });
  if (existing) return;
  await db(ctx).$transaction((tx) => seedDefaultCatalog(tx, ctx.workspaceId));
  invalidateCatalogCache(ctx.workspaceId);
}
