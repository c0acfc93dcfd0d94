import { z } from "zod";
import { text } from "./text";
import { parseEntry } from "@/lib/egress/allowlist";

const MAX_ENTRIES = 100;

export const egressHostEntrySchema = text()
  .trim()
  .min(1, "Enter a host name, *.domain, an address or a CIDR")
  .max(253)
  .superRefine((value, ctx) => {
    const parsed = parseEntry(value);
    if (typeof parsed === "string") ctx.addIssue({ code: "custom", message: parsed });
  })
  .transform((value) => value.toLowerCase())
  .describe("A host name (api.example.com), a subdomain pattern (*.example.com), an address or a CIDR");

const hostListSchema = z
  .array(egressHostEntrySchema)
  .max(MAX_ENTRIES, `At most ${MAX_ENTRIES} entries`)
  .transform((list) => [...new Set(list)]);

export const egressListsSchema = z
  .object({
    allowHosts: z.array(z.string()).describe("When not empty, outbound requests reach only these hosts"),
    denyHosts: z.array(z.string()).describe("Outbound requests never reach these hosts"),
  })
  .meta({ id: "EgressLists" });
export type EgressLists = z.infer<typeof egressListsSchema>;

export const updateEgressListsInputSchema = z.strictObject({
  allowHosts: hostListSchema.optional(),
  denyHosts: hostListSchema.optional(),
});
