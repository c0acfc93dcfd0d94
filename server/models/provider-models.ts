/**
 * A provider's available models: its own model list (OpenAI, OpenAI-compatible servers, Anthropic, Gemini API,
 * Mistral), read with its key through the egress guard, each matched with what Cadre knows of it (prices, context
 * window, capabilities); for a kind without a list to read (Azure deployments, Bedrock, Vertex, the simulator),
 * Cadre's known models of that kind. `addProviderModels` puts chosen ones into the catalog in one transaction.
 */
import type { z } from "zod";
import { db } from "@/server/db/client";
import { AppError } from "@/lib/errors";
import type { TenantContext } from "@/server/context";
import { revealSecret } from "@/server/vault/service";
import { egress, isEgressError } from "@/server/egress";
import { prismaCode } from "@/server/db/errors";
import { addProviderModelsInputSchema, createModelInputSchema, type ModelOutput, type ProviderKind, type ProviderModels } from "@/lib/schemas/models";
import { knownModels, suggestModel } from "./known-models";
import { insertModel, newModelRow, toModel } from "./catalog";
import { invalidateCatalogCache } from "./catalog-cache";
import { findProvider } from "./providers";
import { parseModelList, modelListRequest } from "./provider-model-list";

const LIST_TIMEOUT_MS = 15_000;
const LIST_MAX_BYTES = 4 * 1024 * 1024;

/** The ids a provider's model list names, read with its key (null: this kind has no list to read). */
async function readModelList(ctx: TenantContext, provider: Awaited<ReturnType<typeof findProvider>>): Promise<{ id: string; name: string }[] | null> {
  const apiKey = provider.secretId ? await revealSecret(ctx, provider.secretId, { purpose: `provider.models (${provider.name})` }) : undefined;
  const request = modelListRequest({ kind: provider.kind as ProviderKind, baseUrl: provider.baseUrl }, apiKey);
  if (!request) return null;
  const lists = await db(ctx).workspace.findFirst({ where: { id: ctx.workspaceId }, select: { egressAllowHosts: true, egressDenyHosts: true } });
  const workspace = { allowHosts: lists?.egressAllowHosts ?? [], denyHosts: lists?.egressDenyHosts ?? [] };
  const host = new URL(request.url).host;
  let response: Response;
  try {
    response = await egress().fetch(request.url, { headers: request.headers }, { timeoutMs: LIST_TIMEOUT_MS, maxResponseBytes: LIST_MAX_BYTES, workspace });
  } catch (error) {
    if (isEgressError(error) && error.code === "EGRESS_REFUSED") throw error;
    if (isEgressError(error) && error.rule === "timeout")
      throw new AppError("UPSTREAM_ERROR", `${host} did not list its models within ${LIST_TIMEOUT_MS / 1000} s`);
    if (isEgressError(error)) throw new AppError("UPSTREAM_ERROR", `${host}'s model list is too large to read`);
    throw new AppError("UPSTREAM_ERROR", `Could not connect to ${host} to list its models`);
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    const refused = response.status === 401 || response.status === 403;
    throw new AppError(
      "UPSTREAM_ERROR",
      refused ? `${host} refused the provider's key (${response.status})` : `${host} answered ${response.status} when asked for its models`,
    );
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new AppError("UPSTREAM_ERROR", `${host}'s model list is not JSON`);
  }
  const models = parseModelList(provider.kind as ProviderKind, body);
  if (!models) throw new AppError("UPSTREAM_ERROR", `${host}'s model list is not in the expected form`);
  return models;
}

/** The models a provider offers, with what Cadre knows of each and whether the catalog has it already. */
export async function listProviderModels(ctx: TenantContext, providerId: string): Promise<ProviderModels> {
  const provider = await findProvider(ctx, providerId);
  const kind = provider.kind as ProviderKind;
  const listed = await readModelList(ctx, provider);
  const inCatalog = new Set(
    (await db(ctx).model.findMany({ where: { workspaceId: ctx.workspaceId, providerId: provider.id }, select: { modelId: true } })).map((m) => m.modelId),
  );
  const entries = listed
    ? listed.map(({ id, name }) => ({ modelId: id, displayName: name, known: suggestModel(kind, id) }))
    : knownModels(kind).map((k) => ({ modelId: k.modelId, displayName: k.displayName, known: k }));
  const models = entries
    .map((m) => ({ ...m, displayName: m.known?.displayName ?? m.displayName, inCatalog: inCatalog.has(m.modelId) }))
    // known models first, then by id
    .sort((a, b) => Number(!a.known) - Number(!b.known) || a.modelId.localeCompare(b.modelId));
  return { source: listed ? "provider" : "known", models };
}

/**
 * Adds chosen models of a provider to the catalog, prefilled for known ones (an unknown one needs its prices), all
 * or none; ids already in the catalog are skipped.
 */
export async function addProviderModels(
  ctx: TenantContext,
  providerId: string,
  input: z.input<typeof addProviderModelsInputSchema>,
): Promise<{ added: ModelOutput[]; skipped: string[] }> {
  const data = addProviderModelsInputSchema.parse(input);
  const provider = await findProvider(ctx, providerId);
  const wanted = [...new Map(data.models.map((m) => [m.modelId, m])).values()];
  const existing = new Set(
    (
      await db(ctx).model.findMany({
        where: { workspaceId: ctx.workspaceId, providerId: provider.id, modelId: { in: wanted.map((m) => m.modelId) } },
        select: { modelId: true },
      })
    ).map((m) => m.modelId),
  );
  const fresh = wanted.filter((m) => !existing.has(m.modelId));
  const problems: { path: string; message: string }[] = [];
  const rows = fresh.flatMap((m) => {
    try {
      return [newModelRow(ctx, provider, createModelInputSchema.parse({ providerId: provider.id, ...m }))];
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      problems.push({ path: `models.${data.models.findIndex((x) => x.modelId === m.modelId)}.inputPrice`, message: error.message });
      return [];
    }
  });
  if (problems.length) {
    throw new AppError("VALIDATION_FAILED", problems.map((p) => p.message).join("; "), { issues: problems });
  }
  try {
    const added = await db(ctx).$transaction(async (tx) => {
      const created = [];
      for (const values of rows) created.push(await insertModel(ctx, tx, provider.name, values, "provider list"));
      return created;
    });
    invalidateCatalogCache(ctx.workspaceId);
    return { added: added.map(toModel), skipped: wanted.filter((m) => existing.has(m.modelId)).map((m) => m.modelId) };
  } catch (error) {
    if (prismaCode(error) === "P2002") throw new AppError("CONFLICT", `A chosen model was added to ${provider.name} meanwhile: list the models again`);
    throw error;
  }
}
