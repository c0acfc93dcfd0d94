import { z } from "zod";
import { displayName, text } from "./text";
import { capabilitySchema } from "./model-policy";
import { idSchema, paginationShape } from "./common";

// ---------------------------------------------------------------------------------------------------
// Providers

export const PROVIDER_KINDS = ["simulator", "openai", "anthropic", "openai_compatible", "azure", "bedrock", "google", "vertex", "mistral"] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];
export const providerKindSchema = z.enum(PROVIDER_KINDS).meta({ id: "ProviderKind", description: "simulator is built in (one per workspace, offline)" });

/** The kinds a person can add (the simulator comes with every workspace). */
export const CREATABLE_PROVIDER_KINDS = ["openai", "anthropic", "openai_compatible", "azure", "bedrock", "google", "vertex", "mistral"] as const;
export const creatableProviderKindSchema = z.enum(CREATABLE_PROVIDER_KINDS);

export const PROVIDER_KIND_LABELS: Record<ProviderKind, string> = {
  simulator: "Simulator",
  openai: "OpenAI",
  anthropic: "Anthropic",
  openai_compatible: "OpenAI-compatible",
  azure: "Azure OpenAI",
  bedrock: "Amazon Bedrock",
  google: "Google Gemini API",
  vertex: "Google Vertex AI",
  mistral: "Mistral",
};

/** Kinds whose connection needs a base URL (the endpoint of the server or resource). */
export const KINDS_NEEDING_BASE_URL: readonly ProviderKind[] = ["openai_compatible", "azure"];

/**
 * The non-secret settings of a connection, per kind (the key stays in the vault):
 * - azure: `apiVersion` (a dated version such as 2024-10-21 calls /deployments/{deployment}/…?api-version=…; none or
 *   "v1" calls the v1 API); the catalog's model ids are the deployment names
 * - bedrock: `region` (e.g. us-east-1); the base URL defaults to https://bedrock-runtime.{region}.amazonaws.com
 * - vertex: `project` and `location` (e.g. us-central1), needed with a service-account key (not with an express-mode API key)
 */
export const providerSettingsSchema = z
  .strictObject({
    apiVersion: text()
      .trim()
      .regex(/^(v1|\d{4}-\d{2}-\d{2}(-preview)?)$/, "An api-version is v1 or a date such as 2024-10-21")
      .optional(),
    region: text()
      .trim()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "An AWS region looks like us-east-1")
      .optional(),
    project: text()
      .trim()
      .regex(/^[a-z][a-z0-9-]{4,61}[a-z0-9]$/, "A Google Cloud project id: 6-30 lowercase letters, digits and hyphens")
      .optional(),
    location: text()
      .trim()
      .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "A Google Cloud location looks like us-central1 or global")
      .optional(),
  })
  .meta({ id: "ProviderSettings", description: "Non-secret connection settings: azure apiVersion, bedrock region, vertex project and location" });
export type ProviderSettings = z.infer<typeof providerSettingsSchema>;

/** A provider row's settings column, read leniently (a value that no longer parses counts as none). */
export function settingsOf(value: unknown): ProviderSettings {
  const parsed = providerSettingsSchema.safeParse(value ?? {});
  return parsed.success ? parsed.data : {};
}

export const providerIdSchema = idSchema("prv");
export const modelRowIdSchema = idSchema("mdl");

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname.length > 0 && !url.username && !url.password;
  } catch {
    return false;
  }
}

export const baseUrlSchema = text()
  .trim()
  .max(500, "A base URL has at most 500 characters")
  .refine(isHttpUrl, "Enter an http(s) URL without credentials, e.g. http://localhost:11434/v1")
  .transform((v) => v.replace(/\/+$/, ""))
  .describe("The API's base URL, e.g. http://localhost:11434/v1 (Ollama) or https://openrouter.ai/api/v1");

export const providerNameSchema = displayName().trim().min(1, "Enter a name").max(80, "A name has at most 80 characters");

/** Optional shared rate limits of a provider connection (all runs and processes of the workspace together). */
export const rpmLimitSchema = z.number().int().min(1).max(1_000_000).describe("Requests per minute this connection may send; null: no limit");
export const tpmLimitSchema = z
  .number()
  .int()
  .min(1)
  .max(1_000_000_000)
  .describe("Tokens per minute (prompt estimate + maximum output per call) this connection may use; null: no limit");

