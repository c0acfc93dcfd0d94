import { z } from "zod";
import { text } from "./text";
import { idSchema } from "./common";

/**
 * The vault's schemas. Write-only: `value` exists in the input schemas and in no output schema, so no
 * API (tRPC, REST, OpenAPI) can ever describe or return it.
 */
export const SECRET_VALUE_MAX = 16_384;
export const SECRET_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

export const secretIdSchema = idSchema("sec");

export const secretNameSchema = text()
  .trim()
  .min(1, "Enter a name")
  .max(64, "A secret name has at most 64 characters")
  .regex(SECRET_NAME_PATTERN, "Use letters, digits, dots, dashes and underscores only (e.g. OPENAI_API_KEY)");

export const secretDescriptionSchema = text().trim().max(500, "A description has at most 500 characters");

/** The value: 1 to 16384 characters, kept exactly as given (not trimmed), never whitespace only. */
export const secretValueSchema = text()
  .min(1, "Enter the secret value")
  .max(SECRET_VALUE_MAX, `A secret value has at most ${SECRET_VALUE_MAX} characters`)
  .refine((v) => v.trim().length > 0, "The secret value is empty (only whitespace)")
  .meta({ description: "The secret value. Write-only: it is never returned by any API.", writeOnly: true });

export const createSecretInputSchema = z.strictObject({
  name: secretNameSchema,
  description: secretDescriptionSchema.optional(),
  value: secretValueSchema,
});

const secretPatchShape = {
  name: secretNameSchema.optional(),
  description: secretDescriptionSchema.optional(),
  value: secretValueSchema.optional().describe("A new value replaces the old one (new data key and nonce)"),
};

const changesSomething = (p: { name?: string; description?: string; value?: string }) =>
  p.name !== undefined || p.description !== undefined || p.value !== undefined;
const NOTHING_TO_CHANGE = "Change at least one of name, description or value";

/** REST body of PATCH /api/v1/secrets/{secretId}. */
export const updateSecretInputSchema = z.strictObject(secretPatchShape).refine(changesSomething, NOTHING_TO_CHANGE);

/** tRPC input of secrets.update: the patch plus the secret's id. */
export const updateSecretWithIdInputSchema = z.strictObject({ secretId: secretIdSchema, ...secretPatchShape }).refine(changesSomething, NOTHING_TO_CHANGE);

export const secretUsageSchema = z
  .object({
    type: z.enum(["provider", "tool"]),
    id: z.string(),
    name: z.string(),
  })
  .meta({ id: "SecretUsage", description: "A resource that uses the secret" });

export const secretSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    last4: z.string().describe("The value's last 4 characters (empty for values shorter than 12 characters)"),
    keyVersion: z.string().describe("Version (fingerprint) of the master key that wraps this secret's data key"),
    createdAt: z.date(),
    updatedAt: z.date(),
    lastUsedAt: z.date().nullable(),
    usedBy: z.array(secretUsageSchema),
  })
  .meta({ id: "Secret", description: "A secret in the vault. Its value is write-only and never returned." });

export type SecretSummary = z.infer<typeof secretSchema>;
