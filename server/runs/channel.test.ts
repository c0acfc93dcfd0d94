/**
 * Where a run was started (Run.channel): the web app (tRPC), the REST API, the cadre CLI (REST with its user agent),
 * a re-run by where it was asked for, a service call that no transport set; the runs list filters on it in the
 * service, tRPC and REST (and on what started them: a trigger's, schedule's or evaluation's runs), and refuses an
 * unknown channel; usage totals break spend down by it. (The MCP endpoint, the OpenAI-compatible endpoint, webhook
 * triggers, schedules, evaluations and sub-runs are checked in their own tests.)
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { RUN_CHANNELS } from "@/lib/schemas/runs";
import { restChannelOf } from "@/server/rest/define";
import { addAgent, makeRunWorkspace, type RunWorkspace } from "@/test/fixtures/runs";
import { testDb as db } from "@/test/db";
import { callerFor, makeApiKey, outcome, rest, uniq } from "@/test/helpers";
import { newId } from "@/lib/ids";
import { usageTotals } from "@/server/ledger/reports";
import { listRuns, startRun } from "./service";

let rw: RunWorkspace;
let key: string;

beforeAll(async () => {
  rw = await makeRunWorkspace("channels");
  await addAgent(rw.ctx, "writer");
  key = (await makeApiKey(rw.ws, "member")).raw;
});

const caller = () => callerFor(rw.ws.users.owner, rw.ws.slug);

describe("a run's channel", () => {
  it("is the web app's through tRPC, the API's through REST, the CLI's with its user agent; a re-run takes where it was asked", async () => {
    const input = `channels ${uniq()}`;
    const web = await caller().runs.start({ agent: "writer", input });
    expect(web).toMatchObject({ channel: "web", channelRef: null });

    const api = await rest("POST", "/api/v1/runs", { key, body: { agent: "writer", input } });
    expect(api.status).toBe(201);
    expect(api.body).toMatchObject({ channel: "api", channelRef: null });

    const cli = await rest("POST", "/api/v1/runs", { key, body: { agent: "writer", input }, headers: { "user-agent": "cadre-cli" } });
    expect(cli.body).toMatchObject({ channel: "cli" });

    // the web app re-runs the CLI's run (once finished: no executor runs here): the re-run is the web app's
    await db().run.update({ where: { id: cli.body.id }, data: { status: "succeeded", startedAt: new Date(), finishedAt: new Date() } });
    const again = await caller().runs.rerun({ runId: cli.body.id });
    expect(again.channel).toBe("web");
    // a service call no transport named (a script, a test) is the API's
    expect((await startRun(rw.ctx, { agent: "writer", input })).channel).toBe("api");

    // read back as stored
    expect((await caller().runs.get({ runId: cli.body.id })).channel).toBe("cli");
    const got = await rest("GET", "/api/v1/runs/{runId}", { key, params: { runId: web.id } });
    expect(got.body).toMatchObject({ channel: "web", channelRef: null });
  });

  it("only the CLI's own user agent makes a CLI run", () => {
    expect(restChannelOf("cadre-cli")).toBe("cli");
    expect(restChannelOf("cadre-cli/0.1.0")).toBe("cli");
    expect(restChannelOf("cadre-clipper")).toBe("api");
    expect(restChannelOf("cadre-sdk-ts")).toBe("api");
    expect(restChannelOf(undefined)).toBe("api");
  });

  it("the runs list filters by channel (service, tRPC, REST); an unknown channel is refused", async () => {
    const input = `filtered ${uniq()}`;
    const viaCli = await rest("POST", "/api/v1/runs", { key, body: { agent: "writer", input }, headers: { "user-agent": "cadre-cli" } });
    const viaWeb = await caller().runs.start({ agent: "writer", input });
    const mine = (items: { id: string }[]) => items.map((r) => r.id).filter((id) => id === viaCli.body.id || id === viaWeb.id);

    expect(mine((await listRuns(rw.ctx, { channel: "cli", limit: 200 })).items)).toEqual([viaCli.body.id]);
    expect(mine((await caller().runs.list({ channel: "web", limit: 200 })).items)).toEqual([viaWeb.id]);
    const listed = await rest("GET", "/api/v1/runs", { key, query: { channel: "cli", limit: "200" } });
    expect(listed.status).toBe(200);
    expect(mine(listed.body.data)).toEqual([viaCli.body.id]);
    expect((listed.body.data as { channel: string }[]).every((r) => r.channel === "cli")).toBe(true);

    const refused = await rest("GET", "/api/v1/runs", { key, query: { channel: "fax" } });
    expect(refused.status).toBe(422);
    expect(JSON.stringify(refused.body)).toContain("channel");
    expect(await outcome(caller().runs.list({ channel: "fax" as (typeof RUN_CHANNELS)[number] }))).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
  });

  it("the runs list filters by what started the runs (channelRef): one trigger's runs, never another workspace's", async () => {
    const trigger = newId("whtr");
    const other = newId("whtr");
    const input = `by trigger ${uniq()}`;
    const first = await startRun(rw.ctx, { agent: "writer", input }, { channel: "webhook", channelRef: trigger });
    const second = await startRun(rw.ctx, { agent: "writer", input }, { channel: "webhook", channelRef: trigger });
    await startRun(rw.ctx, { agent: "writer", input }, { channel: "webhook", channelRef: other });
    await startRun(rw.ctx, { agent: "writer", input });
    // another workspace's run with the same reference (ids are unique: a forged or guessed reference) stays its own
    const rw2 = await makeRunWorkspace("channel-ref");
    await addAgent(rw2.ctx, "writer");
    const foreign = await startRun(rw2.ctx, { agent: "writer", input }, { channel: "webhook", channelRef: trigger });

    const ids = (items: { id: string }[]) => items.map((r) => r.id);
    expect(ids((await listRuns(rw.ctx, { channelRef: trigger })).items)).toEqual([second.id, first.id]);
    expect(ids((await caller().runs.list({ channelRef: trigger, channel: "webhook" })).items)).toEqual([second.id, first.id]);
    expect((await caller().runs.list({ channelRef: trigger, channel: "schedule" })).items).toEqual([]);
    // newest first, a page at a time
    const page1 = await caller().runs.list({ channelRef: trigger, limit: 1 });
    expect(ids(page1.items)).toEqual([second.id]);
    expect(ids((await caller().runs.list({ channelRef: trigger, limit: 1, cursor: page1.nextCursor! })).items)).toEqual([first.id]);
    const listed = await rest("GET", "/api/v1/runs", { key, query: { channelRef: trigger } });
    expect(listed.status).toBe(200);
    expect(ids(listed.body.data)).toEqual([second.id, first.id]);
    expect(listed.body.data[0]).toMatchObject({ channel: "webhook", channelRef: trigger });
    expect(ids(listed.body.data)).not.toContain(foreign.id);
    expect(ids((await listRuns(rw2.ctx, { channelRef: trigger })).items)).toEqual([foreign.id]);

    // only a trigger's, schedule's or evaluation's id
    for (const bad of ["x".repeat(65), "run_abcdef123", "whtr_abc\u0000def"]) {
      const refused = await rest("GET", "/api/v1/runs", { key, query: { channelRef: bad } });
      expect(refused.status, bad).toBe(422);
      expect(JSON.stringify(refused.body)).toContain("channelRef");
    }
  });

  it("usage totals break spend down by the channel of the calls' runs (calls of no run apart)", async () => {
    const rw2 = await makeRunWorkspace("channel-usage");
    await addAgent(rw2.ctx, "writer");
    const viaWeb = await callerFor(rw2.ws.users.owner, rw2.ws.slug).runs.start({ agent: "writer", input: "usage" });
    const viaApi = await startRun(rw2.ctx, { agent: "writer", input: "usage" });
    const usage = (runId: string | null, costUsd: string) =>
      db().usageRecord.create({
        data: {
          id: newId("use"),
          workspaceId: rw2.ws.id,
          runId,
          modelName: "sim-fast",
          providerKind: "simulator",
          inputTokens: 10,
          outputTokens: 5,
          costUsd,
          latencyMs: 5,
          outcome: "ok",
        },
      });
    await usage(viaWeb.id, "0.0100");
    await usage(viaWeb.id, "0.0200");
    await usage(viaApi.id, "0.0050");
    await usage(null, "0.0010");
    const totals = await usageTotals(rw2.ctx, {});
    expect(totals.byChannel.map((c) => [c.channel, c.costUsd, c.calls])).toEqual([
      ["web", 0.03, 2],
      ["api", 0.005, 1],
      [null, 0.001, 1],
    ]);
    const viaTrpc = await callerFor(rw2.ws.users.owner, rw2.ws.slug).usage.totals({});
    expect(viaTrpc.byChannel).toEqual(totals.byChannel);
  });
});
