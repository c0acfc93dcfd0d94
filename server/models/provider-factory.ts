/**
 * Turns a provider connection (a row of the catalog plus its decrypted key) into AI SDK models.
 * This is the only place that knows the provider packages; everything else speaks `LanguageModelV4`.
 */
import type { EmbeddingModelV4, LanguageModelV4 } from "@ai-sdk/provider";
import { createOpenAI } from "@ai-sdk/openai";
import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import type { GoogleVertexProviderSettings } from "@ai-sdk/google-vertex";
import { AppError } from "@/lib/errors";
import type { ProviderKind, ProviderSettings } from "@/lib/schemas/models";
import { awsKeysOf, serviceAccountOf, serviceAccountToken } from "./cloud-credentials";
import { egress, type WorkspaceEgressLists } from "@/server/egress";
import { createSimulatorEmbeddingModel, createSimulatorModel } from "./simulator";
import { injectTraceHeaders, tracingActive } from "@/server/observability/tracing";

/**
 * The cloud providers' packages (Azure, Bedrock, Gemini, Vertex, Mistral) load at the first use of their kind
 * (`loadProviderPackage`), not with the server: together with the Google and AWS auth libraries they pull in, they
 * are about 20 MB of a server's idle memory that a workspace without such a provider never needs.
 */
const cloudPackages = {
  azure: () => import("@ai-sdk/azure"),
  bedrock: () => import("@ai-sdk/amazon-bedrock"),
  google: () => import("@ai-sdk/google"),
  vertex: () => import("@ai-sdk/google-vertex"),
  mistral: () => import("@ai-sdk/mistral"),
};
type CloudKind = keyof typeof cloudPackages;
type CloudPackage<K extends CloudKind> = Awaited<ReturnType<(typeof cloudPackages)[K]>>;
const loadedPackages: { [K in CloudKind]?: CloudPackage<K> } = {};

const isCloudKind = (kind: string): kind is CloudKind => Object.hasOwn(cloudPackages, kind);

/** Loads the package a provider kind needs (once per process); the models of that kind can be created after it. */
export async function loadProviderPackage(kind: ProviderKind | string): Promise<void> {
  if (!isCloudKind(kind) || loadedPackages[kind]) return;
  (loadedPackages as Record<CloudKind, unknown>)[kind] = await cloudPackages[kind]();
}

function cloudPackage<K extends CloudKind>(kind: K): CloudPackage<K> {
  const loaded = loadedPackages[kind] as CloudPackage<K> | undefined;
  if (!loaded) throw new AppError("INTERNAL", `The ${kind} provider package is not loaded (loadProviderPackage first)`);
  return loaded;
}

export type { ProviderKind };

export interface ProviderConnection {
  id: string;
  kind: ProviderKind;
  name: string;
  baseUrl: string | null;
  /** a routing label (local first / local only); it opens nothing: private addresses need CADRE_EGRESS_ALLOW */
  isLocal: boolean;
  /** the kind's non-secret settings (Azure apiVersion, Bedrock region, Vertex project and location) */
  settings?: ProviderSettings | null;
  /** the workspace's egress allow/deny lists, which narrow what the guard lets through */
  egress?: WorkspaceEgressLists | null;
}

/** Bounds of one model call through the egress guard: the caller's own timeout (gateway, test) is usually shorter. */
export const MODEL_CALL_MAX_MS = 10 * 60_000;
export const MODEL_CALL_MAX_BYTES = 32 * 1024 * 1024;

/**
 * Every provider package gets the egress guard's fetch: its requests are checked, pinned to the checked address,
 * re-checked on redirects and bounded. Streaming answers stream through it (the size bound is counted as they arrive).
 */
/** W3C `traceparent` of the active span on the provider request (tracing on only; nothing is added otherwise). */
function withTraceHeaders(input: Parameters<typeof fetch>[0], init: RequestInit | undefined): RequestInit | undefined {
  if (!tracingActive()) return init;
  const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
  injectTraceHeaders(headers);
  return { ...init, headers };
}

function guardedFetch(provider: ProviderConnection): typeof fetch {
  const options = { timeoutMs: MODEL_CALL_MAX_MS, maxResponseBytes: MODEL_CALL_MAX_BYTES, workspace: provider.egress ?? null };
  // the guard is looked up per request: a model kept in the keyless cache follows the current guard
  return ((input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) =>
    egress().fetchWith(options)(input, withTraceHeaders(input, init))) as typeof fetch;
}

/** The AI SDK's provider name for an OpenAI-compatible endpoint: a slug of the connection's name. */
function compatibleName(provider: ProviderConnection): string {
  const slug = provider.name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return slug || "openai-compatible";
}

/**
 * The key to hand to a cloud provider package. Never undefined: the packages would otherwise fall back to
 * OPENAI_API_KEY / ANTHROPIC_API_KEY from the server's environment, and one workspace must never spend
 * another's (or the operator's) key. A keyless connection only makes sense with a base URL (a local gateway).
 */
