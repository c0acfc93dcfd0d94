/**
 * A run's tool calls as the run page reads them (tRPC runs.get, REST GET /api/v1/runs/{runId}), through the real
 * executor and provider code against the LLM stub: a call waiting for approval is named and pending, once approved it
 * has its arguments, result, duration and approval; each model turn carries its own tokens and cost, which add up to
 * its agent step's share; the graph's model (components/runs/run-graph-tools.ts) reads it as such. Another
 * workspace's member or key gets 404.
 */
import { beforeAll, describe, expect, it, vi } from "vitest";
import { testDb as db } from "@/test/db";
import { createAgent } from "@/server/agents/service";
import { startRun } from "@/server/runs/service";
import { updateTool } from "@/server/tools/service";
import { decideApprovalAndWake as decideApproval } from "@/server/runs/approvals";
import { callerFor, makeApiKey, rest } from "@/test/helpers";
import { makeRunWorkspace, usageRows, waitForRun, type RunWorkspace } from "@/test/fixtures/runs";
import { useStubRunSuite } from "@/test/fixtures/stub-run-suite";
import { nodeToolActivity } from "@/components/runs/run-graph-tools";

vi.setConfig({ testTimeout: 120_000 });

const suite = useStubRunSuite("tool-steps", []);
let other: RunWorkspace;
let key: string;
let otherKey: string;
beforeAll(async () => {
  other = await makeRunWorkspace("tool-steps-other");
  key = (await makeApiKey(suite.rw.ws, "viewer")).raw;
  otherKey = (await makeApiKey(other.ws, "owner")).raw;
  await createAgent(suite.rw.ctx, {
    slug: "mathy",
    name: "mathy",
    instructions: "Use your tools.",
    modelPolicy: { type: "preset", preset: "balanced" },
    maxOutputTokens: 128,
    temperature: 0,
    allowedTools: ["calculator"],
  });
  await updateTool(suite.rw.ctx, "calculator", { approval: { mode: "always" } });
});

async function pendingApproval(runId: string) {
  for (let i = 0; i < 400; i++) {
    const approval = await db().toolApproval.findFirst({ where: { runId, status: "pending" } });
    const step = await db().runStep.findFirst({ where: { runId, stepId: "agent~tool1.1" } });
    if (approval && step?.status === "waiting") return approval;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error("the run did not wait for its approval");
}

describe("a run's tool calls in the run details", () => {
  it("waiting: named and pending; approved: arguments, result, duration, approval; turns' figures add up to the step's", async () => {
    suite.stub.toolCalls({ calls: [{ name: "calculator", arguments: { expression: "6 * 7" } }] });
    suite.startExecutor();
    const run = await startRun(suite.rw.ctx, { agent: "mathy", input: "What is six times seven?" });
    const approval = await pendingApproval(run.id);
    const viewer = callerFor(suite.rw.ws.users.viewer, suite.rw.ws.slug);

    const waiting = await viewer.runs.get({ runId: run.id });
    const call = waiting.steps.find((s) => s.stepId === "agent~tool1.1")!;
    // no result yet: the name comes from the approval request
    expect(call).toMatchObject({
      kind: "tool",
      status: "waiting",
      toolCall: { name: "calculator", isError: false, approval: { id: approval.id, status: "pending" } },
    });
    expect(nodeToolActivity(waiting.steps).agent![0]!.calls).toEqual([
      expect.objectContaining({ name: "calculator", approval: "pending", status: "waiting", durationMs: null }),
    ]);

    // another workspace sees nothing of it
    const stranger = callerFor(other.ws.users.owner, other.ws.slug);
    await expect(stranger.runs.get({ runId: run.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await rest("GET", "/api/v1/runs/{runId}", { key: otherKey, params: { runId: run.id } })).status).toBe(404);

    await decideApproval(suite.rw.ctx, approval.id, { decision: "approve" });
    expect((await waitForRun(run.id, undefined, 60_000)).status).toBe("succeeded");

    const reads = [
      (await viewer.runs.get({ runId: run.id })).steps,
      (await rest("GET", "/api/v1/runs/{runId}", { key, params: { runId: run.id } })).body.steps as typeof waiting.steps,
    ];
    const usage = await usageRows(run.id);
    expect(usage).toHaveLength(2);
    for (const steps of reads) {
      const byId = Object.fromEntries(steps.map((s) => [s.stepId, s]));
      expect(byId["agent~tool1.1"]).toMatchObject({
        status: "succeeded",
        inputSeen: JSON.stringify({ expression: "6 * 7" }),
        toolCall: { name: "calculator", isError: false, approval: { id: approval.id, status: "approved" } },
      });
      expect(byId["agent~tool1.1"]!.output).toContain("42");
      expect(byId["agent~turn1"]!.turn).toMatchObject({ inputTokens: usage[0]!.inputTokens, outputTokens: usage[0]!.outputTokens, toolCalls: 1 });
      expect(byId["agent~turn2"]!.turn).toMatchObject({ inputTokens: usage[1]!.inputTokens, outputTokens: usage[1]!.outputTokens, toolCalls: 0 });
      // the turns' rows keep their figures apart: the step's share has them (nothing counted twice)
      expect(byId["agent~turn1"]!.inputTokens).toBe(0);
      expect(byId.agent!.inputTokens).toBe(usage[0]!.inputTokens + usage[1]!.inputTokens);
      expect(byId.agent!.turn).toBeNull();
      expect(byId.agent!.toolCall).toBeNull();

      const [agentStep] = nodeToolActivity(
        steps.map((s) => ({ ...s, startedAt: new Date(s.startedAt), finishedAt: s.finishedAt ? new Date(s.finishedAt) : null })),
      ).agent!;
      expect(agentStep!.turns.map((t) => t.toolCalls)).toEqual([1, 0]);
      expect(agentStep!.turns.reduce((n, t) => n + t.inputTokens + t.outputTokens, 0)).toBe(agentStep!.inputTokens + agentStep!.outputTokens);
      expect(agentStep!.calls).toEqual([expect.objectContaining({ name: "calculator", approval: "approved", status: "succeeded", isError: false })]);
      expect(agentStep!.calls[0]!.durationMs).toBeGreaterThanOrEqual(0);
    }
  });
});