export const createProviderInputSchema = z
  .strictObject({
    name: providerNameSchema,
    kind: creatableProviderKindSchema,
    baseUrl: baseUrlSchema
      .nullish()
      .describe("Required for openai_compatible and azure (https://<resource>.openai.azure.com/openai); optional for the others (a proxy, or a test server)"),
    settings: providerSettingsSchema.optional(),
    secretId: idSchema("sec").nullish().describe("The vault secret holding the API key"),
    isLocal: z.boolean().optional().describe("Runs on infrastructure you control. Default: true for localhost and private addresses"),
    rpmLimit: rpmLimitSchema.nullish(),
    tpmLimit: tpmLimitSchema.nullish(),
    enabled: z.boolean().default(true),
  })
  .superRefine((p, issue) => {
    if (p.kind === "openai_compatible" && !p.baseUrl) {
      issue.addIssue({ code: "custom", path: ["baseUrl"], message: "An OpenAI-compatible provider needs a base URL" });
    }
    if (p.kind === "azure" && !p.baseUrl) {
      issue.addIssue({
        code: "custom",
        path: ["baseUrl"],
        message: "Azure OpenAI needs its resource's base URL, e.g. https://my-resource.openai.azure.com/openai",
      });
    }
    if (p.kind === "bedrock" && !p.settings?.region) {
      issue.addIssue({ code: "custom", path: ["settings", "region"], message: "Amazon Bedrock needs a region, e.g. us-east-1" });
    }
  });

const providerPatchShape = {
  name: providerNameSchema.optional(),
  baseUrl: baseUrlSchema.nullish(),
  settings: providerSettingsSchema.optional().describe("Replaces the connection settings"),
  secretId: idSchema("sec").nullish().describe("null removes the key"),
  isLocal: z.boolean().optional(),
  rpmLimit: rpmLimitSchema.nullish().describe("null removes the limit"),
  tpmLimit: tpmLimitSchema.nullish().describe("null removes the limit"),
  enabled: z.boolean().optional(),
};
type ProviderPatch = { [K in keyof typeof providerPatchShape]?: unknown };
const changesProvider = (p: ProviderPatch) => Object.keys(providerPatchShape).some((k) => p[k as keyof ProviderPatch] !== undefined);
const NOTHING_TO_CHANGE = "Nothing to change";

/** REST body of PATCH /api/v1/providers/{providerId}. */
export const updateProviderInputSchema = z.strictObject(providerPatchShape).refine(changesProvider, NOTHING_TO_CHANGE);
/** tRPC input of providers.update. */
export const updateProviderWithIdInputSchema = z
  .strictObject({ providerId: providerIdSchema, ...providerPatchShape })
  .refine(changesProvider, NOTHING_TO_CHANGE);

export const providerSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: providerKindSchema,
    baseUrl: z.string().nullable(),
    settings: providerSettingsSchema,
    secretId: z.string().nullable(),
    secretName: z.string().nullable().describe("Name of the vault secret with the key (never the key)"),
    isLocal: z.boolean(),
    rpmLimit: z.number().int().nullable().describe("Requests per minute shared by all runs; null: no limit"),
    tpmLimit: z.number().int().nullable().describe("Tokens per minute shared by all runs; null: no limit"),
    enabled: z.boolean(),
    isSimulator: z.boolean().describe("The built-in offline simulator: deterministic, no real model"),
    modelCount: z.number().int(),
    lastTestedAt: z.date().nullable(),
    lastTestOk: z.boolean().nullable(),
    lastTestError: z.string().nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: "Provider", description: "A model provider connection. Its key is a vault secret reference; no key material is ever returned." });
export type ProviderOutput = z.infer<typeof providerSchema>;

export const testProviderInputSchema = z.strictObject({
  modelId: text().trim().min(1).max(200).optional().describe("The provider's model id to call; default: the provider's first catalog model"),
});

export const providerTestResultSchema = z
  .object({
    ok: z.boolean(),
    modelId: z.string().nullable(),
    latencyMs: z.number().int(),
    error: z
      .string()
      .nullable()
      .describe("What went wrong, classified (status class, unreachable, timed out, not a completion): never the remote server's text, never the key"),
    reply: z.string().nullable().describe("The start of the model's reply"),
    testedAt: z.date(),
  })
  .meta({ id: "ProviderTestResult" });