function keyFor(provider: ProviderConnection, apiKey: string | undefined): string {
  if (apiKey) return apiKey;
  if (provider.baseUrl) return "";
  throw new AppError("BAD_REQUEST", `The provider "${provider.name}" has no API key: pick a vault secret for it`);
}

function trimmedBaseUrl(provider: ProviderConnection): string | undefined {
  return provider.baseUrl ? provider.baseUrl.replace(/\/+$/, "") : undefined;
}

/**
 * Azure OpenAI: the model id is the deployment name. A dated api-version calls
 * {base}/deployments/{deployment}/chat/completions?api-version=…; none (or "v1") calls the v1 API. The key goes in the
 * api-key header.
 */
function azureProvider(provider: ProviderConnection, apiKey: string | undefined) {
  const baseURL = trimmedBaseUrl(provider);
  if (!baseURL) throw new AppError("BAD_REQUEST", `The provider "${provider.name}" has no base URL (https://<resource>.openai.azure.com/openai)`);
  // the base URL is always given here, so it cannot stand for a keyless local server
  if (!apiKey) throw new AppError("BAD_REQUEST", `The provider "${provider.name}" has no API key: pick a vault secret for it`);
  const apiVersion = provider.settings?.apiVersion;
  return cloudPackage("azure").createAzure({
    apiKey,
    baseURL,
    ...(apiVersion && apiVersion !== "v1" ? { apiVersion, useDeploymentBasedUrls: true } : {}),
    fetch: guardedFetch(provider),
  });
}

/**
 * Amazon Bedrock (the Converse API). The key is either JSON with an access key pair (signed with SigV4 here, no
 * network) or a Bedrock API key. The base URL, region and credentials are always given, so nothing is read from the
 * server's AWS_* environment.
 */
function bedrockProvider(provider: ProviderConnection, apiKey: string | undefined) {
  const region = provider.settings?.region;
  if (!region) throw new AppError("BAD_REQUEST", `The provider "${provider.name}" has no AWS region`);
  if (!apiKey) throw new AppError("BAD_REQUEST", `The provider "${provider.name}" has no credentials: pick a vault secret for it`);
  const keys = awsKeysOf(apiKey, provider.name);
  const baseURL = trimmedBaseUrl(provider) ?? `https://bedrock-runtime.${region}.amazonaws.com`;
  return cloudPackage("bedrock").createAmazonBedrock({
    region,
    baseURL,
    // a blank API key turns off the AWS_BEARER_TOKEN_BEDROCK fallback and selects SigV4 with our credentials
    ...(keys ? { apiKey: " ", credentialProvider: async () => keys } : { apiKey }),
    fetch: guardedFetch(provider),
  });
}

/**
 * Google Vertex AI. The key is either a service-account key file (its access token is fetched through the egress
 * guard, see ./cloud-credentials.ts; project and location are needed) or an express-mode API key.
 */
function vertexProvider(provider: ProviderConnection, apiKey: string | undefined) {
  if (!apiKey) throw new AppError("BAD_REQUEST", `The provider "${provider.name}" has no key: pick a vault secret for it`);
  const fetchFn = guardedFetch(provider);
  const baseURL = trimmedBaseUrl(provider);
  const account = serviceAccountOf(apiKey, provider.name);
  if (!account) return cloudPackage("vertex").createVertex({ apiKey, ...(baseURL ? { baseURL } : {}), fetch: fetchFn });
  const project = provider.settings?.project ?? account.projectId;
  const location = provider.settings?.location;
  if (!project || !location) throw new AppError("BAD_REQUEST", `The provider "${provider.name}" needs a Google Cloud project and location`);
  // google-auth-library is handed a client that only returns our token: it makes no request of its own
  const authClient = { getAccessToken: async () => ({ token: await serviceAccountToken(account, fetchFn, provider.name) }) } as unknown as AuthClient;
  // apiKey "" keeps GOOGLE_VERTEX_API_KEY of the server's environment out
  return cloudPackage("vertex").createVertex({
    apiKey: "",
    project,
    location,
    ...(baseURL ? { baseURL } : {}),
    googleAuthOptions: { authClient },
    fetch: fetchFn,
  });
}

type AuthClient = NonNullable<NonNullable<GoogleVertexProviderSettings["googleAuthOptions"]>["authClient"]>;

