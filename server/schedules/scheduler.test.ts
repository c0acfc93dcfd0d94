/**
 * Schedules (issue 15) against the real database, driven with an injected clock (never a sleep): a due time fires
 * one run and advances nextRunAt; two schedulers claiming at once fire it once; a due time is skipped (recorded) while
 * the last run is active unless allowOverlap; after downtime `skip` jumps ahead without a run and `catch_up` runs once;
 * a time zone across a daylight-saving change; pause stops firing and resume starts after now; another workspace's
 * member and API key get 404.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { addAgent, makeRunWorkspace, type RunWorkspace } from "@/test/fixtures/runs";
import { appErrorOf, auditRows, callerFor, makeApiKey, outcome, rest } from "@/test/helpers";
import { claimDueSchedules, fireSchedule, startScheduler, tickSchedules } from "./scheduler";
import { createSchedule, getSchedule, pauseSchedule, resumeSchedule, updateSchedule } from "./service";

let a: RunWorkspace;
let b: RunWorkspace;
const at = (iso: string) => new Date(iso);
const tick = (now: string, owner = "test") => tickSchedules({ owner, now: at(now), workspaceIds: [a.ws.id] });
const runsOf = (scheduleInput: string) => db().run.findMany({ where: { workspaceId: a.ws.id, input: scheduleInput }, orderBy: { createdAt: "asc" } });
const finish = (runId: string) => db().run.update({ where: { id: runId }, data: { status: "succeeded", finishedAt: new Date() } });

beforeAll(async () => {
  a = await makeRunWorkspace("sched-a");
  b = await makeRunWorkspace("sched-b");
  await addAgent(a.ctx, "reporter");
});

async function every5(input: string, over: Partial<Parameters<typeof createSchedule>[1]> = {}, now = "2027-01-04T10:02:00Z") {
  return createSchedule(a.ctx, { name: input, agent: "reporter", cron: "*/5 * * * *", input, ...over }, at(now));
}

describe("firing", () => {
  it("a due time starts one run and advances nextRunAt; nothing before it is due", async () => {
    const s = await every5("report fire");
    expect(s.nextRunAt).toEqual(at("2027-01-04T10:05:00Z"));
    expect(await tick("2027-01-04T10:04:59Z")).toEqual([]);
    const [outcome] = await tick("2027-01-04T10:05:01Z");
    expect(outcome).toEqual({ fired: expect.stringMatching(/^run_/) });
    const after = await getSchedule(a.ctx, s.id);
    expect(after).toMatchObject({ nextRunAt: at("2027-01-04T10:10:00Z"), lastRunId: (outcome as { fired: string }).fired, skippedFires: 0 });
    const runs = await runsOf("report fire");
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ createdByType: "user", createdById: a.ws.users.owner.id, status: "queued", channel: "schedule", channelRef: s.id });
    const [start] = await auditRows(a.ws.id, "run.start");
    expect(start?.metadata).toMatchObject({ schedule: s.id, dueAt: "2027-01-04T10:05:00.000Z" });
    await finish(runs[0]!.id);
    await pauseSchedule(a.ctx, s.id);
  });

  it("two schedulers claiming at once fire a due time once; a second fire of the same claimed row writes nothing", async () => {
    const s = await every5("report twice");
    const outcomes = (await Promise.all([tick("2027-01-04T10:05:02Z", "one"), tick("2027-01-04T10:05:02Z", "two")])).flat();
    expect(outcomes.filter((o) => "fired" in o)).toHaveLength(1);
    expect(await runsOf("report twice")).toHaveLength(1);
    await finish((await runsOf("report twice"))[0]!.id);

    // a claim that expired while its fire was in flight: both fires race on the same due time, one wins
    const due = await claimDueSchedules({ owner: "three", now: at("2027-01-04T10:10:01Z"), workspaceIds: [a.ws.id] });
    const row = due.find((d) => d.id === s.id)!;
    const raced = await Promise.all([fireSchedule(row, at("2027-01-04T10:10:01Z")), fireSchedule(row, at("2027-01-04T10:10:01Z"))]);
    expect(raced.filter((o) => "fired" in o)).toHaveLength(1);
    expect(raced.filter((o) => "lost" in o)).toHaveLength(1);
    expect(await runsOf("report twice")).toHaveLength(2);
    await pauseSchedule(a.ctx, s.id);
  });

  it("a due time is skipped (and recorded) while the last run is active, unless allowOverlap", async () => {
    const s = await every5("report overlap");
    await tick("2027-01-04T10:05:01Z");
    expect(await tick("2027-01-04T10:10:01Z")).toEqual([{ skipped: "overlap" }]);
    expect(await getSchedule(a.ctx, s.id)).toMatchObject({ skippedFires: 1, lastSkipReason: "overlap", nextRunAt: at("2027-01-04T10:15:00Z") });
    expect(await runsOf("report overlap")).toHaveLength(1);

    await updateSchedule(a.ctx, s.id, { allowOverlap: true }, at("2027-01-04T10:12:00Z"));
    expect(await tick("2027-01-04T10:15:01Z")).toEqual([{ fired: expect.any(String) }]);
    expect(await runsOf("report overlap")).toHaveLength(2);
    await pauseSchedule(a.ctx, s.id);
  });
});

