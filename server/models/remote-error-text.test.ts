/**
 * A provider's own error text is never echoed (a base URL can point at any server): a failed call is stored and shown
 * as a classified sentence (status, the fault's class, the provider's machine code if it is a plain word), in the
 * gateway's error and attempts, the usage rows, the model's statistics, and through a run in its step, events and the
 * REST API. The LLM stub answers error bodies (and a stream's error event) carrying a marker.
 */
import { describe, expect, it, vi } from "vitest";
import { testDb as db } from "@/test/db";
import { modelCircuitBreaker } from "@/server/models/circuit-breaker";
import { generate, settleObservations } from "@/server/models/gateway";
import { startRun } from "@/server/runs/service";
import { askAnyModel, useStubGateway } from "@/test/fixtures/stub-gateway";
import { addAgent, waitForRun } from "@/test/fixtures/runs";
import { useStubRuns } from "@/test/fixtures/stub-runs";
import { appErrorOf, makeApiKey, rest } from "@/test/helpers";
import { providerMachineCode } from "./provider-errors";

vi.setConfig({ testTimeout: 60_000 });
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

const MARKER = "Remote-Marker-9f3c: <script>alert(1)</script> see https://evil.example/x";
const MARKER_WORD = "Remote-Marker-9f3c";

/** Every row the workspace holds that a failure can reach, as one text. */
async function storedText(workspaceId: string): Promise<string> {
  const [usage, models, runs, steps, events] = await Promise.all([
    db().usageRecord.findMany({ where: { workspaceId } }),
    db().model.findMany({ where: { workspaceId } }),
    db().run.findMany({ where: { workspaceId } }),
    db().runStep.findMany({ where: { workspaceId } }),
    db().runEvent.findMany({ where: { workspaceId } }),
  ]);
  return JSON.stringify({ usage, models, runs, steps, events });
}

describe("the gateway never echoes the provider's error text", () => {
  const gw = useStubGateway("remote-text");

  for (const kind of ["openai_compatible", "anthropic"] as const) {
    it(`${kind}: 400, 500 and a stream's error event give classified sentences, nowhere the body`, async () => {
      const provider = await gw.addProvider({ kind });
      const model = await gw.addModel(provider.id, "m");

      gw.stub.fail({ status: 400, errorMessage: MARKER });
      const refused = await appErrorOf(generate(gw.ctx, askAnyModel("hello")));
      expect(refused.message).toMatch(/HTTP 400 \(the provider refused the request; code invalid_request_error\)/);

      gw.stub.fail({ status: 500, errorMessage: MARKER, times: 10 });
      const failed = await appErrorOf(generate(gw.ctx, askAnyModel("hello")));
      expect(failed.message).toMatch(
        kind === "anthropic" ? /HTTP 500 \(the provider failed; code api_error\)/ : /HTTP 500 \(the provider failed; code server_error\)/,
      );

      gw.stub.reset();
      modelCircuitBreaker().reset();
      gw.stub.fail({ midStream: { afterChunks: 2, kind: "error" }, errorMessage: MARKER });
      const broken = await appErrorOf(generate(gw.ctx, askAnyModel("hello", { onTextDelta: () => {} })));
      expect(broken.message).toMatch(/The provider reported an error during the answer/);

      await settleObservations();
      for (const error of [refused, failed, broken]) {
        expect(`${error.message} ${JSON.stringify(error.details)}`).not.toContain(MARKER_WORD);
      }
      const stored = await storedText(gw.ws.id);
      expect(stored).toContain("HTTP 400");
      expect(stored).not.toContain(MARKER_WORD);
      const row = await db().model.findUniqueOrThrow({ where: { id: model.id } });
      expect(row.lastError).toMatch(/^(HTTP|The provider)/);
    });
  }

  it("a machine code is kept only as a plain word: no free text, no URL", () => {
    const err = (body: unknown) => ({ responseBody: JSON.stringify(body) });
    expect(providerMachineCode(err({ error: { message: MARKER, type: "invalid_request_error", code: "context_length_exceeded" } }))).toBe(
      "context_length_exceeded",
    );
    expect(providerMachineCode(err({ type: "error", error: { type: "overloaded_error", message: MARKER } }))).toBe("overloaded_error");
    expect(providerMachineCode(err({ error: { code: MARKER, type: "see https://evil.example" } }))).toBeUndefined();
    expect(providerMachineCode(err({ error: { code: "x".repeat(65) } }))).toBeUndefined();
    expect(providerMachineCode({ responseBody: MARKER })).toBeUndefined();
  });
});

describe("a run whose model call fails with a marked body", () => {
  const h = useStubRuns("remote-text-run");

  it("the step, the run, its events, usage rows and the REST API carry the class, never the text", async () => {
    h.executor();
    await addAgent(h.rw.ctx, "solo", { modelPolicy: { type: "pinned", modelId: h.modelId } });
    h.stub.fail({ status: 400, errorMessage: MARKER, times: 10 });
    const run = await startRun(h.rw.ctx, { agent: "solo", input: "Say something." });
    const done = await waitForRun(run.id, undefined, 30_000);
    expect(done.status).toBe("failed");
    await settleObservations();

    const stored = await storedText(h.rw.ws.id);
    expect(stored).not.toContain(MARKER_WORD);
    const steps = await db().runStep.findMany({ where: { runId: run.id } });
    expect(steps.map((s) => s.error).join(" ")).toMatch(/HTTP 400 \(the provider refused the request/);

    const key = await makeApiKey(h.rw.ws, "owner");
    const answers = [
      await rest("GET", "/api/v1/runs/{runId}", { key: key.raw, params: { runId: run.id } }),
      await rest("GET", "/api/v1/runs/{runId}/steps", { key: key.raw, params: { runId: run.id } }),
      ...(await Promise.all(
        steps.map((s) => rest("GET", "/api/v1/runs/{runId}/steps/{stepId}/calls", { key: key.raw, params: { runId: run.id, stepId: s.stepId } })),
      )),
    ];
    for (const answer of answers) expect(answer.status).toBe(200);
    const shown = JSON.stringify(answers.map((a) => a.body));
    expect(shown).toContain("HTTP 400");
    expect(shown).not.toContain(MARKER_WORD);
  });
});
