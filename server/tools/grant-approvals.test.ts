/**
 * Approval policy per grant (AgentVersion.toolApprovals): enforced when the call executes with the run's pinned
 * version, through the real executor and provider code against the LLM stub; the stricter of the tool's and the
 * grant's policy applies (a grant adds approval, never takes it away). Validated by the shared schemas and the
 * service: a policy of a tool the version does not grant is a 422 (tRPC and REST); loosening one needs tools:grant.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { testDb as db } from "@/test/db";
import { createAgent } from "@/server/agents/service";
import { startRun } from "@/server/runs/service";
import { updateTool } from "@/server/tools/service";
import { callerFor, makeApiKey, outcome, rest } from "@/test/helpers";
import { useStubRunSuite } from "@/test/fixtures/stub-run-suite";
import type { ApprovalPolicy } from "@/lib/schemas/tools";

vi.setConfig({ testTimeout: 120_000 });

const suite = useStubRunSuite("grant-approvals", []);
const received: { method: string; url: string }[] = [];
let receiver: http.Server;
let receiverUrl: string;
beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    received.push({ method: req.method ?? "", url: req.url ?? "" });
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ ok: true }));
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => receiver.close(resolve)));

const agentWith = (slug: string, allowedTools: string[], toolApprovals: Record<string, ApprovalPolicy>) =>
  createAgent(suite.rw.ctx, {
    slug,
    name: slug,
    instructions: "Use your tools.",
    modelPolicy: { type: "preset", preset: "balanced" },
    maxOutputTokens: 128,
    temperature: 0,
    allowedTools,
    toolApprovals,
  });

/** Until the run waits on an approval for `stepId` (returned), or the run ends (an error). */
async function pendingApproval(runId: string, stepId: string) {
  for (let i = 0; i < 400; i++) {
    const [approval, run] = await Promise.all([
      db().toolApproval.findFirst({ where: { runId, stepId, status: "pending" } }),
      db().run.findUniqueOrThrow({ where: { id: runId } }),
    ]);
    if (approval) return approval;
    if (run.status === "succeeded" || run.status === "failed") throw new Error(`the run ended (${run.status}) without waiting for an approval`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error("the run did not wait for an approval");
}

describe("a grant's approval policy, when the call executes", () => {
  it("tool never, grant always: the call waits for a person", async () => {
    await agentWith("careful", ["calculator"], { calculator: { mode: "always" } });
    suite.stub.toolCalls({ calls: [{ name: "calculator", arguments: { expression: "1 + 1" } }] });
    suite.startExecutor();
    const run = await startRun(suite.rw.ctx, { agent: "careful", input: "Add one and one." });
    const approval = await pendingApproval(run.id, "agent~tool1.1");
    expect(approval).toMatchObject({ toolName: "calculator", agentSlug: "careful", input: { expression: "1 + 1" } });
  });

  it("a rule on the grant (any method but GET): the GET runs at once, the POST waits", async () => {
    await updateTool(suite.rw.ctx, "http_request", { approval: { mode: "never" } });
    await agentWith("poster", ["http_request"], { http_request: { mode: "rule", methodsExcept: ["GET"] } });
    suite.stub.toolCalls({ calls: [{ name: "http_request", arguments: { method: "GET", url: `${receiverUrl}/read` } }] });
    suite.stub.toolCalls({ calls: [{ name: "http_request", arguments: { method: "POST", url: `${receiverUrl}/write`, body: "{}" } }] });
    received.length = 0;
    suite.startExecutor();
    const run = await startRun(suite.rw.ctx, { agent: "poster", input: "Read, then write." });
    const approval = await pendingApproval(run.id, "agent~tool2.1");
    expect(approval.input).toMatchObject({ method: "POST" });
    expect(received).toEqual([{ method: "GET", url: "/read" }]);
    expect(await db().toolApproval.count({ where: { runId: run.id } })).toBe(1);
  });

  it("tool always, grant never: the tool's policy still applies (a grant cannot loosen it)", async () => {
    await updateTool(suite.rw.ctx, "current_time", { approval: { mode: "always" } });
    await agentWith("hasty", ["current_time"], { current_time: { mode: "never" } });
    suite.stub.toolCalls({ calls: [{ name: "current_time", arguments: {} }] });
    suite.startExecutor();
    const run = await startRun(suite.rw.ctx, { agent: "hasty", input: "What time is it?" });
    expect(await pendingApproval(run.id, "agent~tool1.1")).toMatchObject({ toolName: "current_time" });
  });

  it("the run's pinned version decides: a policy added after the run started does not apply to it, and is kept per version", async () => {
    const created = await agentWith("pinned", ["calculator"], {});
    const owner = callerFor(suite.rw.ws.users.owner, suite.rw.ws.slug);
    const v2 = await owner.agents.update({ agent: "pinned", toolApprovals: { calculator: { mode: "always" } } });
    expect(v2).toMatchObject({ currentVersion: 2, toolApprovals: { calculator: { mode: "always" } } });
    const versions = (await owner.agents.versions({ agent: created.id })).items;
    expect(versions.map((v) => [v.version, v.toolApprovals])).toEqual([
      [2, { calculator: { mode: "always" } }],
      [1, {}],
    ]);
    suite.stub.toolCalls({ calls: [{ name: "calculator", arguments: { expression: "2 + 2" } }] });
    suite.startExecutor();
    const run = await startRun(suite.rw.ctx, { agent: "pinned", input: "Two and two?", version: 1 });
    for (let i = 0; i < 400 && (await db().run.findUniqueOrThrow({ where: { id: run.id } })).status !== "succeeded"; i++)
      await new Promise((resolve) => setTimeout(resolve, 25));
    expect((await db().run.findUniqueOrThrow({ where: { id: run.id } })).status).toBe("succeeded");
    expect(await db().toolApproval.count({ where: { runId: run.id } })).toBe(0);
  });
});

describe("a grant's approval policy, when it is saved", () => {
  it("a policy of a tool the version does not grant is refused, by tRPC and REST, naming the field", async () => {
    const owner = callerFor(suite.rw.ws.users.owner, suite.rw.ws.slug);
    const key = (await makeApiKey(suite.rw.ws, "owner")).raw;
    const create = await outcome(
      owner.agents.create({ slug: "stray", name: "Stray", allowedTools: ["calculator"], toolApprovals: { current_time: { mode: "always" } } }),
    );
    expect(create).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    expect(create.ok === false && create.message).toContain("toolApprovals");
    const posted = await rest("POST", "/api/v1/agents", {
      key,
      body: { slug: "stray", name: "Stray", allowedTools: [], toolApprovals: { calculator: { mode: "always" } } },
    });
    expect(posted.status).toBe(422);
    expect(JSON.stringify(posted.body)).toContain("toolApprovals.calculator");
    // a patch naming only the policies is checked against the version it saves
    const agent = await owner.agents.create({ slug: "plain", name: "Plain", allowedTools: ["calculator"] });
    const patched = await rest("PATCH", "/api/v1/agents/{agentId}", {
      key,
      params: { agentId: agent.id },
      body: { toolApprovals: { current_time: { mode: "always" } } },
    });
    expect(patched.status).toBe(422);
    expect(JSON.stringify(patched.body)).toContain("toolApprovals.current_time");
    // a shape that is not a policy
    const wrong = await rest("PATCH", "/api/v1/agents/{agentId}", {
      key,
      params: { agentId: agent.id },
      body: { toolApprovals: { calculator: { mode: "sometimes" } } },
    });
    expect(wrong.status).toBe(422);
    // set over REST, read back; taking the tool away takes its policy with it
    const set = await rest("PATCH", "/api/v1/agents/{agentId}", {
      key,
      params: { agentId: agent.id },
      body: { toolApprovals: { calculator: { mode: "always" } } },
    });
    expect(set.status).toBe(200);
    expect(set.body.toolApprovals).toEqual({ calculator: { mode: "always" } });
    const revoked = await owner.agents.update({ agent: agent.id, allowedTools: [] });
    expect(revoked.toolApprovals).toEqual({});
  });

  it("adding or tightening needs only agents:update; loosening or removing one needs tools:grant", async () => {
    const owner = callerFor(suite.rw.ws.users.owner, suite.rw.ws.slug);
    const member = callerFor(suite.rw.ws.users.member, suite.rw.ws.slug);
    await owner.agents.create({ slug: "guarded", name: "Guarded", allowedTools: ["calculator"] });
    const tightened = await member.agents.update({ agent: "guarded", toolApprovals: { calculator: { mode: "always" } } });
    expect(tightened.toolApprovals).toEqual({ calculator: { mode: "always" } });
    const loosen = await outcome(member.agents.update({ agent: "guarded", toolApprovals: {} }));
    expect(loosen).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(loosen.ok === false && loosen.message).toContain("tools:grant");
    expect(await outcome(member.agents.update({ agent: "guarded", toolApprovals: { calculator: { mode: "never" } } }))).toMatchObject({
      ok: false,
      code: "FORBIDDEN",
    });
    // revoking the tool itself (with its policy) needs nothing more, as before
    expect((await member.agents.update({ agent: "guarded", allowedTools: [] })).allowedTools).toEqual([]);
    // an owner may loosen
    await owner.agents.update({ agent: "guarded", allowedTools: ["calculator"], toolApprovals: { calculator: { mode: "always" } } });
    expect((await owner.agents.update({ agent: "guarded", toolApprovals: {} })).toolApprovals).toEqual({});
  });
});
