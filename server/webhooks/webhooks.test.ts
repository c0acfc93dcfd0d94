/**
 * Outgoing webhooks (issue 15) against the real database and a receiver on 127.0.0.1 that verifies every request with
 * the Standard Webhooks reference implementation (the `standardwebhooks` package): a run's end queues exactly one
 * delivery (the trigger, in the run's own transaction), an approval request and a budget crossing theirs; a failing
 * receiver is retried on the schedule (the clock driven through retryAt, no sleeping) and delivered once it recovers;
 * a worker that died mid-delivery is taken over after its lease expired and its late write is fenced off; a rotation
 * signs with both secrets during the grace period; 410 Gone disables the webhook; the egress guard refuses private
 * addresses at creation and at delivery; manual redelivery keeps the webhook-id; the secret is shown once and is in
 * no response, audit entry, attempt log or log line after; another workspace's member and key get 404.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { newId } from "@/lib/ids";
import type { TenantContext } from "@/server/context";
import { SYSTEM } from "@/server/db/scope";
import { execute } from "@/server/db/execute";
import { sql } from "@/server/db/sql";
import { createEgressGuard, type EgressGuard, setEgressGuard } from "@/server/egress";
import { startWebhookWorker, claimDelivery, type WebhookWorker } from "@/server/jobs/webhook-deliveries";
import { leaseFence } from "@/server/jobs/lease-worker";
import { executeRun } from "@/server/jobs/run-function";
import { createPostgresStep } from "@/server/jobs/step";
import { updateBudget } from "@/server/ledger/budgets";
import { logger } from "@/server/logger";
import { startRun } from "@/server/runs/service";
import { purgeWebhookDeliveries } from "@/server/retention/purge";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { testDb as db } from "@/test/db";
import { addAgent, makeRunWorkspace, type RunWorkspace } from "@/test/fixtures/runs";
import { appErrorOf, auditRows, callerFor, makeApiKey, makeWorkspace, outcome, rest, uniq, type TestWorkspace } from "@/test/helpers";
import { attemptDelivery, RETRY_DELAYS_MS, retryDelayMs } from "./deliver";
import {
  createWebhook,
  getWebhook,
  getWebhookDelivery,
  listWebhookDeliveries,
  listWebhooks,
  requestRedelivery,
  rotateWebhookSecret,
  updateWebhook,
} from "./service";
import { sendTestEvent } from "@/server/jobs/webhook-deliveries";
import { startLlmStub } from "@/scripts/llm-stub/server";
import { startExecutor } from "@/server/jobs/executor";
import { settleObservations } from "@/server/models/gateway";
import { createDataset, importDatasetItems } from "@/server/quality/datasets/service";
import { cancelEvaluation, createEvaluation, getEvaluation } from "@/server/quality/evaluations/service";
import { setEvaluationPollMs, startEvaluationWorker, submitEvaluation } from "@/server/quality/evaluations/worker";
import { createJudge } from "@/server/quality/judges/service";
import { makeRunWorkspace as makeEvalWorkspace, sleep, useStubProvider } from "@/test/fixtures/runs";
import { marker } from "@/test/fixtures/topology-engine";

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server;
let port: number;
let received: Received[] = [];
/** what the receiver answers next: a status (default 200) */
let answer = 200;
/** the next request to `path` is answered only once `until` resolves (a worker that hangs in its request) */
let hold: { path: string; until: Promise<void> } | null = null;
let guard: EgressGuard;
let rw: RunWorkspace;
let ctx: TenantContext;
let other: TestWorkspace;
const workers: WebhookWorker[] = [];
const logged: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      received.push({ path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      const held = hold;
      if (held && req.url === held.path) {
        hold = null;
        await held.until;
      }
      res.writeHead(answer, { "content-type": "text/plain" });
      res.end(`answer ${answer} ${"x".repeat(3000)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  guard = createEgressGuard({ allow: "127.0.0.1" });
  setEgressGuard(guard);
  rw = await makeRunWorkspace("webhooks");
  ctx = rw.ctx;
  other = await makeWorkspace("webhooks-other");
  for (const level of ["info", "warn", "error", "debug"] as const) {
    vi.spyOn(logger, level).mockImplementation(((...args: unknown[]) => {
      logged.push(JSON.stringify(args, (_k, v: unknown) => (v instanceof Error ? { message: v.message, stack: v.stack } : v)));
    }) as never);
  }
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
  answer = 200;
  setEgressGuard(guard);
});

afterAll(async () => {
  vi.restoreAllMocks();
  setEgressGuard(undefined);
  await guard.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const at = (path: string) => `http://127.0.0.1:${port}${path}`;

function worker(): WebhookWorker {
  const w = startWebhookWorker({ workspaceIds: [rw.ws.id], pollMs: 25, leaseMs: 5_000 });
  workers.push(w);
  return w;
}

async function deliveriesOf(webhookId: string) {
  return db().webhookDelivery.findMany({ where: { subscriptionId: webhookId }, orderBy: { createdAt: "asc" } });
}

async function settled(deliveryId: string, status: string | string[]) {
  const wanted = Array.isArray(status) ? status : [status];
  await expect
    .poll(async () => (await db().webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId } })).status, { timeout: 20_000, interval: 25 })
    .toSatisfy((s: string) => wanted.includes(s));
  return db().webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId } });
}

