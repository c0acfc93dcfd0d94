/**
 * What a recall costs the database, and the full-text search's function (migration 20261216_300_memory_perf) against
 * the real database: an agent step's recall sends the full-text search's message first (it does not wait for the
 * query's embedding), then the query's usage row and the vector search's message (plus one for lastRecalledAt when a
 * result's is an hour old); cadre_memory_text_candidates, which
 * runs past row-level security to use its index, returns the transaction's workspace's rows only.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { TenantContext } from "@/server/context";
import { executeBatch, transport } from "@/server/db/execute";
import { NO_TENANT, SYSTEM } from "@/server/db/scope";
import { sql } from "@/server/db/sql";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { makeWorkspace, uniq, type TestWorkspace } from "@/test/helpers";
import { recallForStep } from "./inject";
import { settleRecallHints } from "./recall";
import { getMemory, remember } from "./service";

let ws: TestWorkspace;
let other: TestWorkspace;
let owner: TenantContext;
let otherOwner: TenantContext;

beforeAll(async () => {
  ws = await makeWorkspace("memory-statements");
  other = await makeWorkspace("memory-statements-other");
  owner = await resolveUserTenant(ws.users.owner, ws.slug, `req_test${uniq()}`);
  otherOwner = await resolveUserTenant(other.users.owner, other.slug, `req_test${uniq()}`);
});

/**
 * The raw messages `fn` waits for (server/db/execute.ts), by what they do; the model's observed statistics are
 * written in the background (server/models/stats.ts, batched, never awaited by a call) and left out.
 */
async function messagesOf(fn: () => Promise<unknown>): Promise<string[]> {
  const sent: string[] = [];
  const send = transport.send;
  transport.send = (text: string) => {
    if (/UPDATE "Model" AS m SET/.test(text)) return send(text);
    sent.push(
      /INSERT INTO "UsageRecord"/.test(text)
        ? "usage"
        : /cadre_memory_text_candidates/.test(text)
          ? "text"
          : /<=>/.test(text)
            ? "vectors"
            : /"lastRecalledAt" =/.test(text)
              ? "recalled"
              : text.slice(0, 80),
    );
    return send(text);
  };
  try {
    await fn();
  } finally {
    transport.send = send;
  }
  return sent;
}

const POLICY = { read: ["workspace" as const], k: 3, tokenBudget: 1000, write: "none" as const, extractFacts: false, writeScope: "agent" as const };
const RUN = { agentId: "agt_statements", teamId: null, subject: null, sessionId: null };

describe("an agent step's recall", () => {
  it("sends the full-text search before the query is embedded, then the usage row and the vector search; lastRecalledAt once an hour", async () => {
    for (const content of ["Order ORD-7101 was refunded twice", "Order ORD-7102 shipped late", "The refund policy is 30 days"])
      await remember(owner, { content });
    // the first recall of the workspace also reads (and seeds) the catalog: models, presets, memory model settings
    const first = await messagesOf(() => recallForStep(owner, POLICY, RUN, "refund ORD-7101", {}));
    expect(first[0]).toBe("text");
    expect(first.slice(-3)).toEqual(["usage", "vectors", "recalled"]);
    await settleRecallHints();
    // from the cache now: the policy costs no statement
    const again = await messagesOf(() => recallForStep(owner, POLICY, RUN, "refund ORD-7101", {}));
    expect(again).toEqual(["text", "usage", "vectors"]);
  });

  it("answers without waiting for the lastRecalledAt write, which lands after", async () => {
    const word = `kestrel${uniq()}`;
    const m = await remember(owner, { content: `The ${word} nests on the tower` });
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const send = transport.send;
    transport.send = async (text: string) => {
      if (/"lastRecalledAt" =/.test(text)) await held;
      return send(text);
    };
    try {
      // resolves while the write is held (awaiting it would time the test out)
      const step = await recallForStep(owner, POLICY, RUN, `${word} tower`, {});
      expect(step.memories.map((x) => x.id)).toContain(m.id);
      expect((await getMemory(owner, m.id)).lastRecalledAt).toBeNull();
    } finally {
      transport.send = send;
    }
    release();
    await settleRecallHints();
    expect((await getMemory(owner, m.id)).lastRecalledAt).not.toBeNull();
  });
});

describe("cadre_memory_text_candidates", () => {
  const search = (word: string) => sql`SELECT "id" FROM cadre_memory_text_candidates(${word}, ARRAY['workspace'], ARRAY[''], NULL, 50, 400)`;

  it("returns the transaction's workspace's matches only, and nothing without a workspace", async () => {
    const word = `zephyr${uniq()}`;
    const theirs = await remember(otherOwner, { content: `The ${word} project is confidential` });
    const [found] = await executeBatch(otherOwner, [search(word)]);
    expect(found!.rows.map((r) => r.id)).toEqual([theirs.id]);
    for (const scope of [owner, SYSTEM("operator"), NO_TENANT]) {
      const [seen] = await executeBatch(scope, [search(word)]);
      expect(seen!.rows).toEqual([]);
    }
  });

  it("filters by scope and kind", async () => {
    const word = `quokka${uniq()}`;
    const agentScope = { type: "agent" as const, id: "agt_statements" };
    const inAgent = await remember(owner, { content: `A ${word} fact`, scope: agentScope, kind: "episodic" });
    await remember(owner, { content: `A ${word} note` });
    const [agentOnly] = await executeBatch(owner, [
      sql`SELECT "id" FROM cadre_memory_text_candidates(${word}, ARRAY['agent'], ARRAY['agt_statements'], NULL, 50, 400)`,
    ]);
    expect(agentOnly!.rows.map((r) => r.id)).toEqual([inAgent.id]);
    const [semantic] = await executeBatch(owner, [
      sql`SELECT "id" FROM cadre_memory_text_candidates(${word}, ARRAY['agent'], ARRAY['agt_statements'], ARRAY['semantic'], 50, 400)`,
    ]);
    expect(semantic!.rows).toEqual([]);
  });
});
