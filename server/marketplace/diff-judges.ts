/**
 * An install update's judges (./diff.ts): a judge the new version adds is created, one it changes gets a new judge
 * version with the fields the package changed (the installer's own edits of the other fields stay, as for agents),
 * one it drops is archived. In the update's transaction, before the agents whose gates name them.
 */
import { AppError } from "@/lib/errors";
import { sameJson } from "@/lib/line-diff";
import type { MarketplacePackage, PackageJudge } from "@/lib/schemas/marketplace";
import type { TenantContext } from "@/server/context";
import type { Prisma } from "@/server/db/generated/client";
import { recordAudit } from "@/server/audit/service";
import { toJudgeVersion, versionData } from "@/server/quality/judges/service";
import { changesOf, createJudge, judgeFields, type InstallResources, type Naming } from "./install-resources";
import { archiveJudges } from "./uninstall";

type Tx = Prisma.TransactionClient;

const JUDGE_FIELDS = ["name", "instructions", "modelPolicy", "rubric", "referenceAnswer", "examples", "maxOutputTokens"] as const;
type JudgeField = (typeof JUDGE_FIELDS)[number];

export function judgeFieldsChanged(a: PackageJudge, b: PackageJudge): JudgeField[] {
  return JUDGE_FIELDS.filter((f) => !sameJson(a[f] ?? null, b[f] ?? null));
}

/** A new version of the installed judge with the package's changed fields; nothing when the installer archived it. */
async function appendJudgeVersion(ctx: TenantContext, tx: Tx, id: string, from: PackageJudge, to: PackageJudge, installId: string): Promise<void> {
  const row = await tx.judge.findFirst({ where: { id, workspaceId: ctx.workspaceId }, include: { versions: { orderBy: { version: "desc" }, take: 1 } } });
  if (!row?.versions[0] || row.archivedAt) return;
  const { judgeId: _id, slug: _slug, version: _v, createdAt: _c, ...current } = toJudgeVersion(row, row.versions[0]);
  const changed = judgeFieldsChanged(from, to);
  const next = { ...current };
  const packaged = judgeFields(to);
  for (const f of changed) (next as Record<string, unknown>)[f] = packaged[f];
  if (JUDGE_FIELDS.every((f) => sameJson(current[f], next[f]))) return;
  const version = row.currentVersion + 1;
  const bumped = await tx.judge.updateMany({
    where: { id: row.id, workspaceId: ctx.workspaceId, currentVersion: row.currentVersion, archivedAt: null },
    data: { currentVersion: version, name: next.name },
  });
  if (bumped.count !== 1) throw new AppError("CONFLICT", `The judge "${row.slug}" was changed at the same time: look at the update again`);
  await tx.judgeVersion.create({ data: versionData(ctx, row.id, version, next) });
  await recordAudit(ctx, { action: "judge.update", targetType: "judge", targetId: row.id, metadata: { slug: row.slug, version, changed, installId } }, tx);
}

/** Applies the judges of package `b` over those of `a` to the install's resources `r` (updated in place). */
export async function applyJudges(
  ctx: TenantContext,
  tx: Tx,
  a: MarketplacePackage,
  b: MarketplacePackage,
  r: InstallResources,
  naming: Naming,
  installId: string,
): Promise<void> {
  const changes = changesOf<PackageJudge>(a.judges ?? [], b.judges ?? [], (j) => j.slug);
  for (const [i, judge] of (b.judges ?? []).entries()) {
    const c = changes.find((x) => x.key === judge.slug)!;
    const mine = r.judges.find((x) => x.source === judge.slug);
    if (!mine) r.judges.push(await createJudge(ctx, tx, judge, i, naming, installId));
    else if (c.change === "changed") await appendJudgeVersion(ctx, tx, mine.id, c.from!, judge, installId);
  }
  const removed = changes.filter((c) => c.change === "removed").map((c) => c.key);
  await archiveJudges(
    ctx,
    tx,
    r.judges.filter((j) => removed.includes(j.source)).map((j) => j.id),
  );
  r.judges = r.judges.filter((j) => !removed.includes(j.source));
}
