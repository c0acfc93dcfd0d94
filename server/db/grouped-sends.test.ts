/**
 * Group commit of a run's usage rows (./grouped-sends.ts): what arrives while a batch is in flight goes in the next
 * batch (one message), every statement settles with its own outcome, a refused batch is retried one statement at a
 * time, and a failure never stops later sends. On the real database (the round trips are counted at the transport).
 */
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { testDb as db } from "@/test/db";
import { insertRunningRun, makeRunWorkspace, type RunWorkspace } from "@/test/fixtures/runs";
import { sql, type Sql } from "@/server/db/sql";
import { transport } from "@/server/db/execute";
import { GroupedSends } from "./grouped-sends";

let rw: RunWorkspace;
beforeAll(async () => {
  rw = await makeRunWorkspace("grouped");
});
afterEach(() => {
  vi.restoreAllMocks();
});

const makeRun = () => insertRunningRun(rw);

const bump = (runId: string) => sql`UPDATE "Run" SET "stepsDone" = "stepsDone" + 1 WHERE id = ${runId}`;
const stepsDone = async (runId: string) => (await db().run.findUniqueOrThrow({ where: { id: runId } })).stepsDone;
const refused = sql`SELECT 1 / 0`;

/** The messages sent while the test runs (each message is one transaction). */
function countMessages(): string[][] {
  const original = transport.send;
  const messages: string[][] = [];
  vi.spyOn(transport, "send").mockImplementation(((text: string) => {
    messages.push(text.split(";\n").slice(1)); // the scope statement opens every message
    return original(text);
  }) as never);
  return messages;
}

describe("GroupedSends", () => {
  it("sends the first statement at once; those sent while it is in flight go together in one message", async () => {
    const runId = await makeRun();
    const messages = countMessages();
    const sends = new GroupedSends({ workspaceId: rw.ws.id });
    const first = sends.send(bump(runId));
    const rest = Array.from({ length: 7 }, () => sends.send(bump(runId)));
    await Promise.all([first, ...rest]);
    expect(messages.map((m) => m.length)).toEqual([1, 7]);
    expect(await stepsDone(runId)).toBe(8);
    // idle again: the next one goes alone, at once
    await sends.send(bump(runId));
    expect(messages.map((m) => m.length)).toEqual([1, 7, 1]);
    expect(await stepsDone(runId)).toBe(9);
  });

  it("a refused statement fails alone: the batch is sent again one statement at a time and the others commit", async () => {
    const runId = await makeRun();
    const messages = countMessages();
    const sends = new GroupedSends({ workspaceId: rw.ws.id });
    const first = sends.send(bump(runId));
    const a = sends.send(bump(runId));
    const bad = sends.send(refused);
    const b = sends.send(bump(runId));
    await first;
    await expect(a).resolves.toBeUndefined();
    await expect(bad).rejects.toMatchObject({ code: "22012" });
    await expect(b).resolves.toBeUndefined();
    expect(await stepsDone(runId)).toBe(3);
    expect(messages.map((m) => m.length)).toEqual([1, 3, 1, 1, 1]);
    // a failure does not stop later sends
    await sends.send(bump(runId));
    expect(await stepsDone(runId)).toBe(4);
  });

  it("a lost connection (outcome unknown) fails every statement of its batch, and only those", async () => {
    const runId = await makeRun();
    const sends = new GroupedSends({ workspaceId: rw.ws.id });
    const original = transport.send;
    let calls = 0;
    vi.spyOn(transport, "send").mockImplementation(((text: string) => {
      calls++;
      if (calls === 2) return Promise.reject(new Error("Connection terminated unexpectedly"));
      return original(text);
    }) as never);
    const first = sends.send(bump(runId));
    const lost = [sends.send(bump(runId)), sends.send(bump(runId))];
    await first;
    for (const p of lost) await expect(p).rejects.toThrow("Connection terminated");
    expect(calls).toBe(2); // not re-sent: it may have committed
    await sends.send(bump(runId));
    expect(await stepsDone(runId)).toBe(2);
  });

  it("with a merge, a batch goes as the merged statements; a refused merged batch is sent again unmerged", async () => {
    const runId = await makeRun();
    const messages = countMessages();
    // merges N bumps into one UPDATE by N (what the run's usage rows do with server/ledger/record.ts mergeUsageRows)
    const merge = (statements: readonly Sql[]) => {
      const bumps = statements.filter((s) => s !== refused).length;
      return [...statements.filter((s) => s === refused), sql`UPDATE "Run" SET "stepsDone" = "stepsDone" + ${bumps} WHERE id = ${runId}`];
    };
    const sends = new GroupedSends({ workspaceId: rw.ws.id }, { merge });
    await Promise.all([sends.send(bump(runId)), sends.send(bump(runId)), sends.send(bump(runId)), sends.send(bump(runId))]);
    expect(messages.map((m) => m.length)).toEqual([1, 1]); // one alone (never merged), then three as one statement
    expect(await stepsDone(runId)).toBe(4);

    const first = sends.send(bump(runId));
    const rest = [sends.send(bump(runId)), sends.send(refused), sends.send(bump(runId))];
    await first;
    await expect(rest[1]).rejects.toMatchObject({ code: "22012" });
    await Promise.all([rest[0], rest[2]]);
    expect(await stepsDone(runId)).toBe(7);
    // the merged batch (refused as a whole), then its three statements one by one
    expect(messages.slice(2).map((m) => m.length)).toEqual([1, 2, 1, 1, 1]);
  });

  it("a statement that relaxes its commit (synchronous_commit) goes alone, never grouped with durable ones", async () => {
    const runId = await makeRun();
    const messages = countMessages();
    const sends = new GroupedSends({ workspaceId: rw.ws.id });
    const relaxed = sql`UPDATE "Run" SET "stepsDone" = "stepsDone" + 1 FROM (SELECT set_config('synchronous_commit', 'off', true)) AS "relaxed" WHERE id = ${runId}`;
    await Promise.all([sends.send(bump(runId)), sends.send(bump(runId)), sends.send(relaxed), sends.send(bump(runId))]);
    expect(messages.map((m) => m.length)).toEqual([1, 1, 1, 1]);
    expect(await stepsDone(runId)).toBe(4);
  });
});
