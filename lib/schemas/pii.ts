import { isSupportedCountry } from "libphonenumber-js/min";
import { z } from "zod";
import { text } from "./text";

/**
 * A workspace's PII and secret policy (server/quality/pii/): which kinds of values are found, what happens to each
 * (redacted to a typed placeholder, masked, replaced by a keyed hash, or kept) and on which paths it applies.
 */
export const PII_ENTITIES = ["secret", "jwt", "email", "phone", "payment_card", "iban", "us_ssn", "ip_address"] as const;
export const PII_ACTIONS = ["redact", "mask", "hash", "keep"] as const;
/**
 * outputs: what the API and the UI return (run outputs, step outputs, events); storage: step outputs, run outputs
 * and events as stored (the original is then never written); memory: memory writes; sessions: session messages;
 * tool_results: a tool's result before it enters the next prompt; logs: the server's log lines (process-wide: secrets only)
 */
export const PII_PATHS = ["outputs", "storage", "memory", "sessions", "tool_results", "logs"] as const;

export type PiiEntity = (typeof PII_ENTITIES)[number];
export type PiiAction = (typeof PII_ACTIONS)[number];
export type PiiPath = (typeof PII_PATHS)[number];

export const PII_ENTITY_LABELS: Record<PiiEntity, string> = {
  secret: "Secrets (API keys, tokens, private keys)",
  jwt: "JSON Web Tokens",
  email: "Email addresses",
  phone: "Phone numbers",
  payment_card: "Payment card numbers",
  iban: "IBANs",
  us_ssn: "US social security numbers",
  ip_address: "IP addresses",
};

export const PII_PATH_LABELS: Record<PiiPath, string> = {
  outputs: "Outputs returned by the API and shown in the UI",
  storage: "Stored step outputs, run outputs and events",
  memory: "Memory writes",
  sessions: "Session messages",
  tool_results: "Tool results entering a prompt",
  logs: "Server logs (secrets only)",
};

export const piiEntitySchema = z.enum(PII_ENTITIES);
export const piiActionSchema = z.enum(PII_ACTIONS);
export const piiPathSchema = z.enum(PII_PATHS);

const actions = z.object(
  Object.fromEntries(PII_ENTITIES.map((e) => [e, piiActionSchema.describe(`What happens to ${PII_ENTITY_LABELS[e].toLowerCase()}`)])) as Record<
    PiiEntity,
    z.ZodEnum<{ [K in PiiAction]: K }>
  >,
);
const paths = z.object(Object.fromEntries(PII_PATHS.map((p) => [p, z.boolean().describe(PII_PATH_LABELS[p])])) as Record<PiiPath, z.ZodBoolean>);

/** A country whose phone numbers written nationally ("020 7946 0958" in GB) are found too (ISO 3166 alpha-2). */
export const phoneRegionSchema = text()
  .regex(/^[A-Z]{2}$/, "A two-letter country code (e.g. US, GB)")
  .refine((c) => isSupportedCountry(c), "Not a country with phone numbers we know");

export const piiPolicySchema = z
  .object({
    actions: actions.describe("The action per kind of value"),
    paths: paths.describe("Where the policy applies"),
    phoneRegion: phoneRegionSchema
      .nullable()
      .default(null)
      .describe("The workspace's country for phone numbers written without +CC (e.g. US, GB); null: only international numbers"),
  })
  .meta({ id: "PiiPolicy" });
export type PiiPolicy = z.infer<typeof piiPolicySchema>;

/**
 * The safe default: secrets and tokens redacted on every path; personal data kept until the workspace chooses
 * (whether an email in an answer is a leak or the point of the answer is the workspace's call).
 */
export const DEFAULT_PII_POLICY: PiiPolicy = {
  actions: { secret: "redact", jwt: "redact", email: "keep", phone: "keep", payment_card: "keep", iban: "keep", us_ssn: "keep", ip_address: "keep" },
  paths: { outputs: true, storage: true, memory: true, sessions: true, tool_results: true, logs: true },
  phoneRegion: null,
};

export const updatePiiPolicyInputSchema = z.strictObject({
  actions: z
    .strictObject(Object.fromEntries(PII_ENTITIES.map((e) => [e, piiActionSchema.optional()])) as Record<PiiEntity, z.ZodOptional<typeof piiActionSchema>>)
    .optional(),
  paths: z.strictObject(Object.fromEntries(PII_PATHS.map((p) => [p, z.boolean().optional()])) as Record<PiiPath, z.ZodOptional<z.ZodBoolean>>).optional(),
  phoneRegion: phoneRegionSchema.nullable().optional().describe("null: only international numbers"),
});

export const piiSettingsSchema = z
  .object({
    policy: piiPolicySchema.describe("What applies (the workspace's choices over the default)"),
    isDefault: z.boolean().describe("The workspace has not changed the default"),
  })
  .meta({ id: "PiiSettings" });

export const PII_PREVIEW_MAX_CHARS = 20_000;

export const piiPreviewInputSchema = z.strictObject({
  text: text().min(1, "Some text to try").max(PII_PREVIEW_MAX_CHARS, `At most ${PII_PREVIEW_MAX_CHARS} characters`),
  policy: piiPolicySchema.optional().describe("The policy to try (default: the workspace's)"),
});

export const piiFindingSchema = z.object({
  entity: piiEntitySchema,
  rule: z.string().describe("The recogniser that matched (e.g. aws-access-token)"),
  start: z.number().int().describe("Offset of the value in the text given"),
  end: z.number().int(),
  action: piiActionSchema,
});

export const piiPreviewSchema = z
  .object({
    text: z.string().describe("The text as the policy leaves it"),
    findings: z.array(piiFindingSchema).describe("What was found (never the value itself)"),
  })
  .meta({ id: "PiiPreview" });