/** A language model for one provider + model id. apiKey is the decrypted key (undefined for simulator / keyless local servers). */
export function createLanguageModel(provider: ProviderConnection, modelId: string, apiKey: string | undefined): LanguageModelV4 {
  switch (provider.kind) {
    case "azure":
      return azureProvider(provider, apiKey).chat(modelId);
    case "bedrock":
      return bedrockProvider(provider, apiKey).languageModel(modelId);
    case "google":
      return cloudPackage("google")
        .createGoogleGenerativeAI({ apiKey: keyFor(provider, apiKey), baseURL: trimmedBaseUrl(provider), fetch: guardedFetch(provider) })
        .languageModel(modelId);
    case "vertex":
      return vertexProvider(provider, apiKey).languageModel(modelId);
    case "mistral":
      return cloudPackage("mistral")
        .createMistral({ apiKey: keyFor(provider, apiKey), baseURL: trimmedBaseUrl(provider), fetch: guardedFetch(provider) })
        .languageModel(modelId);
    case "simulator":
      return createSimulatorModel(modelId);
    case "openai":
      // the Chat Completions API: what every OpenAI model and every OpenAI-style gateway serves
      return createOpenAI({ apiKey: keyFor(provider, apiKey), baseURL: trimmedBaseUrl(provider), fetch: guardedFetch(provider) }).chat(modelId);
    case "anthropic":
      return createAnthropic({ apiKey: keyFor(provider, apiKey), baseURL: trimmedBaseUrl(provider), fetch: guardedFetch(provider) }).languageModel(modelId);
    case "openai_compatible": {
      const baseURL = trimmedBaseUrl(provider);
      if (!baseURL) throw new AppError("BAD_REQUEST", `The provider "${provider.name}" has no base URL`);
      return createOpenAICompatible({
        name: compatibleName(provider),
        baseURL,
        apiKey: apiKey || undefined,
        includeUsage: true,
        supportsStructuredOutputs: true,
        fetch: guardedFetch(provider),
      }).chatModel(modelId);
    }
    default: {
      const kind: never = provider.kind;
      throw new AppError("BAD_REQUEST", `Unknown provider kind ${String(kind)}`);
    }
  }
}

/**
 * Keyless models (the simulator, local OpenAI-compatible servers without a key), kept per process: building an
 * OpenAI-compatible chat model compiles its response schemas (~0.25 ms), which the gateway would pay on every call.
 * The cache key is everything the model is built from, so an edited provider simply gets a new entry. Models built
 * with a key are never kept: a decrypted key lives only for the call that needed it.
 */
const keylessModels = new Map<string, LanguageModelV4>();
const MAX_KEYLESS_MODELS = 1_000;

/** `createLanguageModel`, reusing the model of a keyless connection (see above); with a key, a fresh model each time. */
export function languageModelFor(provider: ProviderConnection, modelId: string, apiKey: string | undefined): LanguageModelV4 {
  if (apiKey) return createLanguageModel(provider, modelId, apiKey);
  const key = JSON.stringify([provider.id, provider.kind, provider.name, provider.baseUrl, provider.settings ?? null, modelId, provider.egress ?? null]);
  let model = keylessModels.get(key);
  if (!model) {
    model = createLanguageModel(provider, modelId, undefined);
    if (keylessModels.size >= MAX_KEYLESS_MODELS) keylessModels.clear();
    keylessModels.set(key, model);
  }
  return model;
}

/** An embedding model where the provider has one (every kind but Anthropic). */
export function createEmbeddingModel(provider: ProviderConnection, modelId: string, apiKey: string | undefined): EmbeddingModelV4 {
  switch (provider.kind) {
    case "simulator":
      return createSimulatorEmbeddingModel(modelId);
    case "openai":
      return createOpenAI({ apiKey: keyFor(provider, apiKey), baseURL: trimmedBaseUrl(provider), fetch: guardedFetch(provider) }).embeddingModel(modelId);
    case "openai_compatible": {
      const baseURL = trimmedBaseUrl(provider);
      if (!baseURL) throw new AppError("BAD_REQUEST", `The provider "${provider.name}" has no base URL`);
      return createOpenAICompatible({ name: compatibleName(provider), baseURL, apiKey: apiKey || undefined, fetch: guardedFetch(provider) }).embeddingModel(
        modelId,
      );
    }
    case "azure":
      return azureProvider(provider, apiKey).embeddingModel(modelId);
    case "bedrock":
      return bedrockProvider(provider, apiKey).embeddingModel(modelId);
    case "google":
      return cloudPackage("google")
        .createGoogleGenerativeAI({ apiKey: keyFor(provider, apiKey), baseURL: trimmedBaseUrl(provider), fetch: guardedFetch(provider) })
        .embeddingModel(modelId);
    case "vertex":
      return vertexProvider(provider, apiKey).embeddingModel(modelId);
    case "mistral":
      return cloudPackage("mistral")
        .createMistral({ apiKey: keyFor(provider, apiKey), baseURL: trimmedBaseUrl(provider), fetch: guardedFetch(provider) })
        .embeddingModel(modelId);
    case "anthropic":
      throw new AppError("BAD_REQUEST", "Anthropic has no embedding models: use OpenAI, an OpenAI-compatible server or the simulator");
    default: {
      const kind: never = provider.kind;
      throw new AppError("BAD_REQUEST", `Unknown provider kind ${String(kind)}`);
    }
  }
}