describe("the in-process scheduler", () => {
  it("polls on its own and fires a due time once; stop() ends it", async () => {
    const s = await every5("report loop");
    const scheduler = startScheduler({ pollMs: 20, clock: () => at("2027-01-04T10:05:03Z"), workspaceIds: [a.ws.id] });
    try {
      await expect.poll(async () => (await runsOf("report loop")).length, { timeout: 10_000 }).toBe(1);
      await expect.poll(async () => (await getSchedule(a.ctx, s.id)).nextRunAt?.toISOString()).toBe("2027-01-04T10:10:00.000Z");
    } finally {
      await scheduler.stop();
    }
    expect(await runsOf("report loop")).toHaveLength(1);
    await pauseSchedule(a.ctx, s.id);
  });
});

describe("missed times after downtime", () => {
  it("skip: jumps to the next future time without a run", async () => {
    const s = await every5("report skip", { missedPolicy: "skip" });
    expect(await tick("2027-01-04T11:01:00Z")).toEqual([{ skipped: "missed" }]);
    expect(await getSchedule(a.ctx, s.id)).toMatchObject({ lastSkipReason: "missed", skippedFires: 1, nextRunAt: at("2027-01-04T11:05:00Z") });
    expect(await runsOf("report skip")).toHaveLength(0);
    await pauseSchedule(a.ctx, s.id);
  });

  it("catch_up: runs once for all the missed times, then resumes", async () => {
    const s = await every5("report catch up", { missedPolicy: "catch_up" });
    expect(await tick("2027-01-04T11:01:00Z")).toEqual([{ fired: expect.any(String) }]);
    expect(await tick("2027-01-04T11:01:05Z")).toEqual([]);
    expect(await getSchedule(a.ctx, s.id)).toMatchObject({ skippedFires: 0, nextRunAt: at("2027-01-04T11:05:00Z") });
    expect(await runsOf("report catch up")).toHaveLength(1);
    await pauseSchedule(a.ctx, s.id);
  });
});

