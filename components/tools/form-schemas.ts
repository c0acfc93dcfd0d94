/**
 * The Tools forms' schemas: the shared ones (lib/schemas/tools.ts) with two fields as people type them. The
 * arguments' JSON Schema (and a test call's arguments) is JSON text, parsed, then checked by the shared schema; the
 * headers are name/value rows, made into the object the API takes. The output of each is the API's input.
 */
import { z } from "zod";
import {
  createToolInputSchema,
  httpToolConfigSchema,
  type ToolOut,
  TOOL_RESPONSE_BYTES,
  TOOL_TIMEOUT_MS,
  toolInputSchemaSchema,
  updateToolInputSchema,
} from "@/lib/schemas/tools";

/** JSON text parsed to its value (a field error when it is not JSON), then checked by `inner`. */
export function jsonText<T extends z.ZodType>(inner: T) {
  return z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch (error) {
        ctx.addIssue({ code: "custom", message: `Not valid JSON: ${(error as Error).message}` });
        return z.NEVER;
      }
    })
    .pipe(inner);
}

const headerRowsSchema = z
  .array(z.object({ name: z.string(), value: z.string() }))
  .superRefine((rows, ctx) => {
    const seen = new Set<string>();
    rows.forEach((row, i) => {
      const name = row.name.trim().toLowerCase();
      if (!name && row.value) ctx.addIssue({ code: "custom", path: [i, "name"], message: "Name the header (or remove the row)" });
      if (name && seen.has(name)) ctx.addIssue({ code: "custom", path: [i, "name"], message: "This header is set twice" });
      seen.add(name);
    });
  })
  .transform((rows) => Object.fromEntries(rows.filter((r) => r.name.trim()).map((r) => [r.name.trim(), r.value])))
  .pipe(httpToolConfigSchema.shape.headers.unwrap());

const formFields = {
  inputSchema: jsonText(toolInputSchemaSchema),
  config: httpToolConfigSchema.extend({ headers: headerRowsSchema }),
};

/** A new custom HTTP tool. */
export const createToolFormSchema = createToolInputSchema.extend(formFields);
/** An edit of a custom HTTP tool (every field is in the form; the server writes only what changed). */
export const updateToolFormSchema = updateToolInputSchema.extend({ inputSchema: formFields.inputSchema.optional(), config: formFields.config.optional() });
export type CustomToolValues = z.input<typeof createToolFormSchema>;

/** What a built-in or MCP tool takes: `enabled`, the limits and the approval policy. */
export const SETTINGS_KEYS = [
  "enabled",
  "timeoutMs",
  "maxResponseBytes",
  "rateLimitPerMinute",
  "agentRateLimitPerMinute",
  "costPerCallUsd",
  "approval",
] as const;
export const toolSettingsFormSchema = updateToolInputSchema.pick(
  Object.fromEntries(SETTINGS_KEYS.map((k) => [k, true])) as Record<(typeof SETTINGS_KEYS)[number], true>,
);
export type ToolSettingsValues = z.input<typeof toolSettingsFormSchema>;

/** A test call's arguments, typed as JSON. */
export const testCallFormSchema = z.strictObject({
  input: jsonText(z.record(z.string(), z.unknown(), { error: "The arguments are a JSON object ({ ... })" })),
});

export const DEFAULT_INPUT_SCHEMA = { type: "object", properties: {}, required: [] };

export function settingsValuesOf(tool?: ToolOut): ToolSettingsValues {
  return {
    enabled: tool?.enabled ?? true,
    timeoutMs: tool?.timeoutMs ?? TOOL_TIMEOUT_MS.default,
    maxResponseBytes: tool?.maxResponseBytes ?? TOOL_RESPONSE_BYTES.default,
    rateLimitPerMinute: tool?.rateLimitPerMinute ?? null,
    agentRateLimitPerMinute: tool?.agentRateLimitPerMinute ?? null,
    costPerCallUsd: tool?.costPerCallUsd ?? 0,
    approval: tool?.approval ?? { mode: "never" },
  };
}

/** A custom tool's fields as the form holds them (an empty form for a new tool). */
export function customValuesOf(tool?: ToolOut): CustomToolValues {
  return {
    name: tool?.name ?? "",
    description: tool?.description ?? "",
    inputSchema: JSON.stringify(tool?.inputSchema ?? DEFAULT_INPUT_SCHEMA, null, 2),
    config: {
      method: tool?.config?.method ?? "GET",
      urlTemplate: tool?.config?.urlTemplate ?? "",
      headers: Object.entries(tool?.config?.headers ?? {}).map(([name, value]) => ({ name, value })),
      bodyTemplate: tool?.config?.bodyTemplate ?? null,
    },
    secretId: tool?.secretId ?? null,
    secretHost: tool?.secretHost ?? null,
    ...settingsValuesOf(tool),
  } as CustomToolValues;
}

/** A server issue's field in the form: a header's issue goes on the headers, a schema's on the schema. */
export function fieldOfIssue(path: string): string | undefined {
  if (path.startsWith("config.headers")) return "config.headers";
  if (path.startsWith("inputSchema")) return "inputSchema";
  if (path.startsWith("approval")) return "approval";
  return undefined;
}
