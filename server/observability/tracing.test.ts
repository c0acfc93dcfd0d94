/**
 * Tracing with an in-memory exporter: a REST request continues the caller's `traceparent` and has database spans
 * under it; a model call through the gateway (the real provider code against the LLM stub) has the AI SDK's spans
 * and sends a `traceparent` to the provider; a run has run and step spans. No span attribute holds the prompt, the
 * provider key or the API key. With tracing off: no span and no header.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { context, trace } from "@opentelemetry/api";
import { createSecret } from "@/server/vault/service";
import { generate, settleObservations } from "@/server/models/gateway";
import { routeHandler } from "@/server/rest/define";
import { findRoute, makeApiKey, uniq } from "@/test/helpers";
import { askAnyModel, useStubGateway } from "@/test/fixtures/stub-gateway";
import { addAgent, makeRunWorkspace, waitForRun } from "@/test/fixtures/runs";
import { startExecutor } from "@/server/jobs/executor";
import { startRun } from "@/server/runs/service";
import { startTracing, stopTracing, tracingActive, tracingConfigured, withSpan } from "./tracing";

const exporter = new InMemorySpanExporter();
const gw = useStubGateway("otel");

beforeAll(async () => {
  expect(await startTracing({ exporter, simple: true })).toBe(true);
});
afterAll(async () => {
  await stopTracing();
});

const PROMPT = `Confidential prompt text ${uniq()} about the merger`;
const PROVIDER_KEY = `sk-otel-provider-key-${uniq()}-abcdef`;

function allAttributeText(spans: ReadableSpan[]): string {
  return JSON.stringify(
    spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events.map((e) => ({ name: e.name, attributes: e.attributes })), status: s.status })),
  );
}

async function stubModel() {
  const secret = await createSecret(gw.ctx, { name: `otel-key-${uniq()}`, value: PROVIDER_KEY });
  const provider = await gw.addProvider({ secretId: secret.id });
  await gw.addModel(provider.id, "traced");
}

const ask = askAnyModel(PROMPT, { system: "Be brief and keep the secret.", maxOutputTokens: 50 });

describe("tracing on (in-memory exporter)", () => {
  it("reads the standard variables: on with an OTLP endpoint, off without one or when disabled", () => {
    expect(tracingConfigured({})).toBe(false);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" })).toBe(true);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://127.0.0.1:4318/v1/traces" })).toBe(true);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318", OTEL_SDK_DISABLED: "true" })).toBe(false);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318", OTEL_TRACES_EXPORTER: "none" })).toBe(false);
  });

  it("a REST request continues the incoming traceparent, with database spans beneath it and no secret in any attribute", async () => {
    exporter.reset();
    const key = (await makeApiKey(gw.ws, "owner")).raw;
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const parentSpanId = "00f067aa0ba902b7";
    const handler = routeHandler(findRoute("GET", "/api/v1/agents"));
    const res = await handler(
      new Request("http://localhost:3000/api/v1/agents", { headers: { authorization: `Bearer ${key}`, traceparent: `00-${traceId}-${parentSpanId}-01` } }),
      { params: Promise.resolve({}) },
    );
    expect(res.status).toBe(200);
    const spans = exporter.getFinishedSpans();
    const server = spans.find((s) => s.name === "GET /api/v1/agents")!;
    expect(server).toBeDefined();
    expect(server.spanContext().traceId).toBe(traceId);
    expect(server.parentSpanContext?.spanId).toBe(parentSpanId);
    expect(server.attributes).toMatchObject({ "http.route": "/api/v1/agents", "http.response.status_code": 200, "cadre.workspace_id": gw.ws.id });
    const dbSpans = spans.filter((s) => s.attributes["db.system.name"] === "postgresql" && s.spanContext().traceId === traceId);
    expect(dbSpans.length).toBeGreaterThan(0);
    expect(allAttributeText(spans)).not.toContain(key);
  });

  it("a model call has the AI SDK's spans, sends traceparent to the provider, and records neither the prompt nor the key", async () => {
    await stubModel();
    exporter.reset();
    const result = await withSpan("test.parent", {}, async () => {
      const traceId = trace.getSpan(context.active())!.spanContext().traceId;
      return { answer: await generate(gw.ctx, ask), traceId };
    });
    expect(result.answer.text).toContain("[stub traced]");
    const call = gw.stub.calls.find((c) => c.path === "/v1/chat/completions")!;
    expect(call.traceparent).toMatch(new RegExp(`^00-${result.traceId}-[0-9a-f]{16}-0[01]$`));
    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === result.traceId);
    const names = spans.map((s) => s.name);
    // the AI SDK's integration (GenAI semantic conventions): an operation span for the call
    expect(spans.some((s) => Object.keys(s.attributes).some((k) => k.startsWith("gen_ai.") || k.startsWith("ai.")))).toBe(true);
    expect(names.length).toBeGreaterThan(2);
    const text = allAttributeText(spans);
    expect(text).not.toContain("Confidential prompt text");
    expect(text).not.toContain("keep the secret");
    expect(text).not.toContain(PROVIDER_KEY);
    expect(text).not.toContain("[stub traced]"); // nor the answer
    await settleObservations();
  });

  it("a run has a run span and a span per step attempt", async () => {
    const rw = await makeRunWorkspace("otel-run");
    await addAgent(rw.ctx, "solo");
    const executor = startExecutor({ workspaceIds: [rw.ws.id], pollMs: 30 });
    try {
      exporter.reset();
      const run = await startRun(rw.ctx, { agent: "solo", input: PROMPT });
      await waitForRun(run.id);
      const spans = exporter.getFinishedSpans();
      const runSpan = spans.find((s) => s.name === "run.execute" && s.attributes["cadre.run_id"] === run.id)!;
      expect(runSpan).toBeDefined();
      expect(runSpan.attributes["cadre.run.outcome"]).toBe("succeeded");
      const steps = spans.filter((s) => s.name === "run.step" && s.attributes["cadre.run_id"] === run.id);
      expect(steps.length).toBeGreaterThan(0);
      expect(steps.every((s) => s.spanContext().traceId === runSpan.spanContext().traceId)).toBe(true);
      expect(allAttributeText(spans)).not.toContain("Confidential prompt text");
    } finally {
      await executor.stop();
      await settleObservations();
    }
  });
});

describe("tracing off", () => {
  it("records nothing and sends no traceparent", async () => {
    await stopTracing();
    try {
      expect(tracingActive()).toBe(false);
      await stubModel();
      exporter.reset();
      let seen: unknown = "unset";
      await withSpan("nothing", {}, async (span) => {
        seen = span;
      });
      expect(seen).toBeUndefined();
      await generate(gw.ctx, ask);
      expect(gw.stub.calls.find((c) => c.path === "/v1/chat/completions")!.traceparent).toBeNull();
      expect(exporter.getFinishedSpans()).toHaveLength(0);
      await settleObservations();
    } finally {
      await startTracing({ exporter, simple: true });
    }
  });
});
