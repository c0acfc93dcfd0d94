import type { z } from "zod";
import { db } from "@/server/db/client";
import { AppError } from "@/lib/errors";
import type { TenantContext } from "@/server/context";
import { recordAudit } from "@/server/audit/service";
import { updateRetentionInputSchema } from "@/lib/schemas/retention";
import { retentionDefaults } from "@/server/retention/purge";

const COLUMNS = {
  runEventsDays: "retentionRunEventsDays",
  stepPayloadsDays: "retentionStepPayloadsDays",
  usageDays: "retentionUsageDays",
  auditDays: "retentionAuditDays",
} as const;
type Field = keyof typeof COLUMNS;

async function readPolicy(ctx: TenantContext) {
  const w = await db(ctx).workspace.findFirst({
    where: { id: ctx.workspaceId },
    select: { retentionRunEventsDays: true, retentionStepPayloadsDays: true, retentionUsageDays: true, retentionAuditDays: true },
  });
  if (!w) throw new AppError("NOT_FOUND", "Workspace not found");
  return {
    runEventsDays: w.retentionRunEventsDays,
    stepPayloadsDays: w.retentionStepPayloadsDays,
    usageDays: w.retentionUsageDays,
    auditDays: w.retentionAuditDays,
  };
}

function settingsOf(policy: Record<Field, number | null>) {
  const defaults = retentionDefaults();
  const effective = Object.fromEntries((Object.keys(COLUMNS) as Field[]).map((k) => [k, policy[k] ?? defaults[k]])) as Record<Field, number>;
  return { policy, defaults, effective };
}

/** The workspace's retention policy, the server's defaults and what applies. */
export async function getRetention(ctx: TenantContext) {
  return settingsOf(await readPolicy(ctx));
}

/** Changes the policy (owners and admins: settings:update). Audited with the values before and after. */
export async function updateRetention(ctx: TenantContext, input: z.input<typeof updateRetentionInputSchema>) {
  const patch = updateRetentionInputSchema.parse(input);
  const fields = (Object.keys(patch) as Field[]).filter((k) => patch[k] !== undefined);
  if (fields.length === 0) throw new AppError("BAD_REQUEST", "Nothing to change");
  const before = await readPolicy(ctx);
  const after = { ...before, ...Object.fromEntries(fields.map((k) => [k, patch[k]])) } as Record<Field, number | null>;
  await db(ctx).$transaction(async (tx) => {
    await tx.workspace.update({ where: { id: ctx.workspaceId }, data: Object.fromEntries(fields.map((k) => [COLUMNS[k], patch[k]])) });
    await recordAudit(
      ctx,
      { action: "workspace.retention.update", targetType: "workspace", targetId: ctx.workspaceId, metadata: { from: before, to: after } },
      tx,
    );
  });
  return settingsOf(after);
}