export type ProviderTestResult = z.infer<typeof providerTestResultSchema>;

// ---------------------------------------------------------------------------------------------------
// Models

export const modelIdSchema = text().trim().min(1, "Enter the provider's model id").max(200).describe("The provider's own model id, e.g. gpt-4o-mini");
const priceSchema = z.number().min(0, "A price cannot be negative").max(100_000).describe("USD per million tokens");
const cachePriceSchema = priceSchema.nullable();
const CACHE_READ_DESCRIPTION = "USD per million input tokens read from the provider's prompt cache; null: the provider's usual discount";
const CACHE_WRITE_DESCRIPTION = "USD per million input tokens written to the provider's prompt cache; null: the provider's usual price";
const qualitySchema = z.number().min(0, "Quality is between 0 and 1").max(1, "Quality is between 0 and 1");
const contextSchema = z.number().int().min(1, "The context window is at least 1 token").max(100_000_000);
/** A model's own timeouts (server/models/timeouts.ts), within the agent's range of callTimeoutSeconds. */
const timeoutSecondsSchema = z.number().int("Whole seconds").min(1, "At least 1 second").max(600, "At most 600 seconds (the whole call's cap)").nullable();
const FIRST_BYTE_DESCRIPTION = "Seconds a stream of this model may take to begin (reasoning models think first); null: the default (60 s)";
const CALL_BASE_DESCRIPTION = "Seconds of the whole call's base, before its allowance per output token; null: the default (60 s)";
const capabilitiesSchema = z
  .array(capabilitySchema)
  .max(10)
  .transform((c) => [...new Set(c)]);

export const createModelInputSchema = z.strictObject({
  providerId: providerIdSchema,
  modelId: modelIdSchema,
  displayName: displayName().trim().min(1).max(120).optional().describe("Default: the known name of the model, or its id"),
  inputPrice: priceSchema.optional().describe("USD per million input tokens; prefilled for well-known models"),
  outputPrice: priceSchema.optional().describe("USD per million output tokens; prefilled for well-known models"),
  cacheReadPrice: cachePriceSchema.optional().describe(CACHE_READ_DESCRIPTION),
  cacheWritePrice: cachePriceSchema.optional().describe(CACHE_WRITE_DESCRIPTION),
  contextWindow: contextSchema.optional(),
  capabilities: capabilitiesSchema.optional(),
  quality: qualitySchema.optional().describe("0..1; prefilled for well-known models"),
  firstByteTimeoutSeconds: timeoutSecondsSchema.optional().describe(`${FIRST_BYTE_DESCRIPTION}; prefilled for well-known models`),
  callTimeoutBaseSeconds: timeoutSecondsSchema.optional().describe(`${CALL_BASE_DESCRIPTION}; prefilled for well-known models`),
  enabled: z.boolean().default(true),
});

const modelPatchShape = {
  displayName: displayName().trim().min(1).max(120).optional(),
  inputPrice: priceSchema.optional(),
  outputPrice: priceSchema.optional(),
  cacheReadPrice: cachePriceSchema.optional().describe(CACHE_READ_DESCRIPTION),
  cacheWritePrice: cachePriceSchema.optional().describe(CACHE_WRITE_DESCRIPTION),
  contextWindow: contextSchema.optional(),
  capabilities: capabilitiesSchema.optional(),
  quality: qualitySchema.optional(),
  firstByteTimeoutSeconds: timeoutSecondsSchema.optional().describe(FIRST_BYTE_DESCRIPTION),
  callTimeoutBaseSeconds: timeoutSecondsSchema.optional().describe(CALL_BASE_DESCRIPTION),
  enabled: z.boolean().optional(),
};
type ModelPatch = { [K in keyof typeof modelPatchShape]?: unknown };
const changesModel = (p: ModelPatch) => Object.keys(modelPatchShape).some((k) => p[k as keyof ModelPatch] !== undefined);

export const updateModelInputSchema = z.strictObject(modelPatchShape).refine(changesModel, NOTHING_TO_CHANGE);
export const updateModelWithIdInputSchema = z.strictObject({ id: modelRowIdSchema, ...modelPatchShape }).refine(changesModel, NOTHING_TO_CHANGE);

const booleanQuery = z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")]);

