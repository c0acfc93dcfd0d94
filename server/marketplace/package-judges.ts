/**
 * The judges of the packaged agents' quality gates (server/marketplace/package.ts): each judge's current version
 * travels with the package under its slug (the package-local key the gates name), its model policy as constraints.
 * A gate naming a judge that is archived or gone is a publish problem, like a missing tool.
 *
 * Few-shot examples: a judge version stores them inline ({ output, verdict, rationale }), whether a person typed
 * them on the judge form or "Pick few-shot examples from labels" (server/quality/calibration/examples.ts) copied
 * them from people's labels of the publisher's runs: a run's output and the labeller's note. Those are the
 * publisher's data and stay behind; an example is recognised as picked when a label of the workspace has its
 * verdict and note (the picker copies the note as the rationale) and the labelled output starts as the example's
 * output does. Every other example is the judge's own authored one and travels.
 */
import type { z } from "zod";
import type { fewShotExampleSchema } from "@/lib/schemas/judges";
import type { PackageJudge } from "@/lib/schemas/marketplace";
import type { QualityGate } from "@/lib/schemas/quality-gate";
import type { TenantContext } from "@/server/context";
import { db } from "@/server/db/client";
import { iterationOutput, lastIteration } from "@/server/quality/calibration/labels";
import { toJudgeVersion } from "@/server/quality/judges/service";
import { packagePolicy } from "./package-policy";

type Example = z.output<typeof fewShotExampleSchema>;
type Problem = { path: string; message: string };

/** The picker's cut-offs (server/quality/calibration/examples.ts): an output and a note are sliced to these. */
const PICKED_OUTPUT_CHARS = 4_000;
const PICKED_NOTE_CHARS = 2_000;
/** Labels compared per example; beyond this many candidates the example is left out rather than read them all. */
const MAX_CANDIDATES = 50;

/** Whether the example was copied from a label of one of the workspace's runs (see the file's comment). */
async function pickedFromLabels(ctx: TenantContext, example: Example): Promise<boolean> {
  const note = example.rationale.length >= PICKED_NOTE_CHARS ? { startsWith: example.rationale } : example.rationale;
  const labels = await db(ctx).outputLabel.findMany({
    where: { workspaceId: ctx.workspaceId, verdict: example.verdict, note },
    select: { runId: true, iteration: true },
    take: MAX_CANDIDATES + 1,
  });
  if (labels.length > MAX_CANDIDATES) return true;
  for (const label of labels) {
    const run = await db(ctx).run.findFirst({ where: { id: label.runId, workspaceId: ctx.workspaceId }, select: { id: true, output: true } });
    if (!run) continue;
    const output = await iterationOutput(ctx, run, label.iteration, await lastIteration(ctx, run.id));
    if (output !== null && output.slice(0, PICKED_OUTPUT_CHARS) === example.output) return true;
  }
  return false;
}

async function authoredExamples(ctx: TenantContext, examples: Example[]): Promise<Example[]> {
  const out: Example[] = [];
  for (const e of examples) if (!(await pickedFromLabels(ctx, e))) out.push(e);
  return out;
}

/**
 * The packaged gates (judges named by slug) of the agents, and the judges they name (each once, in order of first
 * mention). Problems for judges that are archived or missing.
 */
export async function packageJudges(
  ctx: TenantContext,
  agents: { slug: string; qualityGate: QualityGate | null }[],
  problems: Problem[],
): Promise<{ gates: Map<string, QualityGate | null>; judges: PackageJudge[] }> {
  const refs = [...new Set(agents.flatMap((a) => a.qualityGate?.judges ?? []))];
  const rows = refs.length
    ? await db(ctx).judge.findMany({
        where: { workspaceId: ctx.workspaceId, OR: [{ id: { in: refs } }, { slug: { in: refs } }] },
        include: { versions: { orderBy: { version: "desc" }, take: 1 } },
      })
    : [];
  const gates = new Map<string, QualityGate | null>();
  const judges = new Map<string, PackageJudge>();
  for (const agent of agents) {
    const gate = agent.qualityGate;
    if (!gate) {
      gates.set(agent.slug, null);
      continue;
    }
    const slugs: string[] = [];
    for (const ref of gate.judges) {
      const row = rows.find((r) => r.id === ref || r.slug === ref);
      const current = row?.versions[0];
      if (!row || !current || row.archivedAt) {
        // a team's gate comes keyed "team:<slug>" (server/marketplace/package.ts)
        const team = agent.slug.startsWith("team:") ? agent.slug.slice("team:".length) : null;
        problems.push({
          path: team ? `teams.${team}.qualityGate.judges` : `agents.${agent.slug}.qualityGate.judges`,
          message: `The ${team ? `team "${team}"` : `agent "${agent.slug}"`}'s quality gate names the judge "${row?.slug ?? ref}", which is ${row ? "archived" : "missing"}: restore it or remove it from the gate`,
        });
        continue;
      }
      if (!slugs.includes(row.slug)) slugs.push(row.slug); // named once even when the gate had its id and its slug
      if (judges.has(row.slug)) continue;
      const v = toJudgeVersion(row, current);
      judges.set(row.slug, {
        slug: row.slug,
        name: v.name,
        instructions: v.instructions,
        modelPolicy: await packagePolicy(ctx, v.modelPolicy),
        rubric: v.rubric,
        referenceAnswer: v.referenceAnswer,
        examples: await authoredExamples(ctx, v.examples),
        maxOutputTokens: v.maxOutputTokens,
      });
    }
    gates.set(agent.slug, { ...gate, judges: slugs });
  }
  return { gates, judges: [...judges.values()] };
}
