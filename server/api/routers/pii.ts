import { piiPreviewInputSchema, piiPreviewSchema, piiSettingsSchema, updatePiiPolicyInputSchema } from "@/lib/schemas/pii";
import { getPiiSettings, previewPii, updatePiiPolicy } from "@/server/quality/pii-policy/service";
import { router, workspaceProcedure } from "../trpc";

/** The workspace's PII and secret policy (server/quality/pii): read, change (audited), try on a text. */
export const piiRouter = router({
  get: workspaceProcedure("settings:read")
    .output(piiSettingsSchema)
    .query(({ ctx }) => getPiiSettings(ctx.tenant)),
  update: workspaceProcedure("settings:update")
    .input(updatePiiPolicyInputSchema)
    .output(piiSettingsSchema)
    .mutation(({ ctx, input }) => updatePiiPolicy(ctx.tenant, input)),
  /** nothing is stored: a query's input would put the text in the URL, so a mutation */
  preview: workspaceProcedure("settings:read")
    .input(piiPreviewInputSchema)
    .output(piiPreviewSchema)
    .mutation(({ ctx, input }) => previewPii(ctx.tenant, input)),
});
