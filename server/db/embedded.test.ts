import pg from "pg";
import { describe, expect, it } from "vitest";
import { startEmbeddedDatabase } from "./embedded";

describe("embedded database server", () => {
  it("keeps each connection's extended-query messages together under concurrency", async () => {
    // large parameters arrive in several TCP chunks; simple queries from other connections in between used to
    // destroy the unnamed prepared statement ("unnamed prepared statement does not exist")
    const db = await startEmbeddedDatabase({});
    const clients = await Promise.all(Array.from({ length: 8 }, async () => {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      return c;
    }));
    const failures: string[] = [];
    try {
      await Promise.all(clients.map(async (c, k) => {
        for (let i = 0; i < 150; i++) {
          try {
            if (k % 2 === 0) {
              const big = "x".repeat(100_000 + i);
              const r = await c.query("SELECT $1::int + $2::int AS s, length($3) AS l", [k, i, big]);
              if (r.rows[0].s !== k + i || r.rows[0].l !== big.length) failures.push(`wrong result ${k}/${i}`);
            } else {
              const r = await c.query(`SELECT ${k} + ${i} AS s`);
              if (r.rows[0].s !== k + i) failures.push(`wrong result ${k}/${i}`);
            }
          } catch (error) {
            failures.push((error as Error).message);
          }
        }
      }));
      // a failed statement does not stop the queue for everyone else
      await expect(clients[0]!.query("SELECT no_such_function()")).rejects.toThrow();
      expect((await clients[1]!.query("SELECT 1 AS one")).rows[0].one).toBe(1);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
      await db.stop();
    }
    expect(failures).toEqual([]);
  });
});
