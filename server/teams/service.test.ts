import { beforeAll, describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { testDb as db } from "@/test/db";
import { auditRows, callerFor, makeWorkspace, outcome, type TestWorkspace } from "@/test/helpers";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { createTeam, updateTeam } from "./service";
import { pinnedTeamFromVersions, pinTeam } from "./pinning";
import { MAX_TEAM_NESTING } from "./team-graph";

let ws: TestWorkspace;
const owner = () => callerFor(ws.users.owner, ws.slug);
const tenant = () => resolveUserTenant(ws.users.owner, ws.slug, "req_test");

/** The issues of a refused save (AppError VALIDATION_FAILED), sorted by path. */
async function issuesOf(promise: Promise<unknown>): Promise<{ path: string; message: string }[]> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("VALIDATION_FAILED");
    return [...((error as AppError).details!.issues as { path: string; message: string }[])].sort((a, b) => a.path.localeCompare(b.path));
  }
  throw new Error("the save was not refused");
}

beforeAll(async () => {
  ws = await makeWorkspace("teams");
  for (const slug of ["alice", "bob", "carol", "dave", "judge", "old"]) await owner().agents.create({ slug, name: slug });
  await owner().agents.archive({ agent: "old" });
});

describe("teams: versions", () => {
  it("creates version 1, saves new immutable versions, pins by number, and an identical save writes nothing", async () => {
    const t = await owner().teams.create({ slug: "writers", name: "Writers", spec: { topology: "sequential", agents: ["alice", "bob"] } });
    expect(t).toMatchObject({
      slug: "writers",
      currentVersion: 1,
      versionCount: 1,
      topology: "sequential",
      agents: ["alice", "bob"],
      teams: [],
      description: "",
    });
    expect(t.spec).toEqual({ topology: "sequential", agents: ["alice", "bob"], context: "last" }); // defaults applied
    expect(t.id).toMatch(/^team_/);

    const v2 = await owner().teams.update({ team: "writers", spec: { topology: "parallel", agents: ["alice", "bob"], aggregator: "carol" } });
    expect(v2).toMatchObject({ currentVersion: 2, topology: "parallel", agents: ["alice", "bob", "carol"] });
    const v3 = await owner().teams.update({ team: t.id, description: "Two writers\nand an editor" });
    expect(v3.currentVersion).toBe(3);
    expect(v3.spec.topology).toBe("parallel"); // carried over

    // identical saves: same spec written differently (defaults, key order), same name
    const auditBefore = (await auditRows(ws.id, "team.update")).length;
    const same = await owner().teams.update({
      team: "writers",
      name: "Writers",
      spec: { aggregator: "carol", agents: ["alice", "bob"], topology: "parallel" },
    });
    expect(same.currentVersion).toBe(3);
    expect((await owner().teams.update({ team: "writers" })).currentVersion).toBe(3);
    expect(await db().teamVersion.count({ where: { teamId: t.id } })).toBe(3);
    expect((await auditRows(ws.id, "team.update")).length).toBe(auditBefore);

    const versions = (await owner().teams.versions({ team: "writers" })).items;
    expect(versions.map((v) => [v.version, v.spec.topology])).toEqual([
      [3, "parallel"],
      [2, "parallel"],
      [1, "sequential"],
    ]);

    const ctx = await tenant();
    const pinned = await pinnedTeamFromVersions(ctx, t.id, 1, { agents: { alice: 1, bob: 1 }, teams: {} });
    expect(pinned).toMatchObject({ teamId: t.id, slug: "writers", version: 1, spec: { topology: "sequential" } });
    expect(Object.keys(pinned.agents).sort()).toEqual(["alice", "bob"]);
  });

  it("diffs two versions: name, description and the spec as JSON lines", async () => {
    await owner().teams.create({ slug: "diffs", name: "Diffs", spec: { topology: "debate", debaters: ["alice", "bob"], judge: "judge", rounds: 2 } });
    await owner().teams.update({
      team: "diffs",
      name: "Diffs 2",
      spec: { topology: "debate", debaters: ["alice", "bob", "carol"], judge: "judge", rounds: 4 },
    });
    const d = await owner().teams.diff({ team: "diffs", from: 1, to: 2 });
    expect(d.changes.map((c) => c.field)).toEqual(["name", "spec"]);
    const spec = d.changes[1]!;
    expect(spec.lines!.filter((l) => l.op === "remove").map((l) => l.text.trim())).toEqual(['"bob"', '"rounds": 2']);
    expect(spec.lines!.filter((l) => l.op === "add").map((l) => l.text.trim())).toEqual(['"bob",', '"carol"', '"rounds": 4']);
    expect(spec.lines![1]).toEqual({ op: "equal", text: '  "topology": "debate",' });
  });

  it("archives a team: hidden from the list, no changes, no new runs, no new nested uses; audited", async () => {
    const t = await owner().teams.create({ slug: "gone", name: "Gone", spec: { topology: "sequential", agents: ["alice"] } });
    await owner().teams.archive({ team: "gone" });
    expect((await owner().teams.list()).items.map((x) => x.slug)).not.toContain("gone");
    expect((await owner().teams.list({ includeArchived: true })).items.map((x) => x.slug)).toContain("gone");
    expect(await outcome(owner().teams.update({ team: "gone", name: "Back" }))).toMatchObject({ ok: false, code: "CONFLICT" });
    await expect(pinTeam(await tenant(), "gone")).rejects.toMatchObject({ code: "CONFLICT" });
    const nested = await issuesOf(
      createTeam(await tenant(), {
        slug: "uses-gone",
        name: "U",
        spec: { topology: "hybrid", arrangement: { topology: "sequential", agents: [{ team: "gone" }] } },
      }),
    );
    expect(nested).toEqual([{ path: "spec.arrangement.agents.0", message: 'Team "gone" is archived' }]);
    const actions = (await auditRows(ws.id)).filter((r) => r.targetId === t.id).map((r) => r.action);
    expect(actions).toEqual(["team.archive", "team.create"]);
  });
});

