/**
 * Tool rate limits against the real database: the workspace's window counts every agent's calls, each agent's window
 * only its own; over either limit a call is refused until the window turns (`admitToolCall` throws the wait the step
 * engine parks on, server/jobs/tool-loop.test.ts "rate limits"), and the next window admits it again. Another
 * workspace and another tool have windows of their own.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { isAppError } from "@/lib/errors";
import { testDb as db } from "@/test/db";
import { makeRunWorkspace, type RunWorkspace } from "@/test/fixtures/runs";
import { builtinTool } from "@/test/tool-call";
import { admitToolCall, countToolCall } from "./rate-window";

let rw: RunWorkspace;
let other: RunWorkspace;
beforeAll(async () => {
  rw = await makeRunWorkspace("rate-window");
  other = await makeRunWorkspace("rate-window-b");
});

/** Waits out the last seconds of a minute: a test's calls then fall in one window. */
async function sameMinute() {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 5_000) await new Promise((resolve) => setTimeout(resolve, left + 100));
}

const windows = async (workspaceId: string, toolName: string) =>
  Object.fromEntries((await db().toolRateWindow.findMany({ where: { workspaceId, toolName } })).map((w) => [w.scope === "" ? "workspace" : w.scope, w.calls]));

describe("tool rate limits", () => {
  it("the workspace limit counts every agent's calls: the call over it is refused until the window turns", async () => {
    await sameMinute();
    const tool = builtinTool("web_fetch", { rateLimitPerMinute: 2 });
    expect(await countToolCall(rw.ctx, tool, "agt_a")).toEqual({ ok: true, retryAt: 0 });
    expect(await countToolCall(rw.ctx, tool, "agt_b")).toEqual({ ok: true, retryAt: 0 });
    const refused = await countToolCall(rw.ctx, tool, "agt_a");
    expect(refused).toMatchObject({ ok: false, limit: "workspace" });
    expect(refused.retryAt % 60_000).toBe(0);
    expect(refused.retryAt).toBeGreaterThan(Date.now());
    expect(refused.retryAt).toBeLessThanOrEqual(Date.now() + 60_000);
    // no agent window without an agent limit
    expect(await windows(rw.ws.id, "web_fetch")).toEqual({ workspace: 3 });
    // another workspace, and another tool, count apart
    expect((await countToolCall(other.ctx, tool, "agt_c")).ok).toBe(true);
    expect((await countToolCall(rw.ctx, builtinTool("calculator", { rateLimitPerMinute: 2 }), "agt_a")).ok).toBe(true);

    // admitToolCall: the same refusal as the wait the step engine parks on
    const error = await admitToolCall(rw.ctx, tool, "agt_b").catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe("RATE_LIMITED");
    expect(error).toMatchObject({
      retryAt: refused.retryAt,
      waitingFor: "the rate limit of the tool web_fetch",
      message: expect.stringContaining("workspace rate limit"),
    });

    // the window turns: the next call is admitted and counted afresh
    await db().toolRateWindow.updateMany({ where: { workspaceId: rw.ws.id, toolName: "web_fetch" }, data: { windowStart: new Date(Date.now() - 120_000) } });
    await expect(admitToolCall(rw.ctx, tool, "agt_a")).resolves.toBeUndefined();
    expect(await windows(rw.ws.id, "web_fetch")).toEqual({ workspace: 1 });
  });

  it("the per-agent limit is each agent's own, apart from the workspace's: one agent held, another admitted", async () => {
    await sameMinute();
    const tool = builtinTool("http_request", { rateLimitPerMinute: 10, agentRateLimitPerMinute: 1 });
    expect((await countToolCall(rw.ctx, tool, "agt_a")).ok).toBe(true);
    expect(await countToolCall(rw.ctx, tool, "agt_a")).toMatchObject({ ok: false, limit: "agent" });
    expect((await countToolCall(rw.ctx, tool, "agt_b")).ok).toBe(true);
    const error = await admitToolCall(rw.ctx, tool, "agt_b").catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "RATE_LIMITED", message: expect.stringContaining("per-agent rate limit") });
    // the workspace's window counted all four calls, each agent's window its own
    expect(await windows(rw.ws.id, "http_request")).toEqual({ workspace: 4, agt_a: 2, agt_b: 2 });

    // the workspace limit refuses an agent under its own limit
    const tight = builtinTool("current_time", { rateLimitPerMinute: 1, agentRateLimitPerMinute: 5 });
    expect((await countToolCall(rw.ctx, tight, "agt_a")).ok).toBe(true);
    expect(await countToolCall(rw.ctx, tight, "agt_b")).toMatchObject({ ok: false, limit: "workspace" });
    expect(await windows(rw.ws.id, "current_time")).toEqual({ workspace: 2, agt_a: 1, agt_b: 1 });
  });
});
