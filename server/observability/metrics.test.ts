/**
 * The Prometheus endpoint (404 without CADRE_METRICS_TOKEN, 401 with a wrong token, the exposition with the right
 * one), the values it reports (queued and running runs, claim latency, gateway errors per provider kind, open event
 * streams, pool wait), and the one access line per API request (route pattern, status, duration, request id,
 * workspace; no key, no path ids, no query).
 */
import { Writable } from "node:stream";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { setEnv } from "@/server/env";
import { createLogger } from "@/server/logger";
import { generate, settleObservations } from "@/server/models/gateway";
import { routeHandler } from "@/server/rest/define";
import { startRun } from "@/server/runs/service";
import { runEventsStream } from "@/server/runs/sse";
import { startExecutor } from "@/server/jobs/executor";
import { findRoute, makeApiKey, uniq } from "@/test/helpers";
import { askAnyModel, useStubGateway } from "@/test/fixtures/stub-gateway";
import { addAgent, makeRunWorkspace } from "@/test/fixtures/runs";
import { Counter, Gauge, Histogram, metrics } from "./metrics";
import { metricsResponse } from "@/server/http/metrics-endpoint";
import { setAccessLogger } from "@/server/http/observe";

const gw = useStubGateway("metrics");
const TOKEN = `metrics-token-${uniq()}-0123456789`;

afterEach(() => {
  setEnv("CADRE_METRICS_TOKEN", "");
  setAccessLogger();
});
afterAll(() => setEnv("CADRE_METRICS_TOKEN", ""));

async function scrape(): Promise<string> {
  setEnv("CADRE_METRICS_TOKEN", TOKEN);
  const res = await metricsResponse(new Request("http://localhost/api/metrics", { headers: { authorization: `Bearer ${TOKEN}` } }));
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain; version=0.0.4");
  return res.text();
}

function seriesValue(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : NaN;
}

describe("the exposition format", () => {
  it("writes counters, gauges and histograms with escaped labels", () => {
    const c = new Counter("t_total", "help", ["a"]);
    c.inc({ a: 'x"y\\z\nw' }, 2);
    expect(c.lines()).toEqual(['t_total{a="x\\"y\\\\z\\nw"} 2']);
    const g = new Gauge("t_gauge", "help");
    g.inc();
    g.inc();
    g.dec();
    expect(g.lines()).toEqual(["t_gauge 1"]);
    const h = new Histogram("t_seconds", "help", ["r"], [0.1, 1]);
    h.observe(0.05, { r: "x" });
    h.observe(0.5, { r: "x" });
    h.observe(5, { r: "x" });
    expect(h.lines()).toEqual([
      't_seconds_bucket{r="x",le="0.1"} 1',
      't_seconds_bucket{r="x",le="1"} 2',
      't_seconds_bucket{r="x",le="+Inf"} 3',
      't_seconds_sum{r="x"} 5.55',
      't_seconds_count{r="x"} 3',
    ]);
  });
});

