/**
 * Judges travel with a published agent: A publishes an agent whose quality gate names two judges; the package
 * carries them (by slug, model policy as constraints, authored examples only) and the manifest lists them; B
 * installs it: the judges exist in B with the same rubric, the installed agent's gate names them, and a run of it
 * is gated by them (scripted judge answers). An archived judge at publish is a problem, a secret in a judge's
 * instructions is found by the scanner, a package without judges installs and verifies as before, an update brings
 * a judge's change as a new judge version, and an uninstall archives the judges.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { newId } from "@/lib/ids";
import { startLlmStub, type LlmStub } from "@/scripts/llm-stub/server";
import { getAgent, createAgent, updateAgent } from "@/server/agents/service";
import { startExecutor, type Executor } from "@/server/jobs/executor";
import { settleObservations } from "@/server/models/gateway";
import { archiveJudge, createJudge, getJudge, updateJudge } from "@/server/quality/judges/service";
import { pickExamplesFromLabels } from "@/server/quality/calibration/examples";
import { getRun, startRun } from "@/server/runs/service";
import { testDb as db } from "@/test/db";
import { agentPackage, writeListing } from "@/test/fixtures/marketplace-installs";
import { addTeam, makeRunWorkspace, useStubProvider, waitForRun, type RunWorkspace } from "@/test/fixtures/runs";
import { marker } from "@/test/fixtures/topology-engine";
import { appErrorOf, auditRows, uniq } from "@/test/helpers";
import { installDiff, updateInstall } from "./diff";
import { installConsent, installListing } from "./install";
import { getListing, publishListing, publishVersion } from "./listings";
import { buildPackage } from "./package";
import { uninstall } from "./uninstall";
import { createTeam } from "@/server/teams/service";

vi.setConfig({ testTimeout: 120_000 });

const RUBRIC = {
  criteria: [
    { key: "accuracy", description: "Facts are right", weight: 2 },
    { key: "clarity", description: "Easy to read", weight: 1 },
  ],
  scale: { min: 1, max: 5 },
};
const FAIL = { scores: { accuracy: 1, clarity: 1 }, verdict: "fail", rationale: "wrong", issues: ["Wrong facts."] };

let stub: LlmStub;
const executors: Executor[] = [];
beforeAll(async () => {
  stub = await startLlmStub();
});
afterAll(async () => {
  await settleObservations();
  await stub.close();
});
beforeEach(() => stub.reset());
afterEach(async () => {
  await Promise.all(executors.splice(0).map((e) => e.stop()));
});

let A: RunWorkspace;
let B: RunWorkspace;
beforeEach(async () => {
  A = await makeRunWorkspace("judges-pub");
  B = await makeRunWorkspace("judges-inst");
});

const details = () => ({ slug: `gated-${uniq()}`, name: "Gated writer", summary: "Writes, judged", category: "writing" as const });

/** In A: judges ja and jb (a pinned model, an authored example), and the agent "writer" gated by both. */
async function gatedAgent() {
  const stubModel = await useStubProvider(A.ws.id, stub.url);
  await createJudge(A.ctx, { slug: "ja", name: "Accuracy", instructions: `Judge facts. ${marker("ja")}`, rubric: RUBRIC, maxOutputTokens: 256 });
  await createJudge(A.ctx, {
    slug: "jb",
    name: "Clarity",
    instructions: `Judge clarity. ${marker("jb")}`,
    rubric: RUBRIC,
    modelPolicy: { type: "pinned", modelId: stubModel },
    referenceAnswer: "A short, right answer.",
    examples: [{ output: "A clear note.", verdict: "pass", rationale: "Clear" }],
  });
  await createAgent(A.ctx, { slug: "writer", name: "Writer", instructions: `Write. ${marker("writer")}`, maxOutputTokens: 128 });
  await updateAgent(A.ctx, "writer", { qualityGate: { judges: ["ja", "jb"], maxRevisions: 1, onFail: "fail", passThreshold: 0.7, failThreshold: 0.4 } });
}

async function consentAndInstall(listing: string, extra: { slugPrefix?: string } = {}) {
  const consent = await installConsent(B.ctx, { listing });
  return installListing(B.ctx, { listing, consentDigest: consent.consentDigest, ...extra });
}

