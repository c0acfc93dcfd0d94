import { z } from "zod";
import { baseUrlSchema, providerSchema } from "./models";
import { text } from "./text";

/** The providers the first-run setup connects from a key (the cloud kinds with settings are set up on the Providers page). */
export const QUICK_PROVIDER_KINDS = ["openai", "anthropic", "google", "mistral", "openai_compatible"] as const;

export const connectProviderInputSchema = z
  .strictObject({
    kind: z.enum(QUICK_PROVIDER_KINDS, { message: "Choose a provider" }),
    apiKey: text()
      .trim()
      .min(1, "Paste the API key")
      .max(4096, "An API key has at most 4096 characters")
      .optional()
      .describe("Stored in the vault; never returned"),
    baseUrl: baseUrlSchema.optional().describe("An OpenAI-compatible server's URL (e.g. http://127.0.0.1:11434/v1), or a proxy"),
  })
  .superRefine((v, issue) => {
    if (v.kind === "openai_compatible" && !v.baseUrl) issue.addIssue({ code: "custom", path: ["baseUrl"], message: "Enter the server's base URL" });
    if (v.kind !== "openai_compatible" && !v.apiKey && !v.baseUrl) issue.addIssue({ code: "custom", path: ["apiKey"], message: "Paste the API key" });
  });
export type ConnectProviderInput = z.input<typeof connectProviderInputSchema>;

export const connectedProviderSchema = z
  .object({
    provider: providerSchema,
    models: z.array(z.string()).describe("The model ids added to the catalog"),
  })
  .meta({ id: "ConnectedProvider" });