/** Makes a queued delivery due now (the retry clock, driven). */
const dueNow = (deliveryId: string) => db().webhookDelivery.update({ where: { id: deliveryId }, data: { retryAt: new Date(Date.now() - 1000) } });

const verify = (secret: string, r: Received) =>
  new Webhook(secret).verify(r.body, {
    "webhook-id": String(r.headers["webhook-id"]),
    "webhook-timestamp": String(r.headers["webhook-timestamp"]),
    "webhook-signature": String(r.headers["webhook-signature"]),
  });

describe("subscriptions", () => {
  it("shows the secret once at creation; reads never carry it; creation is audited without it", async () => {
    const created = await createWebhook(ctx, { url: at("/created"), description: "CI hook", eventTypes: ["run.succeeded", "run.failed"] });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created).toMatchObject({
      url: at("/created"),
      description: "CI hook",
      eventTypes: ["run.succeeded", "run.failed"],
      enabled: true,
      previousSecretExpiresAt: null,
    });
    const got = await getWebhook(ctx, created.id);
    expect(got).not.toHaveProperty("secret");
    expect(JSON.stringify(got)).not.toContain(created.secret);
    expect(JSON.stringify(await listWebhooks(ctx))).not.toContain(created.secret);
    const stored = await db().secret.findFirstOrThrow({
      where: { workspaceId: rw.ws.id, kind: "webhook", id: (await db().webhookSubscription.findUniqueOrThrow({ where: { id: created.id } })).secretId },
    });
    expect(Buffer.from(stored.ciphertext).toString("utf8")).not.toContain(created.secret.slice(6, 20));
    const audit = await auditRows(rw.ws.id, "webhook.create");
    expect(audit.map((a) => a.targetId)).toContain(created.id);
    expect(JSON.stringify(audit)).not.toContain(created.secret);
  });

  it("refuses bad input with clear errors: no event, an unknown event, a URL with credentials, a non-http URL", async () => {
    const owner = await makeApiKey(rw.ws, "owner");
    for (const [input, message] of [
      [{ url: at("/x"), eventTypes: [] }, "Pick at least one event"],
      [{ url: at("/x"), eventTypes: ["evaluation.started"] }, "eventTypes"],
      [{ url: at("/x"), eventTypes: ["run.failed", "run.failed"] }, "Name each event once"],
      [{ url: `http://user:pass@127.0.0.1:${port}/x`, eventTypes: ["run.failed"] }, "without credentials"],
      [{ url: "ftp://example.com/x", eventTypes: ["run.failed"] }, "Enter an http(s) URL"],
    ] as const) {
      const res = await rest("POST", "/api/v1/webhooks", { key: owner.raw, body: input });
      expect(res.status, JSON.stringify(input)).toBe(422);
      expect(JSON.stringify(res.body.error)).toContain(message);
    }
    // evaluation.finished is an event like the others
    const accepted = await rest("POST", "/api/v1/webhooks", { key: owner.raw, body: { url: at("/x"), eventTypes: ["evaluation.finished", "run.failed"] } });
    expect(accepted.status).toBe(201);
    expect(accepted.body.eventTypes).toEqual(["evaluation.finished", "run.failed"]);
  });

  it("the egress guard refuses a private or metadata address at creation and at an update, naming the rule", async () => {
    for (const url of ["http://10.0.0.1/hook", "http://169.254.169.254/latest/meta-data", "http://[::1]/hook"]) {
      const error = await appErrorOf(createWebhook(ctx, { url, eventTypes: ["run.failed"] }));
      expect(error.code, url).toBe("EGRESS_REFUSED");
      expect(error.message).toContain("egress refused");
    }
    const hook = await createWebhook(ctx, { url: at("/ok"), eventTypes: ["run.failed"] });
    expect((await appErrorOf(updateWebhook(ctx, hook.id, { url: "http://192.168.1.10/hook" }))).code).toBe("EGRESS_REFUSED");
  });
});