describe("judges in marketplace packages", () => {
  it("publish then install: the judges travel, the installed agent's gate names them, and its runs are gated", async () => {
    await gatedAgent();
    const published = await publishListing(A.ctx, { source: { kind: "agent", ref: "writer" }, ...details() });
    const pkg = published.latest.package;
    expect(pkg.agents[0]!.qualityGate).toMatchObject({ judges: ["ja", "jb"], maxRevisions: 1 });
    expect(pkg.judges?.map((j) => j.slug)).toEqual(["ja", "jb"]);
    const jb = pkg.judges![1]!;
    expect(jb).toMatchObject({ name: "Clarity", rubric: RUBRIC, referenceAnswer: "A short, right answer.", examples: [{ output: "A clear note." }] });
    // the pinned model travels as the constraints it met, never its id
    expect(jb.modelPolicy.type).toBe("constraints");
    expect(JSON.stringify(pkg)).not.toMatch(/mdl_|jdg_|jdv_/);
    const manifest = published.latest.manifest;
    expect(manifest.judges).toEqual([
      { slug: "ja", name: "Accuracy", criteria: RUBRIC.criteria.map(({ key, description }) => ({ key, description })), usedBy: ["writer"] },
      { slug: "jb", name: "Clarity", criteria: RUBRIC.criteria.map(({ key, description }) => ({ key, description })), usedBy: ["writer"] },
    ]);
    // two judges on the first output; with its one revision, four
    expect(manifest.judgeCallsPerRun).toEqual({ min: 2, max: 4 });
    expect(published.latest.verified).toBe(true);

    // B's models (before anything reads B's catalog)
    await useStubProvider(B.ws.id, stub.url);
    // a judge of B's own has the slug "ja": a collision, as for agents; with a prefix it installs alongside
    await createJudge(B.ctx, { slug: "ja", name: "B's own", rubric: RUBRIC });
    const taken = await appErrorOf(consentAndInstall(published.id));
    expect(taken.code).toBe("CONFLICT");
    expect(taken.message).toContain('judge "ja"');
    expect(await db().agent.count({ where: { workspaceId: B.ws.id } })).toBe(0);
    const install = await consentAndInstall(published.id, { slugPrefix: "mk" });
    expect(install.judges.map((j) => j.slug)).toEqual(["mk-ja", "mk-jb"]);
    const judgeA = await getJudge(B.ctx, "mk-ja");
    const judgeB = await getJudge(B.ctx, "mk-jb");
    expect(judgeA.rubric).toEqual(RUBRIC);
    expect(judgeB).toMatchObject({ name: "Clarity", rubric: RUBRIC, referenceAnswer: "A short, right answer.", currentVersion: 1 });
    expect(judgeB.examples).toEqual([{ output: "A clear note.", verdict: "pass", rationale: "Clear" }]);
    const agent = await getAgent(B.ctx, "mk-writer");
    expect(agent.qualityGate).toMatchObject({ judges: ["mk-ja", "mk-jb"], maxRevisions: 1, onFail: "fail" });
    const created = await auditRows(B.ws.id, "judge.create");
    expect(created.filter((r) => (r.metadata as { installId?: string }).installId === install.id)).toHaveLength(2);
    expect((await auditRows(B.ws.id, "listing_install.create"))[0]?.metadata).toMatchObject({ judges: ["mk-ja", "mk-jb"] });

    // a run of the installed agent: judged by B's copies of the judges, which fail it
    stub.reply({ when: marker("writer"), content: "DRAFT" });
    stub.reply({ when: marker("ja"), content: JSON.stringify(FAIL) });
    stub.reply({ when: marker("jb"), content: JSON.stringify(FAIL) });
    const started = await startRun(B.ctx, { agent: "mk-writer", input: "Write a note." });
    executors.push(startExecutor({ workspaceIds: [B.ws.id], pollMs: 20 }));
    await waitForRun(started.id);
    const run = await getRun(B.ctx, started.id);
    expect(run).toMatchObject({ status: "failed", output: "DRAFT" });
    const verdicts = await db().judgeVerdict.findMany({ where: { runId: run.id }, orderBy: { judgeSlug: "asc" } });
    expect(verdicts.map((v) => [v.judgeId, v.judgeSlug, v.verdict])).toEqual([
      [judgeA.id, "mk-ja", "fail"],
      [judgeB.id, "mk-jb", "fail"],
    ]);

    // uninstall: the judges are archived (audited) with the agent
    await uninstall(B.ctx, install.id);
    expect((await getJudge(B.ctx, "mk-ja")).archivedAt).not.toBeNull();
    expect((await getJudge(B.ctx, "mk-jb")).archivedAt).not.toBeNull();
    expect((await getJudge(B.ctx, "ja")).archivedAt).toBeNull();
    expect((await auditRows(B.ws.id, "judge.archive")).map((r) => r.targetId).sort()).toEqual([judgeA.id, judgeB.id].sort());
  });

  it("an update brings a judge's change as a new judge version, keeping the installer's own edits of other fields", async () => {
    await gatedAgent();
    const published = await publishListing(A.ctx, { source: { kind: "agent", ref: "writer" }, ...details() });
    const install = await consentAndInstall(published.id);
    await updateJudge(B.ctx, "ja", { referenceAnswer: "B's own reference." });
    await updateJudge(A.ctx, "ja", { instructions: `Judge facts strictly. ${marker("ja")}` });
    await publishVersion(A.ctx, { listing: published.id, changelog: "Stricter accuracy" });

    const diff = await installDiff(B.ctx, { install: install.id, version: 2 });
    expect(diff.judges).toEqual([
      { slug: "ja", change: "changed", fields: ["instructions"] },
      { slug: "jb", change: "same", fields: [] },
    ]);
    await updateInstall(B.ctx, { install: install.id, version: 2, secretBindings: {}, consentDigest: diff.consentDigest });
    const ja = await getJudge(B.ctx, "ja");
    expect(ja).toMatchObject({ currentVersion: 3, referenceAnswer: "B's own reference." });
    expect(ja.instructions).toContain("strictly");
    expect((await getJudge(B.ctx, "jb")).currentVersion).toBe(1);
  });

  it("a gate naming an archived judge cannot be published; a secret in a judge's instructions is found by the scanner", async () => {
    await gatedAgent();
    await archiveJudge(A.ctx, "jb");
    const archived = await appErrorOf(publishListing(A.ctx, { source: { kind: "agent", ref: "writer" }, ...details() }));
    expect(archived.code).toBe("VALIDATION_FAILED");
    expect(archived.message).toContain('names the judge "jb", which is archived');

    await createJudge(A.ctx, { slug: "leaky", name: "Leaky", instructions: "Call with sk-live0123456789abcdefghij to check.", rubric: RUBRIC });
    await updateAgent(A.ctx, "writer", { qualityGate: { judges: ["ja", "leaky"], maxRevisions: 0, onFail: "fail", passThreshold: 0.7, failThreshold: 0.4 } });
    const leaked = await appErrorOf(publishListing(A.ctx, { source: { kind: "agent", ref: "writer" }, ...details() }));
    expect(leaked.code).toBe("VALIDATION_FAILED");
    expect((leaked.details as { issues: { path: string }[] }).issues.map((i) => i.path)).toContain("judges.1.instructions");
    expect(await db().listing.count({ where: { workspaceId: A.ws.id } })).toBe(0);
  });

  it("few-shot examples picked from labels of the publisher's runs stay behind; authored ones travel", async () => {
    await gatedAgent();
    const runId = newId("run");
    await db().run.create({
      data: {
        id: runId,
        workspaceId: A.ws.id,
        targetType: "agent",
        input: "q",
        status: "succeeded",
        output: { text: "Customer ACME renews in May." },
        createdByType: "user",
        createdById: A.ws.users.owner.id,
      },
    });
    await db().outputLabel.create({
      data: { id: newId("lbl"), workspaceId: A.ws.id, runId, iteration: 1, labellerId: A.ws.users.owner.id, verdict: "fail", note: "Made up", heldOut: false },
    });
    const picked = await pickExamplesFromLabels(A.ctx, "ja", { max: 1 });
    expect(picked.examples).toEqual([{ output: "Customer ACME renews in May.", verdict: "fail", rationale: "Made up" }]);
    await updateJudge(A.ctx, "ja", { examples: [...picked.examples, { output: "Paris is in France.", verdict: "pass", rationale: "Right" }] });
    const pkg = await buildPackage(A.ctx, { kind: "agent", ref: "writer" });
    expect(pkg.judges?.find((j) => j.slug === "ja")?.examples).toEqual([{ output: "Paris is in France.", verdict: "pass", rationale: "Right" }]);
  });

  it("a team's gated agent brings its judges into the team's package (the team's own gate is not packaged)", async () => {
    await gatedAgent();
    await createAgent(A.ctx, { slug: "editor", name: "Editor", instructions: "Edit." });
    await addTeam(A.ctx, "desk", { topology: "sequential", agents: ["writer", "editor"] });
    const pkg = await buildPackage(A.ctx, { kind: "team", ref: "desk" });
    expect(pkg.judges?.map((j) => j.slug)).toEqual(["ja", "jb"]);
    expect(pkg.agents.map((a) => [a.slug, a.qualityGate?.judges ?? null])).toEqual([
      ["writer", ["ja", "jb"]],
      ["editor", null],
    ]);
    expect("qualityGate" in pkg.teams[0]!).toBe(false);
  });

  it("a team's own gate travels: its judges in the package, the installed team's gate names the installed judges", async () => {
    await useStubProvider(A.ws.id, stub.url);
    await createJudge(A.ctx, { slug: "jt", name: "Team output", instructions: `Judge the team. ${marker("jt")}`, rubric: RUBRIC, maxOutputTokens: 256 });
    await createAgent(A.ctx, { slug: "drafter", name: "Drafter", instructions: "Draft." });
    await createTeam(A.ctx, {
      slug: "gated-desk",
      name: "Gated desk",
      spec: { topology: "sequential", agents: ["drafter"] },
      qualityGate: { judges: ["jt"], maxRevisions: 2, onFail: "fail", passThreshold: 0.7, failThreshold: 0.4 },
      agentGates: "on",
    });
    const published = await publishListing(A.ctx, { source: { kind: "team", ref: "gated-desk" }, ...details() });
    const pkg = published.latest.package;
    expect(pkg.judges?.map((j) => j.slug)).toEqual(["jt"]);
    expect(pkg.teams[0]).toMatchObject({ slug: "gated-desk", qualityGate: { judges: ["jt"], maxRevisions: 2 }, agentGates: "on" });
    expect(published.latest.manifest.judges).toEqual([expect.objectContaining({ slug: "jt", usedBy: [], usedByTeams: ["gated-desk"] })]);
    expect(published.latest.manifest.judgeCallsPerRun).toEqual({ min: 1, max: 3 });

    // installed behind a prefix: the team's gate names the renamed judge
    const installed = await consentAndInstall(published.id, { slugPrefix: "x" });
    const judge = installed.judges[0]!;
    expect(judge.slug).not.toBe("jt"); // renamed behind the prefix
    const team = await db().team.findFirstOrThrow({ where: { workspaceId: B.ws.id, slug: installed.teams[0]!.slug }, include: { versions: true } });
    expect(team.versions[0]).toMatchObject({ agentGates: "on", qualityGate: expect.objectContaining({ judges: [judge.slug] }) });
    expect((await getJudge(B.ctx, judge.slug)).slug).toBe(judge.slug);
  });

  it("a package without judges (published before judges travelled) has no judges key, verifies and installs as before", async () => {
    const pkg = agentPackage(`plain-${uniq()}`);
    expect("judges" in pkg).toBe(false);
    const listing = await writeListing(A.ws.id, pkg);
    expect((await getListing(B.ctx, listing.id)).latest.verified).toBe(true);
    const install = await consentAndInstall(listing.id);
    expect(install.judges).toEqual([]);
    // an agent without a gate builds a package without the key either (its signed form is unchanged)
    await createAgent(A.ctx, { slug: "ungated", name: "Ungated", instructions: "Help." });
    expect("judges" in (await buildPackage(A.ctx, { kind: "agent", ref: "ungated" }))).toBe(false);
    await uninstall(B.ctx, install.id);
  });
});