describe("teams: validation lists every problem at once", () => {
  it("a DAG with an unknown agent, an archived agent, a cycle, an unknown dependency, a duplicate and a reserved id", async () => {
    const ctx = await tenant();
    const issues = await issuesOf(
      createTeam(ctx, {
        slug: "bad-dag",
        name: "Bad",
        spec: {
          topology: "dag",
          nodes: [
            { id: "a", agent: "alice", dependsOn: ["c"] },
            { id: "b", agent: "nobody", dependsOn: ["a"] },
            { id: "c", agent: "old", dependsOn: ["b", "zzz"] },
            { id: "d", agent: "bob" },
            { id: "d", agent: "carol" },
            { id: "input", agent: "dave" },
          ],
        },
      }),
    );
    expect(issues).toEqual([
      { path: "spec.nodes", message: "The graph has a cycle: a -> c -> b -> a" },
      { path: "spec.nodes.1.agent", message: 'Unknown agent "nobody"' },
      { path: "spec.nodes.2.agent", message: 'Agent "old" is archived' },
      { path: "spec.nodes.2.dependsOn.1", message: 'Unknown node "zzz"' },
      { path: "spec.nodes.4.id", message: 'Duplicate node id "d"' },
      { path: "spec.nodes.5.id", message: '"input" is reserved: choose another node id' },
    ]);
    expect(await db().team.count({ where: { workspaceId: ws.id, slug: "bad-dag" } })).toBe(0);
  });

  it("schema issues (rounds out of range, a bad field) come together with a grid size mismatch's unknown agents", async () => {
    const ctx = await tenant();
    const issues = await issuesOf(
      createTeam(ctx, {
        slug: "bad-grid",
        name: "Bad grid",
        spec: { topology: "grid", rows: 2, columns: 2, cells: ["alice", "bob", "ghost"], aggregator: "nobody", rounds: 99 },
      }),
    );
    expect(issues.map((i) => i.path)).toEqual(["spec.aggregator", "spec.cells.2", "spec.rounds"]);
    expect(issues.find((i) => i.path === "spec.rounds")!.message).toMatch(/10/);
    expect(issues.find((i) => i.path === "spec.cells.2")!.message).toBe('Unknown agent "ghost"');

    // once the schema passes, the size mismatch is reported with the unknown agents
    const grid = await issuesOf(
      createTeam(ctx, {
        slug: "bad-grid",
        name: "Bad grid",
        spec: { topology: "grid", rows: 2, columns: 2, cells: ["alice", "bob", "ghost"], aggregator: "nobody" },
      }),
    );
    expect(grid).toEqual([
      { path: "spec.aggregator", message: 'Unknown agent "nobody"' },
      { path: "spec.cells", message: "A 2 x 2 grid needs 4 cells, got 3" },
      { path: "spec.cells.2", message: 'Unknown agent "ghost"' },
    ]);
    // the envelope too: a bad slug comes with the spec's problems
    const both = await issuesOf(createTeam(ctx, { slug: "Bad Slug", name: "", spec: { topology: "mesh", agents: ["alice"] } } as never));
    expect(both.map((i) => i.path)).toEqual(["name", "slug", "spec.agents"]);
  });

  it("nested teams outside hybrid, unknown topologies, unknown nested teams", async () => {
    const ctx = await tenant();
    expect(await issuesOf(createTeam(ctx, { slug: "x1", name: "X", spec: { topology: "sequential", agents: [{ team: "writers" }] } }))).toEqual([
      { path: "spec.agents.0", message: "Nested teams are only allowed in the hybrid topology" },
    ]);
    expect((await issuesOf(createTeam(ctx, { slug: "x2", name: "X", spec: { topology: "pyramid" } }))).map((i) => i.path)).toEqual(["spec.topology"]);
    expect((await issuesOf(createTeam(ctx, { slug: "x3", name: "X" } as never))).length).toBeGreaterThan(0);
    expect(
      await issuesOf(
        createTeam(ctx, {
          slug: "x4",
          name: "X",
          spec: { topology: "hybrid", arrangement: { topology: "star", hub: "alice", spokes: [{ team: "no-such-team" }, "nobody"] } },
        }),
      ),
    ).toEqual([
      { path: "spec.arrangement.spokes.0", message: 'Unknown team "no-such-team"' },
      { path: "spec.arrangement.spokes.1", message: 'Unknown agent "nobody"' },
    ]);
  });

  it("an update is validated the same way and leaves the team unchanged when refused", async () => {
    const ctx = await tenant();
    await owner().teams.create({ slug: "steady", name: "Steady", spec: { topology: "mesh", agents: ["alice", "bob"] } });
    const issues = await issuesOf(updateTeam(ctx, "steady", { spec: { topology: "mesh", agents: ["alice", "nobody", "old"], rounds: 0 } }));
    expect(issues.map((i) => i.path)).toEqual(["spec.agents.1", "spec.agents.2", "spec.rounds"]);
    expect((await owner().teams.get({ team: "steady" })).currentVersion).toBe(1);
  });

  it("teams.validate returns the problems without saving", async () => {
    const result = await owner().teams.validate({ spec: { topology: "circular", agents: ["alice", "nobody"], laps: 11 }, slug: "draft" });
    expect(result.valid).toBe(false);
    expect(result.issues.map((i) => i.path).sort()).toEqual(["spec.agents.1", "spec.laps"]);
    expect(await owner().teams.validate({ spec: { topology: "circular", agents: ["alice", "bob"] } })).toEqual({ valid: true, issues: [] });
    expect(await db().team.count({ where: { workspaceId: ws.id, slug: "draft" } })).toBe(0);
  });

  it("a supervisor team: unknown and archived agents, duplicate workers, maxTurns out of range; a valid one saves", async () => {
    const bad = await owner().teams.validate({ spec: { topology: "supervisor", supervisor: "nobody", workers: ["alice", "alice", "old"], maxTurns: 21 } });
    expect(bad.valid).toBe(false);
    expect(bad.issues.map((i) => i.path).sort()).toEqual(["spec.maxTurns", "spec.supervisor", "spec.workers.2"]);
    const dup = await owner().teams.validate({ spec: { topology: "supervisor", supervisor: "judge", workers: ["alice", "alice"] } });
    expect(dup.issues).toEqual([{ path: "spec.workers.1", message: 'Duplicate worker "alice": the supervisor picks workers by name' }]);
    const ctx = await tenant();
    const team = await createTeam(ctx, { slug: "routed", name: "Routed", spec: { topology: "supervisor", supervisor: "judge", workers: ["alice", "bob"] } });
    expect(team.spec).toEqual({ topology: "supervisor", supervisor: "judge", workers: ["alice", "bob"], maxTurns: 8, parallel: false });
  });
});