describe("the outbox", () => {
  it("a run finishing queues exactly one delivery, in its transaction; it arrives signed (standardwebhooks verifies it)", async () => {
    await addAgent(ctx, "hooked");
    const hook = await createWebhook(ctx, { url: at("/runs"), eventTypes: ["run.succeeded", "run.failed", "run.cancelled"] });
    const run = await startRun(ctx, { agent: "hooked", input: "Say something short." });
    expect(await deliveriesOf(hook.id)).toEqual([]);
    await executeRun({ runId: run.id, workspaceId: rw.ws.id }, createPostgresStep({ runId: run.id, workspaceId: rw.ws.id }));
    const ended = await db().run.findUniqueOrThrow({ where: { id: run.id } });
    expect(ended.status).toBe("succeeded");
    // a later write to the run (another status update of the ended run, any column) queues nothing more
    await execute(SYSTEM("executor"), sql`UPDATE "Run" SET "updatedAt" = now() WHERE id = ${run.id}`);
    const rows = await deliveriesOf(hook.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ eventType: "run.succeeded", eventKey: `run.succeeded:${run.id}`, status: "queued" });

    received = [];
    worker();
    const delivered = await settled(rows[0]!.id, "delivered");
    expect(delivered).toMatchObject({ attempts: 1, lastStatus: 200, lastError: null });
    const got = received.filter((r) => r.path === "/runs");
    expect(got).toHaveLength(1);
    const secret = hook.secret;
    const payload = verify(secret, got[0]!) as { type: string; timestamp: string; data: Record<string, unknown> };
    expect(payload).toMatchObject({
      type: "run.succeeded",
      data: { runId: run.id, status: "succeeded", targetType: "agent", agent: { slug: "hooked" }, team: null, channel: "api", channelRef: null },
    });
    expect(typeof payload.data.outputSummary).toBe("string");
    expect(typeof payload.data.costUsd).toBe("number");
    expect(Date.parse(payload.timestamp)).not.toBeNaN();
    expect(got[0]!.headers["webhook-id"]).toBe(rows[0]!.id);
    expect(got[0]!.headers["content-type"]).toBe("application/json");
    // a tampered body fails verification
    expect(() => verify(secret, { ...got[0]!, body: got[0]!.body.replace("succeeded", "failed") })).toThrow();
  });

  it("an approval request and the month's spend crossing the alert threshold and the limit queue their events, each once", async () => {
    const hook = await createWebhook(ctx, { url: at("/alerts"), eventTypes: ["approval.requested", "budget.alert"] });
    await updateBudget(ctx, { monthlyLimitUsd: 1, perRunLimitUsd: null, alertThreshold: 0.8 });
    const runId = newId("run");
    await db().run.create({ data: { id: runId, workspaceId: rw.ws.id, targetType: "agent", input: "x", createdByType: "user" } });
    const approvalId = newId("apr");
    await db().toolApproval.create({
      data: {
        id: approvalId,
        workspaceId: rw.ws.id,
        runId,
        stepId: "agent~tool1.1",
        toolName: "send_email",
        input: { to: "a@example.test" },
        expiresAt: new Date(Date.now() + 60_000),
      },
    });
    const usage = (costUsd: number) =>
      db().usageRecord.create({ data: { id: newId("use"), workspaceId: rw.ws.id, modelName: "m", providerKind: "simulator", outcome: "ok", costUsd } });
    await usage(0.5);
    expect((await deliveriesOf(hook.id)).map((d) => d.eventType)).toEqual(["approval.requested"]);
    await usage(0.35); // 0.85: over 80 %
    await usage(0.05); // 0.90: still over, not again
    await usage(0.2); // 1.10: over the limit
    await usage(0.2);
    const rows = await deliveriesOf(hook.id);
    expect(rows.map((d) => d.eventType)).toEqual(["approval.requested", "budget.alert", "budget.alert"]);
    const approval = JSON.parse(rows[0]!.body) as { data: Record<string, unknown> };
    expect(approval.data).toMatchObject({ approvalId, runId, toolName: "send_email", stepId: "agent~tool1.1" });
    expect(rows[0]!.body).not.toContain("a@example.test");
    expect(rows.slice(1).map((d) => (JSON.parse(d.body) as { data: { threshold: number; exceeded: boolean } }).data)).toMatchObject([
      { threshold: 0.8, exceeded: false, monthlyLimitUsd: 1 },
      { threshold: 1, exceeded: true },
    ]);
    await updateBudget(ctx, { monthlyLimitUsd: null, perRunLimitUsd: null });
  });
});

