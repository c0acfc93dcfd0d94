/**
 * Providers from the environment, for self-hosters (headless initialisation): `CADRE_INIT_OPENAI_API_KEY` and the
 * like are stored once in the vault of the headless-init workspace, a provider is created on them, and the provider's
 * current models that Cadre knows (prices, capabilities) are added to the catalog, so the simulator steps aside at
 * once. The vault secret named after the variable marks it as done: later starts leave it alone (the value in the
 * environment is never read again; it can be removed), also when the provider was renamed or deleted since.
 */
import { logger } from "@/server/logger";
import type { TenantContext } from "@/server/context";
import { db } from "@/server/db/client";
import type { ProviderKind } from "@/lib/schemas/models";
import { connectProvider, PROVIDER_LABELS } from "@/server/models/connect-provider";

export type InitProviderKind = Extract<ProviderKind, "openai" | "anthropic" | "google" | "mistral" | "openai_compatible">;

export interface InitProvider {
  kind: InitProviderKind;
  apiKey?: string;
  baseUrl?: string;
}

/** The environment variable of each kind's key (the provider's name is connect-provider's PROVIDER_LABELS). */
const LABEL: Record<InitProviderKind, { name: string; variable: string }> = {
  openai: { name: PROVIDER_LABELS.openai, variable: "CADRE_INIT_OPENAI_API_KEY" },
  anthropic: { name: PROVIDER_LABELS.anthropic, variable: "CADRE_INIT_ANTHROPIC_API_KEY" },
  google: { name: PROVIDER_LABELS.google, variable: "CADRE_INIT_GOOGLE_API_KEY" },
  mistral: { name: PROVIDER_LABELS.mistral, variable: "CADRE_INIT_MISTRAL_API_KEY" },
  openai_compatible: { name: PROVIDER_LABELS.openai_compatible, variable: "CADRE_INIT_OPENAI_COMPATIBLE_API_KEY" },
};

/** The providers the environment names (a key, or for an OpenAI-compatible server its base URL). */
export function initProvidersFromEnv(environment: Record<string, string | undefined>): InitProvider[] {
  const value = (name: string) => environment[name]?.trim() || undefined;
  const found: InitProvider[] = [];
  for (const kind of ["openai", "anthropic", "google", "mistral"] as const) {
    const apiKey = value(LABEL[kind].variable);
    const baseUrl = value(`CADRE_INIT_${kind.toUpperCase()}_BASE_URL`);
    if (apiKey) found.push({ kind, apiKey, ...(baseUrl ? { baseUrl } : {}) });
  }
  const compatibleUrl = value("CADRE_INIT_OPENAI_COMPATIBLE_BASE_URL");
  const compatibleKey = value(LABEL.openai_compatible.variable);
  if (compatibleUrl) found.push({ kind: "openai_compatible", baseUrl: compatibleUrl, ...(compatibleKey ? { apiKey: compatibleKey } : {}) });
  return found;
}

export interface InitProviderResult {
  kind: InitProviderKind;
  status: "created" | "exists";
  provider?: string;
  models: number;
  /** why the model list could not be read (the provider stays; models can be added in the app) */
  warning?: string;
}

/** Whether this provider was set up from the environment before: its vault secret, or (keyless) its connection. */
async function alreadyDone(ctx: TenantContext, p: InitProvider): Promise<boolean> {
  if (p.apiKey) return (await db(ctx).secret.count({ where: { workspaceId: ctx.workspaceId, name: LABEL[p.kind].variable } })) > 0;
  return (await db(ctx).provider.count({ where: { workspaceId: ctx.workspaceId, kind: p.kind, baseUrl: p.baseUrl ?? null } })) > 0;
}

/** Sets up each provider once (see the header); a failing model list is a warning, not a failed start. */
export async function initialiseProviders(ctx: TenantContext, providers: InitProvider[]): Promise<InitProviderResult[]> {
  const results: InitProviderResult[] = [];
  for (const p of providers) {
    const label = LABEL[p.kind];
    if (await alreadyDone(ctx, p)) {
      results.push({ kind: p.kind, status: "exists", models: 0 });
      continue;
    }
    const { provider, models, warning } = await connectProvider(ctx, p, {
      secretName: label.variable,
      secretDescription: `${label.name} API key, stored from the environment at start-up`,
      onListFailure: "keep",
    });
    results.push({ kind: p.kind, status: "created", provider: provider.name, models: models.length, ...(warning ? { warning } : {}) });
    if (warning) logger.warn({ provider: provider.name, reason: warning }, "headless init: the provider's models could not be listed; add them in the app");
  }
  return results;
}