describe("teams: nested teams", () => {
  const hybrid = (...teams: string[]) => ({
    topology: "hybrid" as const,
    arrangement: { topology: "sequential" as const, agents: ["alice", ...teams.map((team) => ({ team }))] },
  });

  it("refuses a team that includes itself, directly or through other teams' current versions", async () => {
    const ctx = await tenant();
    await owner().teams.create({ slug: "cyc-b", name: "B", spec: { topology: "sequential", agents: ["bob"] } });
    await owner().teams.create({ slug: "cyc-a", name: "A", spec: hybrid("cyc-b") });
    await owner().teams.create({ slug: "cyc-c", name: "C", spec: hybrid("cyc-a") });
    // B -> C -> A -> B
    expect(await issuesOf(updateTeam(ctx, "cyc-b", { spec: hybrid("cyc-c") }))).toEqual([
      { path: "spec.arrangement.agents.1", message: "Nested teams form a cycle: cyc-b -> cyc-c -> cyc-a -> cyc-b" },
    ]);
    expect(await issuesOf(updateTeam(ctx, "cyc-a", { spec: hybrid("cyc-a") }))).toEqual([
      { path: "spec.arrangement.agents.1", message: "A team cannot include itself" },
    ]);
    // a new team named in its own spec
    expect(await issuesOf(createTeam(ctx, { slug: "cyc-new", name: "N", spec: hybrid("cyc-new") }))).toEqual([
      { path: "spec.arrangement.agents.1", message: "A team cannot include itself" },
    ]);
    // teams.validate for an existing team knows its slug
    expect((await owner().teams.validate({ team: "cyc-b", spec: hybrid("cyc-a") })).issues[0]!.message).toBe(
      "Nested teams form a cycle: cyc-b -> cyc-a -> cyc-b",
    );
  });

  it(`refuses nesting deeper than ${MAX_TEAM_NESTING} levels, counting the teams above`, async () => {
    const ctx = await tenant();
    await owner().teams.create({ slug: "deep-0", name: "0", spec: { topology: "sequential", agents: ["alice"] } });
    for (let i = 1; i <= MAX_TEAM_NESTING; i++) await owner().teams.create({ slug: `deep-${i}`, name: String(i), spec: hybrid(`deep-${i - 1}`) });
    const issues = await issuesOf(createTeam(ctx, { slug: "deep-too", name: "Too deep", spec: hybrid(`deep-${MAX_TEAM_NESTING}`) }));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toContain(`${MAX_TEAM_NESTING + 1} levels`);
    // deep-0 gets a nested team: the teams above it would go one level too deep
    await owner().teams.create({ slug: "leaf", name: "Leaf", spec: { topology: "sequential", agents: ["bob"] } });
    const above = await issuesOf(updateTeam(ctx, "deep-0", { spec: hybrid("leaf") }));
    expect(above[0]!.message).toContain(`counting ${MAX_TEAM_NESTING} team levels that include this team`);
  });

  it("pinTeam resolves every agent and nested team at their current versions; pinnedTeamFromVersions re-loads the pins", async () => {
    const ctx = await tenant();
    await owner().teams.create({ slug: "inner", name: "Inner", spec: { topology: "parallel", agents: ["bob", "carol"] } });
    const outer = await owner().teams.create({
      slug: "outer",
      name: "Outer",
      spec: { topology: "hybrid", arrangement: { topology: "maker_checker", maker: "alice", checkers: [{ team: "inner" }, "dave"] } },
    });
    expect(outer.teams).toEqual(["inner"]);
    const pin = await pinTeam(ctx, "outer");
    expect(pin).toMatchObject({ teamId: outer.id, slug: "outer", version: 1 });
    expect(Object.keys(pin.agents).sort()).toEqual(["alice", "bob", "carol", "dave"]);
    expect(pin.agents.bob).toMatchObject({ slug: "bob", version: 1 });
    expect(pin.teams).toEqual({ inner: { teamId: expect.stringMatching(/^team_/), version: 1, spec: { topology: "parallel", agents: ["bob", "carol"] } } });

    // things change; the pinned versions do not
    await owner().agents.update({ agent: "bob", instructions: "new bob" });
    await owner().teams.update({ team: "inner", spec: { topology: "parallel", agents: ["bob"] } });
    const again = await pinnedTeamFromVersions(ctx, outer.id, pin.version, {
      agents: Object.fromEntries(Object.entries(pin.agents).map(([s, a]) => [s, a.version])),
      teams: Object.fromEntries(Object.entries(pin.teams).map(([s, t]) => [s, t.version])),
    });
    expect(again.agents.bob).toMatchObject({ version: 1, instructions: "" });
    expect(again.teams.inner!.spec).toEqual({ topology: "parallel", agents: ["bob", "carol"] });
    const fresh = await pinTeam(ctx, "outer");
    expect(fresh.agents.bob!.version).toBe(2);
    expect(fresh.teams.inner!.version).toBe(2);

    // an agent archived after the save: a new run is refused with every problem, the pinned one keeps working
    await owner().agents.create({ slug: "temp", name: "Temp" });
    await owner().teams.update({ team: "inner", spec: { topology: "parallel", agents: ["bob", "temp"] } });
    await owner().agents.archive({ agent: "temp" });
    await expect(pinTeam(ctx, "outer")).rejects.toMatchObject({
      code: "VALIDATION_FAILED",
      details: { issues: [{ path: "teams.inner.spec.agents.1", message: 'Agent "temp" is archived' }] },
    });
    expect((await pinnedTeamFromVersions(ctx, outer.id, 1, { agents: { alice: 1, bob: 1, carol: 1, dave: 1 }, teams: { inner: 1 } })).version).toBe(1);
    await expect(pinnedTeamFromVersions(ctx, outer.id, 1, { agents: { alice: 9 }, teams: {} })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