export const listModelsInputSchema = z.strictObject({
  provider: text()
    .trim()
    .max(60)
    .optional()
    .describe("A provider id (prv_...) or kind (openai, anthropic, openai_compatible, azure, bedrock, google, vertex, mistral, simulator)"),
  enabled: booleanQuery.optional().describe("Only enabled (true) or disabled (false) models"),
  ...paginationShape,
});

export const modelProviderSchema = z
  .object({ id: z.string(), name: z.string(), kind: providerKindSchema, isLocal: z.boolean(), enabled: z.boolean() })
  .meta({ id: "ModelProvider" });

/** What a catalog fact's date means: checked against its source on that day, or written into Cadre's catalog that day. */
export const factDateKindSchema = z.enum(["as_of", "recorded_on"]).meta({
  id: "FactDateKind",
  description:
    "as_of: the fact was checked against its source on that date; recorded_on: the date it was written into Cadre's catalog (the source gives no date)",
});

export type FactDateKind = z.infer<typeof factDateKindSchema>;

export const modelSchema = z
  .object({
    id: z.string().describe("The catalog id (mdl_...), used by pinned policies"),
    providerId: z.string(),
    provider: modelProviderSchema,
    modelId: z.string(),
    displayName: z.string(),
    inputPrice: z.number().describe("USD per million input tokens"),
    outputPrice: z.number().describe("USD per million output tokens"),
    cacheReadPrice: z.number().nullable().describe("The model's own cache read price; null: the provider's usual discount applies"),
    cacheWritePrice: z.number().nullable().describe("The model's own cache write price; null: the provider's usual price applies"),
    effectiveCacheReadPrice: z.number().describe("USD per million cached input tokens read, as the ledger charges them"),
    effectiveCacheWritePrice: z.number().describe("USD per million input tokens written to the cache, as the ledger charges them"),
    contextWindow: z.number().int(),
    capabilities: z.array(capabilitySchema),
    quality: z.number(),
    qualitySource: z.string().nullable().describe("Where the seeded quality score comes from; null: set by hand in this workspace"),
    qualityAsOf: z.string().nullable().describe("The date (YYYY-MM-DD) the seeded quality score is as of"),
    qualityObserved: z
      .number()
      .nullable()
      .describe(
        "The quality routing uses: `quality` shrunk towards the judges' consensus scores of this model's outputs in the workspace (docs/architecture.md, \"Observed quality\"); null: none judged yet",
      ),
    qualityObservedByTag: z
      .array(z.object({ tag: z.string(), quality: z.number(), outputs: z.number().int() }))
      .describe(
        "Per task tag of the runs: `qualityObserved` shrunk towards the judges' scores of its outputs in runs with that tag (what a run with the tag routes on), most judged first",
      ),
    reasoning: z.boolean().describe("A reasoning model: routed with a larger output floor"),
    firstByteTimeoutSeconds: z.number().int().nullable().describe(FIRST_BYTE_DESCRIPTION),
    callTimeoutBaseSeconds: z.number().int().nullable().describe(CALL_BASE_DESCRIPTION),
    priceSource: z.string().nullable().describe("Where the prices come from; null: entered by hand"),
    priceAsOf: z.string().nullable().describe("The date (YYYY-MM-DD) the prices are as of"),
    specsSource: z
      .string()
      .nullable()
      .describe("Where the context window and capabilities come from; null: set in this workspace, or added before sources were kept"),
    specsAsOf: z.string().nullable().describe("The date (YYYY-MM-DD) of the context window and capabilities, of the kind `specsDateKind` says"),
    specsDateKind: factDateKindSchema.nullable(),
    deprecatedAt: z.string().nullable().describe("The provider's announced deprecation date (YYYY-MM-DD)"),
    retiredAt: z.string().nullable().describe("The provider's retirement date (YYYY-MM-DD): from then on, routing picks the model only when pinned"),
    lifecycleSource: z
      .string()
      .nullable()
      .describe("Where the deprecation and retirement dates (or their absence) come from; null: not known (added before sources were kept)"),
    lifecycleAsOf: z.string().nullable().describe("The date (YYYY-MM-DD) of the deprecation status, of the kind `lifecycleDateKind` says"),
    lifecycleDateKind: factDateKindSchema.nullable(),
    retired: z.boolean().describe("retiredAt has passed"),
    enabled: z.boolean(),
    isSimulator: z.boolean(),
    latencyP50Ms: z.number().int().nullable().describe("Observed median latency of successful and timed-out calls (a timeout at its time; last 100 calls)"),
    latencyP95Ms: z.number().int().nullable(),
    ttftMs: z
      .number()
      .nullable()
      .describe("Time to first token: p95 of the last 20 streamed successes, each weighted by its age (half-life 1 h) (ms); null until one was streamed"),
    msPerOutputToken: z
      .number()
      .nullable()
      .describe(
        "Median ms per output token of the last 20 successes, each weighted by its age (half-life 1 h; after the first token where streamed); routing predicts a call's latency from it",
      ),
    errorRate: z.number().describe("Share of errors among the last 100 calls (timeouts not included)"),
    timeoutRate: z.number().describe("Share of timeouts among the last 100 calls"),
    callCount: z.number().int(),
    lastError: z.string().nullable(),
    lastErrorAt: z.date().nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: "Model", description: "A model in the workspace's catalog, with its price, capabilities, quality and observed behaviour" });