describe("evaluation.finished", () => {
  it("an evaluation's end queues one delivery (scores, dataset, target version); a cancel too; it arrives signed", async () => {
    // an evaluation through the real engine: the agent and its judge answered by the LLM stub
    const stub = await startLlmStub();
    const ew = await makeEvalWorkspace("webhooks-eval");
    const stops: { stop: () => Promise<void> }[] = [];
    try {
      await useStubProvider(ew.ws.id, stub.url);
      const rubric = { criteria: [{ key: "accuracy", description: "Facts are right", weight: 1 }], scale: { min: 1, max: 5 } };
      await createJudge(ew.ctx, { slug: "ja", name: "ja", instructions: `Judge. ${marker("ja")}`, rubric, maxOutputTokens: 256 });
      await addAgent(ew.ctx, "answerer", { instructions: `Answer. ${marker("answerer")}`, maxOutputTokens: 64 });
      const ds = await createDataset(ew.ctx, { slug: `ds-${uniq()}`, name: "Questions" });
      await importDatasetItems(ew.ctx, ds.id, {
        format: "jsonl",
        content: [1, 2].map((i) => JSON.stringify({ input: `Question ${i}?`, reference: `Answer ${i}` })).join("\n"),
      });
      const hook = await createWebhook(ew.ctx, { url: at("/evaluations"), eventTypes: ["evaluation.finished"] });
      for (const accuracy of [5, 1]) {
        stub.reply({ when: marker("answerer"), content: `ANSWER-${accuracy}` });
        const verdict = { scores: { accuracy }, verdict: accuracy >= 4 ? "pass" : "fail", rationale: "because", issues: [] };
        stub.reply({ when: marker("ja"), content: JSON.stringify(verdict) });
      }
      setEvaluationPollMs(20);
      const created = await submitEvaluation(ew.ctx, { dataset: ds.slug, agent: "answerer", judges: ["ja"], concurrency: 1, passRate: 0.5 });
      stops.push(startExecutor({ workspaceIds: [ew.ws.id], pollMs: 20 }));
      stops.push(startEvaluationWorker({ workspaceIds: [ew.ws.id], pollMs: 20, leaseMs: 5_000 }));
      for (const deadline = Date.now() + 30_000; !["succeeded", "failed", "cancelled"].includes((await getEvaluation(ew.ctx, created.id)).status); ) {
        if (Date.now() > deadline) throw new Error("the evaluation did not finish");
        await sleep(20);
      }
      const done = await getEvaluation(ew.ctx, created.id);
      await Promise.all(stops.splice(0).map((x) => x.stop()));
      expect(done).toMatchObject({ status: "succeeded", passed: true, meanScore: 0.5, actualPassRate: 0.5 });
      // a later write to the finished evaluation queues nothing more
      await db().evaluation.update({ where: { id: created.id }, data: { updatedAt: new Date() } });
      const rows = await deliveriesOf(hook.id);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ eventType: "evaluation.finished", eventKey: `evaluation.finished:${created.id}` });

      received = [];
      const w = startWebhookWorker({ workspaceIds: [ew.ws.id], pollMs: 25, leaseMs: 5_000 });
      workers.push(w);
      await settled(rows[0]!.id, "delivered");
      const got = received.filter((r) => r.path === "/evaluations");
      expect(got).toHaveLength(1);
      expect(got[0]!.headers["webhook-id"]).toBe(rows[0]!.id);
      const payload = verify(hook.secret, got[0]!) as { type: string; data: Record<string, unknown> };
      expect(payload).toMatchObject({
        type: "evaluation.finished",
        data: {
          evaluationId: created.id,
          status: "succeeded",
          passed: true,
          error: null,
          dataset: { id: ds.id, slug: ds.slug, name: "Questions" },
          target: { type: "agent", slug: "answerer", version: 1 },
          passRate: 0.5,
          actualPassRate: 0.5,
          meanScore: 0.5,
          progress: { itemsTotal: 2, passed: 1, failed: 1, errored: 0, skipped: 0 },
          costUsd: done.costUsd,
        },
      });
      expect(Date.parse(String(payload.data.finishedAt))).not.toBeNaN();
      expect(got[0]!.body).not.toContain("Question 1?");

      // a cancelled evaluation is finished too
      const cancelled = await createEvaluation(ew.ctx, { dataset: ds.id, agent: "answerer", judges: ["ja"] });
      await cancelEvaluation(ew.ctx, cancelled.id);
      const second = (await deliveriesOf(hook.id)).find((d) => d.eventKey === `evaluation.finished:${cancelled.id}`);
      expect(JSON.parse(second!.body)).toMatchObject({
        type: "evaluation.finished",
        data: { evaluationId: cancelled.id, status: "cancelled", meanScore: null },
      });
    } finally {
      await Promise.all(stops.map((x) => x.stop()));
      await settleObservations();
      await stub.close();
    }
  });
});

