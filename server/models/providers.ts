/**
 * Provider connections of a workspace (OpenAI, Anthropic, OpenAI-compatible endpoints, and the built-in
 * simulator). The key is a reference to a vault secret of the same workspace; it is decrypted only to make
 * a call (testConnection here, the gateway for real work) and never returned.
 */
import type { z } from "zod";
import { generateText } from "ai";
import { db } from "@/server/db/client";
import { inWorkspace } from "@/server/db/in-workspace";
import type { Prisma } from "@/server/db/generated/client";
import { newId } from "@/lib/ids";
import { AppError } from "@/lib/errors";
import type { TenantContext } from "@/server/context";
import { recordAudit } from "@/server/audit/service";
import { logger } from "@/server/logger";
import { revealSecret } from "@/server/vault/service";
import { costOf, recordUsage } from "@/server/ledger/record";
import { releaseReservation, reserveBudget, type BudgetReservation } from "@/server/ledger/reservations";
import {
  createProviderInputSchema,
  KINDS_NEEDING_BASE_URL,
  PROVIDER_KIND_LABELS,
  updateProviderInputSchema,
  type ProviderKind,
  type ProviderOutput,
  settingsOf,
  type ProviderTestResult,
} from "@/lib/schemas/models";
import { ensureDefaultCatalog } from "./catalog";
import { DEFAULT_TEST_MODEL } from "./known-models";
import { createLanguageModel, loadProviderPackage, type ProviderConnection } from "./provider-factory";
import { classifyTestFailure, isLocalBaseUrl, isTimeoutError } from "./provider-errors";
import { isEgressError } from "@/server/egress";
import { recordModelObservation } from "./stats";
import { invalidateCatalogCache } from "./catalog-cache";
import { describeUsers, modelUsers } from "./policy-users";
import { prismaCode } from "@/server/db/errors";

const providerInclude = { secret: { select: { name: true } }, _count: { select: { models: true } } } as const;
type ProviderRow = Prisma.ProviderGetPayload<{ include: typeof providerInclude }>;

export const TEST_TIMEOUT_MS = 20_000;
const TEST_PROMPT = "Reply with the single word OK.";
const TEST_MAX_OUTPUT_TOKENS = 8;

/** The worst case of one connection test's call at these prices (what it reserves against the budget). */
export function testCallEstimateUsd(prices: { inputPrice: number; outputPrice: number }): number {
  return costOf(prices, Math.ceil(TEST_PROMPT.length / 4) + 16, TEST_MAX_OUTPUT_TOKENS);
}

