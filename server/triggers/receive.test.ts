/**
 * Incoming webhook triggers (issue 15), through the public route POST /api/hooks/{triggerId} against the real
 * database: a signed delivery starts one run of the trigger's agent (input from the template) in the trigger's
 * workspace with its creator's powers; signature checks (wrong secret, changed body, expired timestamp, missing
 * headers) answer 401 with a clear JSON error; a redelivery (also two at once) starts no second run; a path the payload
 * does not have is a 422 and no run; disabled/unknown 404; rotation retires the old secret; a body over the limit is
 * 413; past the rate limits (per trigger, and per address for refused deliveries) 429; another workspace's member and
 * API key get 404 for the trigger routes.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { testDb as db } from "@/test/db";
import { addAgent, makeRunWorkspace, type RunWorkspace } from "@/test/fixtures/runs";
import { appErrorOf, auditRows, callerFor, makeApiKey, outcome, rest, uniq } from "@/test/helpers";
import { TRIGGER_MAX_BODY_BYTES } from "@/lib/schemas/triggers";
import { env, setEnv } from "@/server/env";
import { ApiRateLimiter, useHookRateLimiters } from "@/server/http/rate-limit";
import { postHook } from "./hook-route";
import { createTrigger, getTrigger, rotateTriggerSecret, updateTrigger } from "./service";

let a: RunWorkspace;
let b: RunWorkspace;
let trigger: { id: string; secret: string };

beforeAll(async () => {
  a = await makeRunWorkspace("hooks-a");
  b = await makeRunWorkspace("hooks-b");
  await addAgent(a.ctx, "triager");
  await addAgent(b.ctx, "b-only");
  const created = await createTrigger(a.ctx, {
    name: "GitHub issues",
    agent: "triager",
    template: "New issue: {{ payload.issue.title }} (#{{ payload.issue.number }})",
  });
  trigger = { id: created.trigger.id, secret: created.secret };
});

interface Send {
  secret?: string;
  id?: string;
  timestamp?: Date;
  headers?: Record<string, string>;
  /** the body sent, when it differs from the one signed */
  sentBody?: string;
}

async function deliverRaw(triggerId: string, body: string, o: Send = {}) {
  const id = o.id ?? `msg_${uniq()}`;
  const timestamp = o.timestamp ?? new Date();
  const signature = new Webhook(o.secret ?? trigger.secret).sign(id, timestamp, body);
  const headers = o.headers ?? {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
    "webhook-signature": signature,
  };
  return postHook(new Request(`http://localhost:3000/api/hooks/${triggerId}`, { method: "POST", headers, body: o.sentBody ?? body }), {
    params: Promise.resolve({ triggerId }),
  });
}

async function deliver(triggerId: string, body: string, o: Send = {}) {
  const res = await deliverRaw(triggerId, body, o);
  return { status: res.status, body: (await res.json()) as { runId?: string; duplicate?: boolean; error?: { code: string; message: string } } };
}

const issue = (title: string) => JSON.stringify({ action: "opened", issue: { title, number: 42 } });
const runsOf = (input: string) => db().run.findMany({ where: { input } });

describe("a signed delivery", () => {
  it("starts one run of the trigger's agent in its workspace, with the template's input and the creator's powers; audited", async () => {
    const res = await deliver(trigger.id, issue("Crash on save"));
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ runId: expect.stringMatching(/^run_/), duplicate: false });
    const run = await db().run.findUniqueOrThrow({ where: { id: res.body.runId! } });
    expect(run).toMatchObject({
      workspaceId: a.ws.id,
      input: "New issue: Crash on save (#42)",
      status: "queued",
      createdByType: "user",
      createdById: a.ws.users.owner.id,
      channel: "webhook",
      channelRef: trigger.id,
    });
    const [start] = await auditRows(a.ws.id, "run.start");
    expect(start).toMatchObject({ targetId: run.id, metadata: expect.objectContaining({ trigger: trigger.id }) });
    const after = await getTrigger(a.ctx, trigger.id);
    expect(after).toMatchObject({ lastRunId: run.id, path: `/api/hooks/${trigger.id}` });
    expect(after.deliveries).toBeGreaterThanOrEqual(1);
  });

  it("a redelivery of the same webhook-id starts no second run and answers the first run's id (also two at once)", async () => {
    const body = issue(`Redelivered ${uniq()}`);
    const first = await deliver(trigger.id, body, { id: "msg_same_1" });
    const again = await deliver(trigger.id, body, { id: "msg_same_1", timestamp: new Date(Date.now() + 1000) });
    expect(first.status).toBe(202);
    expect(again).toEqual({ status: 200, body: { runId: first.body.runId, duplicate: true } });

    const together = issue(`Together ${uniq()}`);
    const both = await Promise.all([deliver(trigger.id, together, { id: "msg_same_2" }), deliver(trigger.id, together, { id: "msg_same_2" })]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 202]);
    expect(both[0]!.body.runId).toBe(both[1]!.body.runId);
    expect(await runsOf(`New issue: ${JSON.parse(together).issue.title} (#42)`)).toHaveLength(1);
  });
});