export type ModelOutput = z.infer<typeof modelSchema>;

export const modelSuggestionSchema = z
  .object({
    kind: providerKindSchema,
    modelId: z.string(),
    displayName: z.string(),
    inputPrice: z.number(),
    outputPrice: z.number(),
    contextWindow: z.number().int(),
    capabilities: z.array(capabilitySchema),
    quality: z.number(),
    qualitySource: z.string().nullable(),
    qualityAsOf: z.string().nullable(),
    reasoning: z.boolean(),
    firstByteTimeoutSeconds: z.number().int().nullable(),
    callTimeoutBaseSeconds: z.number().int().nullable(),
    priceSource: z.string(),
    priceAsOf: z.string(),
    specsSource: z.string(),
    specsAsOf: z.string(),
    specsDateKind: factDateKindSchema,
    deprecatedAt: z.string().nullable(),
    retiredAt: z.string().nullable(),
    lifecycleSource: z.string(),
    lifecycleAsOf: z.string(),
    lifecycleDateKind: factDateKindSchema,
  })
  .meta({ id: "ModelSuggestion" });
export type ModelSuggestion = z.infer<typeof modelSuggestionSchema>;

export const suggestModelInputSchema = z.strictObject({
  kind: providerKindSchema,
  modelId: text().trim().max(200).optional(),
});

/** Prefill for the add-model form: the known model for an id (if any) and the well-known models of a kind. */
export const modelSuggestionsSchema = z.object({ suggestion: modelSuggestionSchema.nullable(), known: z.array(modelSuggestionSchema) });

// ---------------------------------------------------------------------------------------------------
// A provider's available models (its model list, or Cadre's known models where the provider has no list)

export const providerModelSchema = z
  .object({
    modelId: z.string(),
    displayName: z.string(),
    inCatalog: z.boolean().describe("Already in this workspace's catalog for this provider"),
    known: modelSuggestionSchema.nullable().describe("Prices, context window and capabilities Cadre knows for it (null: enter prices to add it)"),
  })
  .meta({ id: "ProviderModel" });
export type ProviderModel = z.infer<typeof providerModelSchema>;

export const providerModelsSchema = z
  .object({
    source: z
      .enum(["provider", "known"])
      .describe("provider: the provider's own model list; known: Cadre's known models of this kind (the provider has no list to read)"),
    models: z.array(providerModelSchema),
  })
  .meta({ id: "ProviderModels" });
export type ProviderModels = z.infer<typeof providerModelsSchema>;

export const addProviderModelsInputSchema = z.strictObject({
  models: z
    .array(
      z.strictObject({
        modelId: modelIdSchema,
        inputPrice: priceSchema.optional().describe("Required for a model Cadre does not know (0 for a local model)"),
        outputPrice: priceSchema.optional().describe("Required for a model Cadre does not know (0 for a local model)"),
        enabled: z.boolean().default(true),
      }),
    )
    .min(1, "Choose at least one model")
    .max(200, "At most 200 models at once"),
});

export const addedProviderModelsSchema = z
  .object({
    added: z.array(modelSchema),
    skipped: z.array(z.string()).describe("Model ids already in the catalog for this provider (left as they are)"),
  })
  .meta({ id: "AddedProviderModels" });
