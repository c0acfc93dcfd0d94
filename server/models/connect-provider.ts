/**
 * Connecting a provider in one step, as the first-run setup and headless initialisation do: the API key is stored
 * in the vault, a provider is created on it, and the provider's current models that Cadre knows (prices and
 * capabilities; every model of a local OpenAI-compatible server, free) are added to the catalog, so the simulator
 * steps aside. Each part is audited as its own create.
 */
import { AppError } from "@/lib/errors";
import type { TenantContext } from "@/server/context";
import { db } from "@/server/db/client";
import type { ProviderOutput } from "@/lib/schemas/models";
import { connectProviderInputSchema, type QUICK_PROVIDER_KINDS } from "@/lib/schemas/connect-provider";
import { createSecret, deleteSecret } from "@/server/vault/service";
import { createProvider, deleteProvider } from "./providers";
import { addProviderModels, listProviderModels } from "./provider-models";

export type QuickProviderKind = (typeof QUICK_PROVIDER_KINDS)[number];

export const PROVIDER_LABELS: Record<QuickProviderKind, string> = {
  openai: "OpenAI",
  anthropic: "Anthropic",
  google: "Google Gemini",
  mistral: "Mistral",
  openai_compatible: "OpenAI-compatible server",
};

export interface ConnectProviderInput {
  kind: QuickProviderKind;
  apiKey?: string;
  baseUrl?: string;
}

export interface ConnectedProvider {
  provider: ProviderOutput;
  /** the model ids added to the catalog */
  models: string[];
  /** why the model list could not be read (only when the connection is kept anyway) */
  warning?: string;
}

/** A provider name not taken in the workspace yet ("OpenAI", "OpenAI 2", ...). */
export async function freeProviderName(ctx: TenantContext, base: string): Promise<string> {
  const taken = new Set((await db(ctx).provider.findMany({ where: { workspaceId: ctx.workspaceId }, select: { name: true } })).map((p) => p.name));
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base} ${i}`)) return `${base} ${i}`;
}

/**
 * Stores the key, creates the provider and adds its known current models. When the provider's model list cannot be
 * read (a refused key, an unreachable server): with `onListFailure: "undo"` the provider and the secret are removed
 * again and the error is thrown (nothing is left behind); with "keep" they stay and `warning` says why.
 */
export async function connectProvider(
  ctx: TenantContext,
  input: ConnectProviderInput,
  options: { secretName: string; secretDescription: string; onListFailure: "undo" | "keep" },
): Promise<ConnectedProvider> {
  const secret = input.apiKey ? await createSecret(ctx, { name: options.secretName, description: options.secretDescription, value: input.apiKey }) : null;
  let provider: ProviderOutput;
  try {
    provider = await createProvider(ctx, {
      name: await freeProviderName(ctx, PROVIDER_LABELS[input.kind]),
      kind: input.kind,
      ...(input.baseUrl ? { baseUrl: input.baseUrl } : {}),
      ...(secret ? { secretId: secret.id } : {}),
    });
  } catch (error) {
    if (secret) await deleteSecret(ctx, secret.id);
    throw error;
  }
  try {
    const available = await listProviderModels(ctx, provider.id);
    const free = input.kind === "openai_compatible" && provider.isLocal;
    const chosen = available.models.filter((m) => !m.inCatalog && (m.known ? !m.known.deprecatedAt && !m.known.retiredAt : free));
    if (chosen.length === 0) return { provider, models: [] };
    const { added } = await addProviderModels(ctx, provider.id, {
      models: chosen.map((m) => (m.known ? { modelId: m.modelId } : { modelId: m.modelId, inputPrice: 0, outputPrice: 0 })),
    });
    return { provider, models: added.map((m) => m.modelId) };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    if (options.onListFailure === "keep") return { provider, models: [], warning: error.message };
    await deleteProvider(ctx, provider.id);
    if (secret) await deleteSecret(ctx, secret.id);
    throw error;
  }
}

const SECRET_NAMES: Record<QuickProviderKind, string> = {
  openai: "OPENAI_API_KEY",
  anthropic: "ANTHROPIC_API_KEY",
  google: "GOOGLE_API_KEY",
  mistral: "MISTRAL_API_KEY",
  openai_compatible: "OPENAI_COMPATIBLE_API_KEY",
};

async function freeSecretName(ctx: TenantContext, base: string): Promise<string> {
  const taken = new Set(
    (await db(ctx).secret.findMany({ where: { workspaceId: ctx.workspaceId, name: { startsWith: base } }, select: { name: true } })).map((s) => s.name),
  );
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}_${i}`)) return `${base}_${i}`;
}

/**
 * The first-run setup's connection (tRPC `providers.connect`, `POST /api/v1/providers/connect`): a key that the
 * provider refuses, or a server that cannot be reached, leaves nothing behind.
 */
export async function quickConnectProvider(ctx: TenantContext, input: unknown): Promise<Omit<ConnectedProvider, "warning">> {
  if (!ctx.permissions.has("models:manage") || !ctx.permissions.has("secrets:create")) {
    throw new AppError("FORBIDDEN", "Connecting a provider needs models:manage and secrets:create");
  }
  const data = connectProviderInputSchema.parse(input);
  const secretName = await freeSecretName(ctx, SECRET_NAMES[data.kind]);
  const { provider, models } = await connectProvider(ctx, data, {
    secretName,
    secretDescription: `${PROVIDER_LABELS[data.kind]} API key, stored by the setup`,
    onListFailure: "undo",
  });
  return { provider, models };
}