describe("a delivery that is refused", () => {
  it("a wrong secret, a changed body, an expired timestamp or missing headers: 401 with a clear error, and no run", async () => {
    const title = `Refused ${uniq()}`;
    const refusedBefore = (await getTrigger(a.ctx, trigger.id)).refusedDeliveries;
    const wrong = await deliver(trigger.id, issue(title), { secret: `whsec_${Buffer.alloc(32, 7).toString("base64")}` });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toMatchObject({ code: "UNAUTHORIZED", message: expect.stringContaining("webhook-signature does not match") });

    const changed = await deliver(trigger.id, issue(title), { sentBody: issue(`${title}!`) });
    expect(changed.status).toBe(401);

    const expired = await deliver(trigger.id, issue(title), { timestamp: new Date(Date.now() - 6 * 60_000) });
    expect(expired.status).toBe(401);
    expect(expired.body.error!.message).toContain("more than 5 minutes");

    const bare = await deliver(trigger.id, issue(title), { headers: { "content-type": "application/json" } });
    expect(bare.status).toBe(401);
    expect(bare.body.error!.message).toContain("webhook-id, webhook-timestamp and webhook-signature headers are required");
    expect(await runsOf(`New issue: ${title} (#42)`)).toHaveLength(0);
    // unsigned: not the trigger's sender, not counted on the trigger
    expect((await getTrigger(a.ctx, trigger.id)).refusedDeliveries).toBe(refusedBefore);
  });

  it("a path the payload does not have: 422 naming it, no run and no delivery recorded; the trigger counts it with why", async () => {
    const before = await getTrigger(a.ctx, trigger.id);
    const res = await deliver(trigger.id, JSON.stringify({ action: "deleted", repository: { name: "x" } }), { id: "msg_missing" });
    expect(res.status).toBe(422);
    expect(res.body.error!.message).toContain("The payload has no value at payload.issue.title");
    expect(await db().webhookTriggerDelivery.count({ where: { triggerId: trigger.id, webhookId: "msg_missing" } })).toBe(0);
    // what the sender was told, on the trigger (the API and the Automations page show it)
    const after = await getTrigger(a.ctx, trigger.id);
    expect(after.refusedDeliveries).toBe(before.refusedDeliveries + 1);
    expect(after.lastRefusal).toBe(`VALIDATION_FAILED: ${res.body.error!.message}`);
    expect(after.lastRefusedAt!.getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(after.deliveries).toBe(before.deliveries);
    const key = await makeApiKey(a.ws, "viewer");
    const listed = await rest("GET", "/api/v1/webhook-triggers/{triggerId}", { key: key.raw, params: { triggerId: trigger.id } });
    expect(listed.body).toMatchObject({ refusedDeliveries: after.refusedDeliveries, lastRefusal: after.lastRefusal });
  });

  it("a disabled or unknown trigger is 404; enabled again it works", async () => {
    await updateTrigger(a.ctx, trigger.id, { enabled: false });
    expect((await deliver(trigger.id, issue("while disabled"))).status).toBe(404);
    await updateTrigger(a.ctx, trigger.id, { enabled: true });
    expect((await deliver(trigger.id, issue("enabled again"))).status).toBe(202);
    expect((await deliver("whtr_doesnotexist00", issue("unknown"))).status).toBe(404);
    expect((await deliver("../../v1/runs", issue("not an id"))).status).toBe(404);
  });

  it("after a rotation the old secret is refused and the new one accepted", async () => {
    const fresh = await createTrigger(a.ctx, { name: "Rotated", agent: "triager" });
    const rotated = await rotateTriggerSecret(a.ctx, fresh.trigger.id);
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(fresh.secret);
    expect(rotated.trigger.secretRotatedAt).toBeInstanceOf(Date);
    expect((await deliver(fresh.trigger.id, issue("old"), { secret: fresh.secret })).status).toBe(401);
    const ok = await deliver(fresh.trigger.id, issue("new"), { secret: rotated.secret });
    expect(ok.status).toBe(202);
    // the default template: the whole body as JSON text
    const run = await db().run.findUniqueOrThrow({ where: { id: ok.body.runId! } });
    expect(JSON.parse(run.input)).toEqual(JSON.parse(issue("new")));
    expect(await auditRows(a.ws.id, "webhook_trigger.rotate_secret")).toHaveLength(1);
  });

  it("a body over the limit is 413 before anything is read further", async () => {
    const res = await deliver(trigger.id, JSON.stringify({ issue: { title: "x".repeat(TRIGGER_MAX_BODY_BYTES), number: 1 } }));
    expect(res.status).toBe(413);
  });
});

describe("rate limits", () => {
  // a fixed clock in the middle of a minute: the test never straddles two windows
  const noon = Date.UTC(2026, 11, 7, 12, 0, 20);
  const limiters = () => ({
    deliveries: new ApiRateLimiter({ now: () => noon, keyPrefix: `hook-test-${uniq()}` }),
    failures: new ApiRateLimiter({ now: () => noon, keyPrefix: `hook-refused-test-${uniq()}` }),
  });
  afterEach(() => useHookRateLimiters());

  it("deliveries that would start a run count per trigger against the workspace's limit: then 429 with Retry-After, no run; redeliveries are free", async () => {
    useHookRateLimiters(limiters());
    const c = await makeRunWorkspace("hooks-limited");
    await addAgent(c.ctx, "limited");
    await db().workspace.update({ where: { id: c.ws.id }, data: { apiRateLimitPerMinute: 2 } });
    const make = async (name: string) => {
      const created = await createTrigger(c.ctx, { name, agent: "limited", template: "Limited: {{ payload.issue.title }}" });
      return { id: created.trigger.id, secret: created.secret };
    };
    const [one, other] = [await make("limited one"), await make("limited other")];
    const titles = [`L1 ${uniq()}`, `L2 ${uniq()}`, `L3 ${uniq()}`];
    const first = await deliver(one.id, issue(titles[0]!), { secret: one.secret, id: "msg_limited_1" });
    expect(first.status).toBe(202);
    expect((await deliver(one.id, issue(titles[1]!), { secret: one.secret })).status).toBe(202);
    const refused = await deliverRaw(one.id, issue(titles[2]!), { secret: one.secret });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(((await refused.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: "RATE_LIMITED",
      message: expect.stringContaining("2 deliveries to this webhook trigger per minute"),
    });
    expect(await runsOf(`Limited: ${titles[2]}`)).toHaveLength(0);
    // a redelivery is answered from its first run, over the limit too
    const again = await deliver(one.id, issue(titles[0]!), { secret: one.secret, id: "msg_limited_1" });
    expect(again).toMatchObject({ status: 200, body: { runId: first.body.runId, duplicate: true } });
    // another trigger has its own count
    expect((await deliver(other.id, issue(`O ${uniq()}`), { secret: other.secret })).status).toBe(202);
    // the refusal is on its trigger, with why; the redelivery is not one
    expect(await getTrigger(c.ctx, one.id)).toMatchObject({
      refusedDeliveries: 1,
      lastRefusal: expect.stringMatching(/^RATE_LIMITED: .*2 deliveries to this webhook trigger per minute/),
    });
    expect((await getTrigger(c.ctx, other.id)).refusedDeliveries).toBe(0);
  });

  it("refused deliveries count per client address: past the limit, the address gets 429 before any lookup", async () => {
    useHookRateLimiters(limiters());
    const before = env().CADRE_API_RATE_LIMIT;
    setEnv("CADRE_API_RATE_LIMIT", "2");
    try {
      expect((await deliver("whtr_unknown000000000000", issue("x"))).status).toBe(404);
      expect((await deliver(trigger.id, issue("x"), { secret: `whsec_${Buffer.alloc(32, 9).toString("base64")}` })).status).toBe(401);
      // the address is over: even a good delivery is refused now, and nothing is looked up or started
      const title = `After refusals ${uniq()}`;
      const res = await deliverRaw(trigger.id, issue(title));
      expect(res.status).toBe(429);
      expect(((await res.json()) as { error: { message: string } }).error.message).toContain("refused webhook deliveries per minute from this address");
      expect(await runsOf(`New issue: ${title} (#42)`)).toHaveLength(0);
      // accepted deliveries do not count: a fresh address's good deliveries go through
      useHookRateLimiters(limiters());
      for (let i = 0; i < 3; i++) expect((await deliver(trigger.id, issue(`${title} ${i}`))).status).toBe(202);
    } finally {
      setEnv("CADRE_API_RATE_LIMIT", String(before));
    }
  });
});

describe("tenancy", () => {
  it("a trigger can only name its own workspace's agents, and its runs are its workspace's", async () => {
    expect((await appErrorOf(createTrigger(a.ctx, { name: "Foreign", agent: "b-only" }))).code).toBe("NOT_FOUND");
    const res = await deliver(trigger.id, issue(`Tenancy ${uniq()}`));
    const run = await db().run.findUniqueOrThrow({ where: { id: res.body.runId! } });
    expect(run.workspaceId).toBe(a.ws.id);
    expect(await db().run.count({ where: { workspaceId: b.ws.id } })).toBe(0);
  });

  it("another workspace's member and API key get 404 for the trigger; a viewer reads but cannot manage", async () => {
    const other = callerFor(b.ws.users.owner, b.ws.slug);
    expect(await outcome(other.triggers.get({ triggerId: trigger.id }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await outcome(other.triggers.rotateSecret({ triggerId: trigger.id }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    const key = await makeApiKey(b.ws, "owner");
    for (const [method, path] of [
      ["GET", "/api/v1/webhook-triggers/{triggerId}"],
      ["PATCH", "/api/v1/webhook-triggers/{triggerId}"],
      ["DELETE", "/api/v1/webhook-triggers/{triggerId}"],
      ["POST", "/api/v1/webhook-triggers/{triggerId}/rotate-secret"],
    ] as const) {
      const res = await rest(method, path, { key: key.raw, params: { triggerId: trigger.id }, ...(method === "PATCH" ? { body: { enabled: false } } : {}) });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    const list = await rest("GET", "/api/v1/webhook-triggers", { key: key.raw });
    expect(list.body.data.map((t: { id: string }) => t.id)).not.toContain(trigger.id);

    const viewer = callerFor(a.ws.users.viewer, a.ws.slug);
    expect(await outcome(viewer.triggers.get({ triggerId: trigger.id }))).toMatchObject({ ok: true });
    expect(await outcome(viewer.triggers.create({ name: "No", agent: "triager" }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
  });

  it("REST: create answers the secret once; list and get never show it", async () => {
    const key = await makeApiKey(a.ws, "member");
    const created = await rest("POST", "/api/v1/webhook-triggers", { key: key.raw, body: { name: "Via REST", agent: "triager" } });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    const got = await rest("GET", "/api/v1/webhook-triggers/{triggerId}", { key: key.raw, params: { triggerId: created.body.trigger.id } });
    expect(got.status).toBe(200);
    expect(JSON.stringify(got.body)).not.toContain(created.body.secret);
    const bad = await rest("POST", "/api/v1/webhook-triggers", { key: key.raw, body: { name: "Bad", agent: "triager", template: "{{ process.env }}" } });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body)).toContain("start it with payload, body or webhook");
  });
});
