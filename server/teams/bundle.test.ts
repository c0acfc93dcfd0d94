/**
 * Team files: export (team + the agents it names, YAML and JSON, slugs only), import (all or nothing; clear errors
 * for taken slugs, foreign models, unknown nested teams, bad YAML), and templates (one click, a second click a copy).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { testDb as db } from "@/test/db";
import { addAgent, addTeam, makeRunWorkspace, type RunWorkspace } from "@/test/fixtures/runs";
import { appErrorOf, auditRows, callerFor, makeApiKey, outcome, rest } from "@/test/helpers";
import { TEAM_TEMPLATES } from "@/lib/team-templates";
import type { TopologySpec } from "@/lib/schemas/topology";
import { exportTeamBundle, importTeamBundle, parseBundle, parseBundleText } from "./bundle";
import { createFromTemplate, withSuffix } from "./templates";

let source: RunWorkspace;
let target: RunWorkspace;
beforeAll(async () => {
  source = await makeRunWorkspace("bundle-src");
  target = await makeRunWorkspace("bundle-dst");
  await addAgent(source.ctx, "writer", { instructions: "Write it." });
  await addAgent(source.ctx, "editor", { instructions: "Edit it." });
  await addTeam(source.ctx, "pipeline", { topology: "sequential", agents: ["writer", "editor"] });
});

const counts = async (workspaceId: string) => ({
  agents: await db().agent.count({ where: { workspaceId } }),
  teams: await db().team.count({ where: { workspaceId } }),
});

describe("exporting and importing a team file", () => {
  it("exports the team with its agents by slug, and another workspace imports the YAML as the same team", async () => {
    const out = await exportTeamBundle(source.ctx, "pipeline");
    expect(out.filename).toBe("pipeline.cadre-team");
    expect(out.yaml).not.toMatch(/agt_|team_|ws_/);
    expect(parseYaml(out.yaml)).toEqual(out.bundle);
    expect(out.bundle).toMatchObject({ kind: "cadre.team", version: 1, team: { slug: "pipeline" } });
    expect((out.bundle.agents as { slug: string; instructions: string }[]).map((a) => [a.slug, a.instructions])).toEqual([
      ["writer", "Write it."],
      ["editor", "Edit it."],
    ]);

    const imported = await importTeamBundle(target.ctx, parseBundleText(out.yaml));
    expect(imported.team).toMatchObject({ slug: "pipeline", currentVersion: 1, topology: "sequential" });
    expect(imported.agents.map((a) => a.slug)).toEqual(["writer", "editor"]);
    const again = await exportTeamBundle(target.ctx, "pipeline");
    expect(again.bundle).toEqual(out.bundle);
    const actions = (await auditRows(target.ws.id)).map((r) => r.action);
    expect(actions.filter((a) => a === "agent.create")).toHaveLength(2);
    expect(actions).toContain("team.create");
  });

  it("refuses a file whose slugs are taken, naming them all, and writes nothing", async () => {
    const out = await exportTeamBundle(source.ctx, "pipeline");
    const before = await counts(source.ws.id);
    const error = await appErrorOf(importTeamBundle(source.ctx, parseBundle(out.bundle)));
    expect(error.code).toBe("CONFLICT");
    expect(error.message).toContain('agent "writer"');
    expect(error.message).toContain('agent "editor"');
    expect(error.message).toContain('team "pipeline"');
    expect(await counts(source.ws.id)).toEqual(before);
  });

  it("writes nothing when the team is invalid after its agents were written (one transaction)", async () => {
    const before = await counts(target.ws.id);
    const bundle = parseBundle({
      kind: "cadre.team",
      version: 1,
      team: { slug: "broken", name: "Broken", spec: { topology: "hybrid", arrangement: { topology: "sequential", agents: ["solo-a", { team: "nowhere" }] } } },
      agents: [{ slug: "solo-a", name: "Solo A" }],
    });
    const error = await appErrorOf(importTeamBundle(target.ctx, bundle));
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.message).toContain('team.spec.arrangement.agents.1: Unknown team "nowhere"');
    expect(await counts(target.ws.id)).toEqual(before);
    expect(await db().agent.findFirst({ where: { workspaceId: target.ws.id, slug: "solo-a" } })).toBeNull();
  });

  it("refuses a model policy that names a model of another workspace, saying which agent", async () => {
    const foreignModel = await db().model.findFirstOrThrow({ where: { workspaceId: source.ws.id }, select: { id: true } });
    const bundle = parseBundle({
      kind: "cadre.team",
      version: 1,
      team: { slug: "pinned-team", name: "Pinned", spec: { topology: "sequential", agents: ["pinned-agent"] } },
      agents: [{ slug: "pinned-agent", name: "Pinned agent", modelPolicy: { type: "pinned", modelId: foreignModel.id } }],
    });
    const error = await appErrorOf(importTeamBundle(target.ctx, bundle));
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.message).toContain('agents.0.modelPolicy: Agent "pinned-agent"');
  });

  it("says where a file is not YAML, and what is wrong with a YAML that is not a team file", async () => {
    const bad = await appErrorOf(Promise.resolve().then(() => parseBundleText("kind: cadre.team\nteam: [unclosed\n")));
    expect(bad.code).toBe("VALIDATION_FAILED");
    expect(bad.message).toMatch(/not YAML or JSON \(line \d+/);
    const wrong = await appErrorOf(Promise.resolve().then(() => parseBundleText("kind: something\nversion: 2\n")));
    expect(wrong.message).toContain("kind: cadre.team");
    expect(wrong.message).toContain("version 1");
  });

  it("over tRPC: a viewer cannot import; another workspace's member gets 404 exporting; over REST a key imports the JSON", async () => {
    const out = await exportTeamBundle(source.ctx, "pipeline");
    const viewer = callerFor(target.ws.users.viewer, target.ws.slug);
    expect(await outcome(viewer.teams.import({ text: out.yaml }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
    const stranger = callerFor(target.ws.users.owner, target.ws.slug);
    const sourceTeam = await db().team.findFirstOrThrow({ where: { workspaceId: source.ws.id, slug: "pipeline" } });
    expect(await outcome(stranger.teams.export({ team: sourceTeam.id }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    const foreignKey = await makeApiKey(target.ws, "owner");
    expect((await rest("GET", "/api/v1/teams/{teamId}/export", { key: foreignKey.raw, params: { teamId: sourceTeam.id } })).status).toBe(404);

    const third = await makeRunWorkspace("bundle-rest");
    const key = await makeApiKey(third.ws, "member");
    const res = await rest("POST", "/api/v1/team-bundles", { key: key.raw, body: out.bundle });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ team: { slug: "pipeline" }, agents: [{ slug: "writer" }, { slug: "editor" }] });
  });
});

describe("team templates", () => {
  it("each template is a valid team file that creates its team and agents; a second use makes a suffixed copy", async () => {
    const rw = await makeRunWorkspace("templates");
    for (const template of TEAM_TEMPLATES) {
      const created = await createFromTemplate(rw.ctx, template.id);
      expect(created.team.slug).toBe(template.bundle.team.slug);
      expect(created.agents).toHaveLength(template.bundle.agents.length);
    }
    const copy = await createFromTemplate(rw.ctx, "research-brief");
    expect(copy.team.slug).toBe("research-brief-2");
    expect(copy.agents.map((a) => a.slug)).toEqual(["researcher-2", "writer-2", "editor-2"]);
    const team = await db().teamVersion.findFirstOrThrow({ where: { teamId: copy.team.id } });
    expect(team.spec).toMatchObject({ topology: "sequential", agents: ["researcher-2", "writer-2", "editor-2"] });
    expect((await appErrorOf(createFromTemplate(rw.ctx, "nope"))).code).toBe("NOT_FOUND");
  });

  it("renames only the template's own agents in the spec", () => {
    const bundle = parseBundle({
      kind: "cadre.team",
      version: 1,
      team: { slug: "h", name: "H", spec: { topology: "hybrid", arrangement: { topology: "debate", debaters: ["a", { team: "other" }], judge: "outsider" } } },
      agents: [{ slug: "a", name: "A" }],
    });
    const renamed = withSuffix(bundle, "-3");
    expect(renamed.team.slug).toBe("h-3");
    expect((renamed.team.spec as TopologySpec & { arrangement: unknown }).arrangement).toEqual({
      topology: "debate",
      debaters: ["a-3", { team: "other" }],
      judge: "outsider",
    });
    expect(bundle.team.spec).toMatchObject({ arrangement: { debaters: ["a", { team: "other" }] } });
  });

  it("lists the templates over REST and creates one with a key", async () => {
    const rw = await makeRunWorkspace("templates-rest");
    const key = await makeApiKey(rw.ws, "member");
    const list = await rest("GET", "/api/v1/team-templates", { key: key.raw });
    expect((list.body as { data: { id: string }[] }).data.map((t) => t.id)).toEqual(TEAM_TEMPLATES.map((t) => t.id));
    const res = await rest("POST", "/api/v1/team-templates/{templateId}", { key: key.raw, params: { templateId: "code-review" } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ team: { slug: "code-review", topology: "maker_checker" } });
  });
});