describe("GET /api/metrics", () => {
  it("does not exist without CADRE_METRICS_TOKEN, refuses a wrong or missing token", async () => {
    setEnv("CADRE_METRICS_TOKEN", "");
    expect((await metricsResponse(new Request("http://localhost/api/metrics", { headers: { authorization: `Bearer ${TOKEN}` } }))).status).toBe(404);
    setEnv("CADRE_METRICS_TOKEN", TOKEN);
    expect((await metricsResponse(new Request("http://localhost/api/metrics"))).status).toBe(401);
    expect((await metricsResponse(new Request("http://localhost/api/metrics", { headers: { authorization: `Bearer ${TOKEN}x` } }))).status).toBe(401);
    expect((await metricsResponse(new Request("http://localhost/api/metrics", { headers: { authorization: `Basic ${TOKEN}` } }))).status).toBe(401);
  });

  it("reports queue depth, running runs, claim latency and pool wait", async () => {
    const rw = await makeRunWorkspace("metrics-q");
    await addAgent(rw.ctx, "solo");
    const before = seriesValue(await scrape(), "cadre_runs_queued");
    await startRun(rw.ctx, { agent: "solo", input: "one" });
    await startRun(rw.ctx, { agent: "solo", input: "two" });
    const text = await scrape();
    expect(seriesValue(text, "cadre_runs_queued")).toBe(before + 2);
    expect(text).toContain("# TYPE cadre_runs_running gauge");
    expect(seriesValue(text, "cadre_db_pool_wait_seconds_count")).toBeGreaterThan(0);
    expect(text).toContain("cadre_db_pool_waiting 0");

    const claims = metrics.claimDuration.count();
    const executor = startExecutor({ workspaceIds: [rw.ws.id], pollMs: 20 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await executor.stop();
    expect(metrics.claimDuration.count()).toBeGreaterThan(claims);
    expect(seriesValue(await scrape(), "cadre_executor_claim_duration_seconds_count")).toBe(metrics.claimDuration.count());
    await settleObservations();
  });

  it("counts gateway errors per provider kind and failure kind", async () => {
    const provider = await gw.addProvider({ isLocal: true });
    await gw.addModel(provider.id, "flaky", { capabilities: [] });
    const series = 'cadre_gateway_errors_total{provider="openai_compatible",kind="server"}';
    const before = seriesValue(await scrape(), series);
    gw.stub.fail({ status: 500 });
    await generate(gw.ctx, askAnyModel("hi", { maxOutputTokens: 20 }));
    const after = seriesValue(await scrape(), series);
    expect((Number.isNaN(before) ? 0 : before) + 1).toBe(after);
    await settleObservations();
  });

  it("counts open event streams while they are open", async () => {
    const rw = await makeRunWorkspace("metrics-sse");
    await addAgent(rw.ctx, "solo");
    const run = await startRun(rw.ctx, { agent: "solo", input: "watched" });
    const open = metrics.openStreams.get();
    const response = runEventsStream({ runId: run.id, workspaceId: rw.ws.id }, 0, undefined, "req_t");
    const reader = response.body!.getReader();
    await reader.read();
    expect(metrics.openStreams.get()).toBe(open + 1);
    expect(seriesValue(await scrape(), "cadre_event_streams_open")).toBe(open + 1);
    await reader.cancel();
    await expect.poll(() => metrics.openStreams.get()).toBe(open);
  });
});

describe("the access log", () => {
  it("writes one line per request: method, route pattern, status, duration, request id, workspace; no key, ids or query", async () => {
    const lines: string[] = [];
    setEnv("LOG_LEVEL", "info");
    setAccessLogger(
      createLogger(
        new Writable({
          write: (chunk, _e, done) => {
            lines.push(String(chunk));
            done();
          },
        }),
      ),
    );
    const key = (await makeApiKey(gw.ws, "owner")).raw;
    const list = routeHandler(findRoute("GET", "/api/v1/agents"));
    const get = routeHandler(findRoute("GET", "/api/v1/agents/{agentId}"));
    const ok = await list(new Request("http://localhost/api/v1/agents", { headers: { authorization: `Bearer ${key}`, "x-request-id": "req_access_1" } }), {
      params: Promise.resolve({}),
    });
    const missing = await get(new Request("http://localhost/api/v1/agents/agt_doesnotexist", { headers: { authorization: `Bearer ${key}` } }), {
      params: Promise.resolve({ agentId: "agt_doesnotexist" }),
    });
    const unauthenticated = await list(new Request("http://localhost/api/v1/agents?q=PROMPTTEXT"), { params: Promise.resolve({}) });
    expect([ok.status, missing.status, unauthenticated.status]).toEqual([200, 404, 401]);
    const access = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.type === "access");
    expect(access).toHaveLength(3);
    expect(access[0]).toMatchObject({
      method: "GET",
      route: "/api/v1/agents",
      status: 200,
      requestId: "req_access_1",
      workspace: gw.ws.slug,
      workspaceId: gw.ws.id,
    });
    expect(typeof access[0]!.durationMs).toBe("number");
    expect(access[1]).toMatchObject({ route: "/api/v1/agents/{agentId}", status: 404, workspace: gw.ws.slug });
    expect(access[2]).toMatchObject({ route: "/api/v1/agents", status: 401 });
    expect(access[2]!.workspace).toBeUndefined();
    const text = lines.join("\n");
    expect(text).not.toContain(key);
    expect(text).not.toContain("agt_doesnotexist");
    expect(text).not.toContain("PROMPTTEXT");
    const scraped = await scrape();
    expect(seriesValue(scraped, 'cadre_http_requests_total{method="GET",route="/api/v1/agents",status="200"}')).toBeGreaterThanOrEqual(1);
  });
});