describe("time zones, pause and resume", () => {
  it("09:00 in New York is 14:00 UTC before the daylight-saving change and 13:00 after it", async () => {
    const s = await createSchedule(
      a.ctx,
      { name: "NY morning", agent: "reporter", cron: "0 9 * * *", timezone: "America/New_York", input: "ny morning", missedPolicy: "catch_up" },
      at("2027-03-13T12:00:00Z"),
    );
    expect(s.nextRunAt).toEqual(at("2027-03-13T14:00:00Z"));
    await tick("2027-03-13T14:00:01Z");
    expect((await getSchedule(a.ctx, s.id)).nextRunAt).toEqual(at("2027-03-14T13:00:00Z"));
    await pauseSchedule(a.ctx, s.id);
  });

  it("a paused schedule does not fire; resumed, it starts from the next time after now; both audited", async () => {
    const s = await every5("report paused");
    const paused = await pauseSchedule(a.ctx, s.id);
    expect(paused).toMatchObject({ status: "paused", nextRunAt: null });
    expect(await tick("2027-01-04T10:05:01Z")).toEqual([]);
    expect(await runsOf("report paused")).toHaveLength(0);
    const resumed = await resumeSchedule(a.ctx, s.id, at("2027-01-04T10:31:00Z"));
    expect(resumed).toMatchObject({ status: "active", nextRunAt: at("2027-01-04T10:35:00Z") });
    expect((await auditRows(a.ws.id, "schedule.pause")).some((r) => r.targetId === s.id)).toBe(true);
    expect((await auditRows(a.ws.id, "schedule.resume")).some((r) => r.targetId === s.id)).toBe(true);
    await pauseSchedule(a.ctx, s.id);
  });

  it("refuses a bad expression, a bad time zone and a seconds field with clear messages", async () => {
    await expect(createSchedule(a.ctx, { name: "x", agent: "reporter", cron: "*/5 * * *", input: "x" })).rejects.toThrow("five fields");
    expect(
      JSON.stringify(
        await outcome(
          callerFor(a.ws.users.owner, a.ws.slug).schedules.create({ name: "x", agent: "reporter", cron: "0 9 * * *", timezone: "Mars/Base", input: "x" }),
        ),
      ),
    ).toContain("not an IANA time zone");
    await expect(createSchedule(a.ctx, { name: "x", agent: "reporter", cron: "*/5 * * * * *", input: "x" })).rejects.toThrow("five fields");
    expect((await appErrorOf(createSchedule(a.ctx, { name: "x", agent: "reporter", cron: "0 0 30 2 *", input: "x" }))).message).toContain("no future time");
  });
});

describe("tenancy", () => {
  it("another workspace's member and API key get 404; a viewer reads but cannot pause", async () => {
    const s = await every5("report tenancy", { paused: true });
    const other = callerFor(b.ws.users.owner, b.ws.slug);
    expect(await outcome(other.schedules.get({ scheduleId: s.id }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await outcome(other.schedules.resume({ scheduleId: s.id }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    const key = await makeApiKey(b.ws, "owner");
    for (const [method, path] of [
      ["GET", "/api/v1/schedules/{scheduleId}"],
      ["PATCH", "/api/v1/schedules/{scheduleId}"],
      ["DELETE", "/api/v1/schedules/{scheduleId}"],
      ["POST", "/api/v1/schedules/{scheduleId}/pause"],
      ["POST", "/api/v1/schedules/{scheduleId}/resume"],
    ] as const) {
      const res = await rest(method, path, { key: key.raw, params: { scheduleId: s.id }, ...(method === "PATCH" ? { body: { name: "taken" } } : {}) });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    const viewer = callerFor(a.ws.users.viewer, a.ws.slug);
    expect(await outcome(viewer.schedules.list({}))).toMatchObject({ ok: true });
    expect(await outcome(viewer.schedules.pause({ scheduleId: s.id }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
  });

  it("REST: create (201), list with the next run time, pause and resume", async () => {
    const key = await makeApiKey(a.ws, "member");
    const created = await rest("POST", "/api/v1/schedules", {
      key: key.raw,
      body: { name: "Nightly", agent: "reporter", cron: "@daily", timezone: "Europe/Berlin", input: "nightly digest" },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: "active", timezone: "Europe/Berlin", nextRunAt: expect.any(String) });
    const list = await rest("GET", "/api/v1/schedules", { key: key.raw });
    expect(list.body.data.find((s: { id: string }) => s.id === created.body.id)).toMatchObject({ name: "Nightly" });
    const paused = await rest("POST", "/api/v1/schedules/{scheduleId}/pause", { key: key.raw, params: { scheduleId: created.body.id } });
    expect(paused.body).toMatchObject({ status: "paused", nextRunAt: null });
    const resumed = await rest("POST", "/api/v1/schedules/{scheduleId}/resume", { key: key.raw, params: { scheduleId: created.body.id } });
    expect(resumed.body).toMatchObject({ status: "active" });
    await pauseSchedule(a.ctx, created.body.id);
  });
});