/** the secrets shown at creation, to look for in the log lines */
const secrets = new Map<string, string>();

describe("delivery", () => {
  async function hookWithSecret(path: string, eventTypes: ("run.failed" | "run.succeeded")[] = ["run.failed"]) {
    const hook = await createWebhook(ctx, { url: at(path), eventTypes });
    secrets.set(hook.id, hook.secret);
    return hook;
  }

  it("retries a failing receiver with back-off (5 s, then 30 s, with jitter) and delivers once it recovers, same webhook-id", async () => {
    const hook = await hookWithSecret("/flaky");
    answer = 503;
    received = [];
    const test = await sendTestEvent(ctx, hook.id);
    // a test event gets one attempt; a real event the schedule: make this one a real event's window
    await db().webhookDelivery.update({ where: { id: test.id }, data: { deadlineAt: new Date(Date.now() + 24 * 3600_000), redeliverRequested: false } });
    worker();
    await expect
      .poll(async () => (await db().webhookDelivery.findUniqueOrThrow({ where: { id: test.id } })).attempts, { timeout: 20_000, interval: 25 })
      .toBe(1);
    let row = await settled(test.id, "queued");
    await expect
      .poll(async () => (await db().webhookDelivery.findUniqueOrThrow({ where: { id: test.id } })).retryAt, { timeout: 5_000, interval: 25 })
      .not.toBeNull();
    row = await db().webhookDelivery.findUniqueOrThrow({ where: { id: test.id } });
    const firstDelay = row.retryAt!.getTime() - row.updatedAt.getTime();
    expect(firstDelay).toBeGreaterThanOrEqual(0.8 * RETRY_DELAYS_MS[0] - 50);
    expect(firstDelay).toBeLessThanOrEqual(1.2 * RETRY_DELAYS_MS[0] + 50);
    expect(row).toMatchObject({ lastStatus: 503, lastError: "The receiver answered HTTP 503", finishedAt: null });

    await dueNow(test.id);
    await expect
      .poll(async () => (await db().webhookDelivery.findUniqueOrThrow({ where: { id: test.id } })).attempts, { timeout: 20_000, interval: 25 })
      .toBe(2);
    row = await settled(test.id, "queued");
    await expect
      .poll(async () => (await db().webhookDelivery.findUniqueOrThrow({ where: { id: test.id } })).retryAt, { timeout: 5_000, interval: 25 })
      .not.toBeNull();
    row = await db().webhookDelivery.findUniqueOrThrow({ where: { id: test.id } });
    const secondDelay = row.retryAt!.getTime() - row.updatedAt.getTime();
    expect(secondDelay).toBeGreaterThanOrEqual(0.8 * RETRY_DELAYS_MS[1] - 50);

    answer = 200;
    await dueNow(test.id);
    row = await settled(test.id, "delivered");
    expect(row).toMatchObject({ attempts: 3, lastStatus: 200, lastError: null });
    const flaky = received.filter((r) => r.path === "/flaky");
    expect(flaky).toHaveLength(3);
    expect(new Set(flaky.map((r) => r.headers["webhook-id"]))).toEqual(new Set([test.id]));
    for (const r of flaky) expect(verify(hook.secret, r)).toMatchObject({ type: "webhook.test" });

    const detail = await getWebhookDelivery(ctx, test.id);
    expect(detail.attemptLog.map((a) => [a.number, a.responseStatus, a.manual])).toEqual([
      [1, 503, false],
      [2, 503, false],
      [3, 200, false],
    ]);
    expect(detail.attemptLog[0]!.responseBody!.length).toBeLessThanOrEqual(1024);
    expect(detail.attemptLog[0]!.requestHeaders).toMatchObject({ "webhook-id": test.id, "content-type": "application/json" });
    expect(JSON.stringify(detail)).not.toContain(hook.secret);
  });

  it("gives up when the next retry would fall after the retry window, with a message", async () => {
    const hook = await hookWithSecret("/down");
    answer = 500;
    const test = await sendTestEvent(ctx, hook.id);
    worker();
    const row = await settled(test.id, "failed");
    expect(row.lastError).toBe("The receiver answered HTTP 500 (no more retries: the delivery's retry window ended)");
    expect(row.finishedAt).not.toBeNull();
  });

  it("the schedule: 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, then 8 h, each ±20 %", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 12].map((n) => retryDelayMs(n, () => 0.5))).toEqual([
      5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000, 28_800_000,
    ]);
    expect(retryDelayMs(1, () => 0)).toBe(4_000);
    expect(retryDelayMs(1, () => 0.999999)).toBe(6_000);
  });

  it("a worker that died mid-delivery is taken over once its lease expired; its late write is fenced off", async () => {
    const hook = await hookWithSecret("/takeover");
    received = [];
    const test = await sendTestEvent(ctx, hook.id);
    const dead = await claimDelivery({ owner: "dead-worker", leaseMs: 300, workspaceIds: [rw.ws.id] });
    expect(dead?.id).toBe(test.id);
    // the first worker's request hangs (its process is stuck, its lease is not renewed)
    let release = () => {};
    hold = { path: "/takeover", until: new Promise<void>((resolve) => (release = resolve)) };
    const stuck = attemptDelivery(dead!, { fence: leaseFence("dead-worker") });
    await expect.poll(() => received.filter((r) => r.path === "/takeover").length, { timeout: 10_000, interval: 25 }).toBe(1);
    worker();
    const row = await settled(test.id, "delivered");
    expect(row.attempts).toBe(2);
    // the stuck request ends: its outcome is not recorded over the new worker's
    release();
    expect(await stuck).toEqual({ done: true, status: "gone" });
    expect((await getWebhookDelivery(ctx, test.id)).attemptLog.map((a) => a.number)).toEqual([2]);
    // a worker that only wakes up now does not even send
    expect(await attemptDelivery(dead!, { fence: leaseFence("dead-worker") })).toEqual({ done: true, status: "gone" });
    const sent = received.filter((r) => r.path === "/takeover");
    expect(sent).toHaveLength(2);
    expect(new Set(sent.map((r) => r.headers["webhook-id"]))).toEqual(new Set([test.id]));
  });

  it("rotation: during the grace period both signatures are sent (each verifies); after it, only the new one", async () => {
    const hook = await hookWithSecret("/rotated");
    const rotated = await rotateWebhookSecret(ctx, hook.id);
    expect(rotated.secret).not.toBe(hook.secret);
    expect(rotated.previousSecretExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);
    expect(JSON.stringify(await getWebhook(ctx, hook.id))).not.toContain(rotated.secret);
    received = [];
    worker();
    const first = await sendTestEvent(ctx, hook.id);
    await settled(first.id, "delivered");
    const r1 = received.find((r) => r.headers["webhook-id"] === first.id)!;
    expect(String(r1.headers["webhook-signature"]).split(" ")).toHaveLength(2);
    expect(verify(rotated.secret, r1)).toMatchObject({ type: "webhook.test" });
    expect(verify(hook.secret, r1)).toMatchObject({ type: "webhook.test" });

    await db().webhookSubscription.update({ where: { id: hook.id }, data: { previousSecretExpiresAt: new Date(Date.now() - 1000) } });
    const second = await sendTestEvent(ctx, hook.id);
    await settled(second.id, "delivered");
    const r2 = received.find((r) => r.headers["webhook-id"] === second.id)!;
    expect(String(r2.headers["webhook-signature"]).split(" ")).toHaveLength(1);
    expect(verify(rotated.secret, r2)).toMatchObject({ type: "webhook.test" });
    expect(() => verify(hook.secret, r2)).toThrow();
    expect((await auditRows(rw.ws.id, "webhook.rotate_secret")).map((a) => a.targetId)).toContain(hook.id);
  });

  it("410 Gone fails the delivery and disables the webhook with the reason; enabling clears it", async () => {
    const hook = await hookWithSecret("/gone");
    answer = 410;
    const test = await sendTestEvent(ctx, hook.id);
    worker();
    await settled(test.id, "failed");
    const after = await getWebhook(ctx, hook.id);
    expect(after.enabled).toBe(false);
    expect(after.disabledReason).toContain("410 Gone");
    expect((await appErrorOf(sendTestEvent(ctx, hook.id))).code).toBe("CONFLICT");
    expect(await updateWebhook(ctx, hook.id, { enabled: true })).toMatchObject({ enabled: true, disabledReason: null });
    // a person's disable ends the deliveries waiting for a retry at once
    answer = 503;
    const waiting = await sendTestEvent(ctx, hook.id);
    await db().webhookDelivery.update({ where: { id: waiting.id }, data: { deadlineAt: new Date(Date.now() + 3600_000), redeliverRequested: false } });
    await expect
      .poll(async () => (await db().webhookDelivery.findUniqueOrThrow({ where: { id: waiting.id } })).retryAt, { timeout: 20_000, interval: 25 })
      .not.toBeNull();
    await updateWebhook(ctx, hook.id, { enabled: false });
    expect(await db().webhookDelivery.findUniqueOrThrow({ where: { id: waiting.id } })).toMatchObject({
      status: "failed",
      lastError: "The webhook is disabled",
    });
  });

  it("the egress guard refuses at delivery time too (the operator's allowlist changed): failed at once with its message", async () => {
    const hook = await hookWithSecret("/refused");
    const strict = createEgressGuard({ allow: "" });
    setEgressGuard(strict);
    try {
      received = [];
      const test = await sendTestEvent(ctx, hook.id);
      worker();
      const row = await settled(test.id, "failed");
      expect(row.lastError).toContain("egress refused");
      expect(row.lastError).toContain("127.0.0.1");
      expect((await getWebhookDelivery(ctx, test.id)).attemptLog[0]).toMatchObject({ responseStatus: null, error: row.lastError });
      expect(received.filter((r) => r.path === "/refused")).toHaveLength(0);
    } finally {
      await strict.close();
    }
  });

  it("manual redelivery: a new attempt of the same event with the same webhook-id, marked manual and audited", async () => {
    const hook = await hookWithSecret("/again");
    received = [];
    worker();
    const test = await sendTestEvent(ctx, hook.id);
    await settled(test.id, "delivered");
    const again = await requestRedelivery(ctx, test.id);
    expect(again.status).toBe("queued");
    workers[0]!.wake();
    await expect.poll(async () => (await getWebhookDelivery(ctx, test.id)).attemptLog.length, { timeout: 20_000, interval: 25 }).toBe(2);
    const detail = await getWebhookDelivery(ctx, test.id);
    expect(detail).toMatchObject({ status: "delivered", attempts: 2 });
    expect(detail.attemptLog.map((a) => a.manual)).toEqual([true, true]);
    const bodies = received.filter((r) => r.path === "/again");
    expect(bodies.map((r) => r.headers["webhook-id"])).toEqual([test.id, test.id]);
    expect(bodies[0]!.body).toBe(bodies[1]!.body);
    expect((await auditRows(rw.ws.id, "webhook_delivery.redeliver")).map((a) => a.targetId)).toContain(test.id);
    const page = await listWebhookDeliveries(ctx, { webhookId: hook.id });
    expect(page.items.map((d) => d.id)).toEqual([test.id]);
  });

  it("the retention purge deletes deliveries that ended longer ago than the run events' window, with their attempts", async () => {
    const hook = await hookWithSecret("/purged");
    worker();
    const old = await sendTestEvent(ctx, hook.id);
    const recent = await sendTestEvent(ctx, hook.id);
    await settled(old.id, "delivered");
    await settled(recent.id, "delivered");
    await db().webhookDelivery.update({ where: { id: old.id }, data: { finishedAt: new Date(Date.now() - 40 * 24 * 3600_000) } });
    expect(await purgeWebhookDeliveries(new Date(), 100, 30)).toBeGreaterThanOrEqual(1);
    expect(await db().webhookDelivery.findUnique({ where: { id: old.id } })).toBeNull();
    expect(await db().webhookAttempt.count({ where: { deliveryId: old.id } })).toBe(0);
    expect(await db().webhookDelivery.findUnique({ where: { id: recent.id } })).not.toBeNull();
  });

  it("no secret in any log line written while delivering", () => {
    const all = logged.join("\n");
    for (const secret of secrets.values()) expect(all).not.toContain(secret.slice(6));
  });
});

