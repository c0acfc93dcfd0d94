/**
 * Under Inngest no in-process executor sweeps the lost model calls: the cron function record-lost-model-calls does
 * (./lost-calls-inngest.ts). A dead process's expired call becomes its one estimated `lost` usage row; a call not
 * yet expired is left alone.
 */
import { InngestTestEngine } from "@inngest/test";
import { describe, expect, it } from "vitest";
import { deadCall } from "@/test/fixtures/lost-calls";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { testDb as db } from "@/test/db";
import { makeWorkspace, uniq } from "@/test/helpers";
import { lostCallsFunction } from "./lost-calls-inngest";

describe("the Inngest sweep of lost model calls", () => {
  it("runs every minute and turns an expired call in flight into its lost usage row, once", async () => {
    expect((lostCallsFunction as unknown as { opts: { triggers: unknown[] } }).opts.triggers).toEqual([{ cron: "* * * * *" }]);
    const ws = await makeWorkspace("lost-inngest");
    const ctx = await resolveUserTenant(ws.users.owner, ws.slug, `req_test${uniq()}`);
    const runId = `run_lost${uniq()}`;
    const expired = await deadCall(ctx, runId);
    const live = await deadCall(ctx, runId, { expired: false });

    const { result, error } = await new InngestTestEngine({ function: lostCallsFunction }).execute();
    expect(error).toBeUndefined();
    expect(result).toBeGreaterThanOrEqual(1);
    const rows = await db().usageRecord.findMany({ where: { workspaceId: ws.id, runId } });
    expect(rows.map((r) => [r.id, r.outcome, r.estimated, String(r.costUsd)])).toEqual([[expired, "lost", true, "0.0021"]]);
    expect((await db().modelCallInFlight.findMany({ where: { workspaceId: ws.id } })).map((r) => r.id)).toEqual([live]);

    await new InngestTestEngine({ function: lostCallsFunction }).execute();
    expect(await db().usageRecord.count({ where: { workspaceId: ws.id, runId } })).toBe(1);
  });
});