export function toProvider(row: ProviderRow): ProviderOutput {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as ProviderKind,
    baseUrl: row.baseUrl,
    settings: settingsOf(row.settings),
    secretId: row.secretId,
    secretName: row.secret?.name ?? null,
    isLocal: row.isLocal,
    rpmLimit: row.rpmLimit,
    tpmLimit: row.tpmLimit,
    enabled: row.enabled,
    isSimulator: row.kind === "simulator",
    modelCount: row._count.models,
    lastTestedAt: row.lastTestedAt,
    lastTestOk: row.lastTestOk,
    lastTestError: row.lastTestError,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function connectionOf(row: {
  id: string;
  kind: string;
  name: string;
  baseUrl: string | null;
  isLocal: boolean;
  settings?: unknown;
}): ProviderConnection {
  return { id: row.id, kind: row.kind as ProviderKind, name: row.name, baseUrl: row.baseUrl, isLocal: row.isLocal, settings: settingsOf(row.settings) };
}

/** Kinds that cannot work without a key (a keyless connection makes sense only for a local or proxy base URL). */
const KINDS_NEEDING_KEY: readonly ProviderKind[] = ["openai", "anthropic", "google", "mistral"];
/** Kinds whose key is always needed, base URL or not: it signs or authorises every request (Azure's base URL is its resource). */
const KINDS_ALWAYS_NEEDING_KEY: readonly ProviderKind[] = ["azure", "bedrock", "vertex"];

const nameTaken = (name: string) => new AppError("CONFLICT", `A provider named "${name}" already exists in this workspace`);

export async function findProvider(ctx: TenantContext, id: string): Promise<ProviderRow> {
  const row = await db(ctx).provider.findFirst({ where: { id, workspaceId: ctx.workspaceId }, include: providerInclude });
  if (!row) throw new AppError("NOT_FOUND", "Provider not found");
  return row;
}

/** A secret id must name a secret of this workspace: anything else is NOT_FOUND (never a hint that it exists elsewhere). */
async function assertSecretInWorkspace(ctx: TenantContext, secretId: string): Promise<void> {
  const secret = await db(ctx).secret.findFirst({ where: { id: secretId, workspaceId: ctx.workspaceId, kind: "user" }, select: { id: true } });
  if (!secret) throw new AppError("NOT_FOUND", "Secret not found");
}

export async function listProviders(ctx: TenantContext): Promise<ProviderOutput[]> {
  await ensureDefaultCatalog(ctx);
  const rows = await db(ctx).provider.findMany({
    where: { workspaceId: ctx.workspaceId },
    include: providerInclude,
    orderBy: [{ createdAt: "asc" }, { name: "asc" }],
  });
  return rows.map(toProvider);
}

export async function getProvider(ctx: TenantContext, id: string): Promise<ProviderOutput> {
  return toProvider(await findProvider(ctx, id));
}

export async function createProvider(ctx: TenantContext, input: z.input<typeof createProviderInputSchema>): Promise<ProviderOutput> {
  const data = createProviderInputSchema.parse(input);
  if (data.secretId) await assertSecretInWorkspace(ctx, data.secretId);
  if (!data.secretId && (KINDS_ALWAYS_NEEDING_KEY.includes(data.kind) || (KINDS_NEEDING_KEY.includes(data.kind) && !data.baseUrl))) {
    throw new AppError("VALIDATION_FAILED", `${PROVIDER_KIND_LABELS[data.kind]} needs a key: pick the vault secret that holds it`);
  }
  const baseUrl = data.baseUrl ?? null;
  const isLocal = data.isLocal ?? isLocalBaseUrl(baseUrl);
  try {
    const row = await db(ctx).$transaction(async (tx) => {
      const created = await tx.provider.create({
        data: {
          id: newId("prv"),
          workspaceId: ctx.workspaceId,
          name: data.name,
          kind: data.kind,
          baseUrl,
          settings: data.settings ?? {},
          secretId: data.secretId ?? null,
          isLocal,
          rpmLimit: data.rpmLimit ?? null,
          tpmLimit: data.tpmLimit ?? null,
          enabled: data.enabled,
        },
        include: providerInclude,
      });
      await recordAudit(
        ctx,
        {
          action: "provider.create",
          targetType: "provider",
          targetId: created.id,
          metadata: { name: created.name, kind: created.kind, baseUrl, secret: created.secret?.name ?? null, isLocal },
        },
        tx,
      );
      return created;
    });
    invalidateCatalogCache(ctx.workspaceId);
    return toProvider(row);
  } catch (error) {
    if (prismaCode(error) === "P2002") throw nameTaken(data.name);
    throw error;
  }
}

export async function updateProvider(ctx: TenantContext, id: string, patch: z.input<typeof updateProviderInputSchema>): Promise<ProviderOutput> {
  const data = updateProviderInputSchema.parse(patch);
  const before = await findProvider(ctx, id);
  if (before.kind === "simulator") {
    const others = (["name", "baseUrl", "secretId", "isLocal", "rpmLimit", "tpmLimit", "settings"] as const).filter((k) => data[k] !== undefined);
    if (others.length > 0) throw new AppError("BAD_REQUEST", "The simulator can only be enabled or disabled");
  }
  if (data.secretId) await assertSecretInWorkspace(ctx, data.secretId);
  const baseUrl = data.baseUrl === undefined ? before.baseUrl : data.baseUrl;
  if (KINDS_NEEDING_BASE_URL.includes(before.kind as ProviderKind) && !baseUrl) {
    throw new AppError("VALIDATION_FAILED", `${PROVIDER_KIND_LABELS[before.kind as ProviderKind]} needs a base URL`);
  }
  if (before.kind === "bedrock" && data.settings !== undefined && !data.settings.region) {
    throw new AppError("VALIDATION_FAILED", "Amazon Bedrock needs a region, e.g. us-east-1");
  }
  const changes: Prisma.ProviderUpdateInput = {
    ...(data.name !== undefined ? { name: data.name } : {}),
    ...(data.baseUrl !== undefined ? { baseUrl: data.baseUrl } : {}),
    ...(data.settings !== undefined ? { settings: data.settings } : {}),
    ...(data.secretId !== undefined ? { secret: data.secretId ? { connect: { id: data.secretId } } : { disconnect: true } } : {}),
    ...(data.isLocal !== undefined ? { isLocal: data.isLocal } : {}),
    ...(data.rpmLimit !== undefined ? { rpmLimit: data.rpmLimit } : {}),
    ...(data.tpmLimit !== undefined ? { tpmLimit: data.tpmLimit } : {}),
    ...(data.enabled !== undefined ? { enabled: data.enabled } : {}),
  };
  // a new address or key makes the last test meaningless
  const retest =
    data.baseUrl !== undefined || data.secretId !== undefined || data.settings !== undefined
      ? { lastTestedAt: null, lastTestOk: null, lastTestError: null }
      : {};
  try {
    const row = await db(ctx).$transaction(async (tx) => {
      const updated = await tx.provider.update({ where: inWorkspace(ctx, before.id), data: { ...changes, ...retest }, include: providerInclude });
      await recordAudit(
        ctx,
        {
          action: "provider.update",
          targetType: "provider",
          targetId: before.id,
          metadata: { name: updated.name, changes: { ...data, secretId: data.secretId === undefined ? undefined : (updated.secret?.name ?? null) } },
        },
        tx,
      );
      return updated;
    });
    invalidateCatalogCache(ctx.workspaceId);
    return toProvider(row);
  } catch (error) {
    if (prismaCode(error) === "P2002") throw nameTaken(data.name ?? before.name);
    throw error;
  }
}

/** Deletes a provider and its catalog models (usage history keeps their names). The simulator stays. */
export async function deleteProvider(ctx: TenantContext, id: string): Promise<{ deleted: true }> {
  const before = await findProvider(ctx, id);
  if (before.kind === "simulator") throw new AppError("BAD_REQUEST", "The simulator cannot be deleted: disable it instead");
  await db(ctx).$transaction(async (tx) => {
    // its models go with it: none may still be pinned
    const models = await tx.model.findMany({ where: { providerId: before.id, workspaceId: ctx.workspaceId }, select: { id: true } });
    const users = await modelUsers(
      tx,
      ctx.workspaceId,
      models.map((m) => m.id),
    );
    if (users.agents.length || users.runs.length) {
      throw new AppError("CONFLICT", `Provider "${before.name}" has models pinned by ${describeUsers(users)}`, users);
    }
    await tx.provider.delete({ where: inWorkspace(ctx, before.id) });
    await recordAudit(
      ctx,
      {
        action: "provider.delete",
        targetType: "provider",
        targetId: before.id,
        metadata: { name: before.name, kind: before.kind, models: before._count.models },
      },
      tx,
    );
  });
  invalidateCatalogCache(ctx.workspaceId);
  return { deleted: true as const };
}

/**
 * "Test connection": one real, tiny completion (at most 8 output tokens) against the provider, with its
 * key from the vault, through the egress guard. The outcome is stored on the provider (lastTestedAt / lastTestOk /
 * lastTestError), written to the ledger, and fed into the model's observed stats when the model is in the catalog.
 * A failure is classified (status class, unreachable, timed out, not a completion): no text the remote server wrote
 * is returned or stored. A destination the egress guard refuses is an EGRESS_REFUSED error (403) naming the rule,
 * recorded on the provider, and nothing is sent. With prices known, the call's worst case is reserved against the
 * monthly budget first (BUDGET_EXCEEDED when it does not fit) and its usage row settles it, as the gateway's calls are.
 */
export async function testConnection(
  ctx: TenantContext,
  providerId: string,
  modelId?: string,
  options: { timeoutMs?: number } = {},
): Promise<ProviderTestResult> {
  const provider = await findProvider(ctx, providerId);
  const catalogModel = modelId
    ? await db(ctx).model.findFirst({ where: { workspaceId: ctx.workspaceId, providerId: provider.id, modelId } })
    : await db(ctx).model.findFirst({
        where: { workspaceId: ctx.workspaceId, providerId: provider.id },
        orderBy: [{ enabled: "desc" }, { createdAt: "asc" }],
      });
  const target = modelId ?? catalogModel?.modelId ?? DEFAULT_TEST_MODEL[provider.kind as ProviderKind];
  if (!target) {
    throw new AppError(
      "BAD_REQUEST",
      `Add a model to this provider first (or name one to test with): ${provider.kind === "azure" ? "an Azure resource's models are its deployment names" : "an OpenAI-compatible server has no default model"}`,
    );
  }
  const timeoutMs = options.timeoutMs ?? TEST_TIMEOUT_MS;
  const prices = catalogModel ? { inputPrice: Number(catalogModel.inputPrice), outputPrice: Number(catalogModel.outputPrice) } : null;
  // a paid call like the gateway's: its worst case is reserved against the monthly budget (refused with
  // BUDGET_EXCEEDED when it does not fit) and settled by its usage row (server/ledger/reservations.ts)
  const reservation = prices ? await reserveBudget(ctx, { estimateUsd: testCallEstimateUsd(prices), ttlMs: timeoutMs }) : null;
  try {
    return await callForTest(ctx, { provider, target, catalogModel, prices, timeoutMs, reservation });
  } finally {
    // a usage row that was written settled it; anything else hands the estimate back
    if (reservation && !reservation.done) await releaseReservation(ctx, reservation);
  }
}

async function callForTest(
  ctx: TenantContext,
  call: {
    provider: ProviderRow;
    target: string;
    catalogModel: { id: string } | null;
    prices: { inputPrice: number; outputPrice: number } | null;
    timeoutMs: number;
    reservation: BudgetReservation | null;
  },
): Promise<ProviderTestResult> {
  const { provider, target, catalogModel, prices, timeoutMs, reservation } = call;

  let apiKey: string | undefined;
  const started = performance.now();
  let ok = false;
  let error: string | null = null;
  let reply: string | null = null;
  let usage = { inputTokens: 0, outputTokens: 0 };
  let timedOut = false;
  try {
    if (provider.secretId) apiKey = await revealSecret(ctx, provider.secretId, { purpose: `provider.test (${provider.name})` });
    const lists = await db(ctx).workspace.findFirst({ where: { id: ctx.workspaceId }, select: { egressAllowHosts: true, egressDenyHosts: true } });
    const egressLists = { allowHosts: lists?.egressAllowHosts ?? [], denyHosts: lists?.egressDenyHosts ?? [] };
    await loadProviderPackage(provider.kind);
    const model = createLanguageModel({ ...connectionOf(provider), egress: egressLists }, target, apiKey);
    const result = await generateText({
      model,
      prompt: TEST_PROMPT,
      maxOutputTokens: TEST_MAX_OUTPUT_TOKENS,
      maxRetries: 0,
      abortSignal: AbortSignal.timeout(timeoutMs),
    });
    ok = true;
    reply = result.text.slice(0, 200);
    usage = { inputTokens: result.usage.inputTokens ?? 0, outputTokens: result.usage.outputTokens ?? 0 };
  } catch (e) {
    if (isEgressError(e) && e.code === "EGRESS_REFUSED") {
      await db(ctx).provider.update({
        where: inWorkspace(ctx, provider.id),
        data: { lastTestedAt: new Date(), lastTestOk: false, lastTestError: e.message, updatedAt: provider.updatedAt },
        select: { id: true },
      });
      throw e;
    }
    timedOut = isTimeoutError(e) || (isEgressError(e) && e.rule === "timeout");
    if (isEgressError(e))
      error = e.rule === "timeout" ? classifyTestFailure(new DOMException("timeout", "TimeoutError"), { timeoutMs }) : "The answer was too large";
    else if (e instanceof AppError) error = e.exposeMessage ? e.message : "The provider's key could not be read from the vault";
    else error = classifyTestFailure(e, { baseUrl: provider.baseUrl, timeoutMs });
  }
  const latencyMs = Math.round(performance.now() - started);
  const testedAt = new Date();
  await db(ctx).provider.update({
    where: inWorkspace(ctx, provider.id),
    data: { lastTestedAt: testedAt, lastTestOk: ok, lastTestError: error, updatedAt: provider.updatedAt },
    select: { id: true },
  });
  const outcome = ok ? "ok" : timedOut ? "timeout" : "error";
  try {
    await recordUsage(ctx, {
      modelRef: catalogModel?.id,
      modelName: target,
      providerKind: provider.kind,
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      costUsd: prices ? costOf(prices, usage.inputTokens, usage.outputTokens) : 0,
      latencyMs,
      outcome,
      ...(error ? { error } : {}),
      reservation,
    });
    if (catalogModel) await recordModelObservation(ctx, catalogModel.id, { latencyMs, outcome, ...(error ? { error } : {}) });
  } catch (e) {
    logger.warn(
      { err: e instanceof Error ? e.message : String(e), providerId: provider.id, requestId: ctx.requestId },
      "provider test: could not record usage",
    );
  }
  return { ok, modelId: target, latencyMs, error, reply, testedAt };
}