describe("the API", () => {
  it("REST: create (201, the secret once), list, get, deliveries; a member reads but cannot manage; a viewer cannot read", async () => {
    const owner = await makeApiKey(rw.ws, "owner");
    const created = await rest("POST", "/api/v1/webhooks", { key: owner.raw, body: { url: at("/rest"), eventTypes: ["run.failed"] } });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    const got = await rest("GET", "/api/v1/webhooks/{webhookId}", { key: owner.raw, params: { webhookId: created.body.id } });
    expect(got.status).toBe(200);
    expect(got.body.secret).toBeUndefined();
    const test = await rest("POST", "/api/v1/webhooks/{webhookId}/test", { key: owner.raw, params: { webhookId: created.body.id } });
    expect(test.status).toBe(202);
    const list = await rest("GET", "/api/v1/webhooks/{webhookId}/deliveries", { key: owner.raw, params: { webhookId: created.body.id } });
    expect(list.body.data.map((d: { id: string }) => d.id)).toEqual([test.body.id]);
    const detail = await rest("GET", "/api/v1/webhook-deliveries/{deliveryId}", { key: owner.raw, params: { deliveryId: test.body.id } });
    expect(detail.body).toMatchObject({ id: test.body.id, eventType: "webhook.test" });
    const refused = await rest("POST", "/api/v1/webhooks", { key: owner.raw, body: { url: "http://169.254.169.254/", eventTypes: ["run.failed"] } });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("EGRESS_REFUSED");

    const member = callerFor(rw.ws.users.member, rw.ws.slug);
    expect((await member.webhooks.get({ webhookId: created.body.id })).id).toBe(created.body.id);
    expect(await outcome(member.webhooks.rotateSecret({ webhookId: created.body.id }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await outcome(callerFor(rw.ws.users.viewer, rw.ws.slug).webhooks.list({}))).toMatchObject({ ok: false, code: "FORBIDDEN" });
  });

  it("another workspace's member and API key get 404 for every webhook and delivery of this one", async () => {
    const hook = await createWebhook(ctx, { url: at("/private"), eventTypes: ["run.failed"] });
    const delivery = await sendTestEvent(ctx, hook.id);
    const stranger = callerFor(other.users.owner, other.slug);
    for (const call of [
      () => stranger.webhooks.get({ webhookId: hook.id }),
      () => stranger.webhooks.update({ webhookId: hook.id, enabled: false }),
      () => stranger.webhooks.delete({ webhookId: hook.id }),
      () => stranger.webhooks.rotateSecret({ webhookId: hook.id }),
      () => stranger.webhooks.test({ webhookId: hook.id }),
      () => stranger.webhooks.deliveries({ webhookId: hook.id }),
      () => stranger.webhooks.delivery({ deliveryId: delivery.id }),
      () => stranger.webhooks.redeliver({ deliveryId: delivery.id }),
    ]) {
      expect(await outcome(call())).toMatchObject({ ok: false, code: "NOT_FOUND" });
    }
    const key = await makeApiKey(other, "owner");
    const calls: [string, string, Record<string, string>][] = [
      ["GET", "/api/v1/webhooks/{webhookId}", { webhookId: hook.id }],
      ["PATCH", "/api/v1/webhooks/{webhookId}", { webhookId: hook.id }],
      ["DELETE", "/api/v1/webhooks/{webhookId}", { webhookId: hook.id }],
      ["POST", "/api/v1/webhooks/{webhookId}/rotate-secret", { webhookId: hook.id }],
      ["POST", "/api/v1/webhooks/{webhookId}/test", { webhookId: hook.id }],
      ["GET", "/api/v1/webhooks/{webhookId}/deliveries", { webhookId: hook.id }],
      ["GET", "/api/v1/webhook-deliveries/{deliveryId}", { deliveryId: delivery.id }],
      ["POST", "/api/v1/webhook-deliveries/{deliveryId}/redeliver", { deliveryId: delivery.id }],
    ];
    for (const [method, path, params] of calls) {
      const res = await rest(method, path, { key: key.raw, params, ...(method === "PATCH" ? { body: { enabled: false } } : {}) });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    expect(await getWebhook(ctx, hook.id)).toMatchObject({ enabled: true });
    expect(await db().webhookSubscription.count({ where: { workspaceId: other.id } })).toBe(0);
  });

  it("a subscription's tenant context: another workspace's scope sees none of its rows", async () => {
    const otherCtx = await resolveUserTenant(other.users.owner, other.slug, `req_test${uniq()}`);
    expect((await listWebhooks(otherCtx)).items).toEqual([]);
  });
});
