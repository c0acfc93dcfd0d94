import { mkdtempSync, rmSync, statSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { embeddedDatabasePassword, startEmbeddedDatabase } from "./embedded";

describe("embedded database server", () => {
  it("keeps each connection's extended-query messages together under concurrency", async () => {
    // large parameters arrive in several TCP chunks; simple queries from other connections in between used to
    // destroy the unnamed prepared statement ("unnamed prepared statement does not exist")
    const db = await startEmbeddedDatabase({});
    const clients = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const c = new pg.Client({ connectionString: db.url });
        await c.connect();
        return c;
      }),
    );
    const failures: string[] = [];
    try {
      await Promise.all(
        clients.map(async (c, k) => {
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
        }),
      );
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

describe("embedded database authentication", () => {
  let db: Awaited<ReturnType<typeof startEmbeddedDatabase>>;
  beforeAll(async () => {
    db = await startEmbeddedDatabase({ password: "right-password" });
  }, 120_000);
  afterAll(async () => {
    await db?.stop();
  });

  it("requires the password: a wrong or missing one is refused (28P01), the right one works", { timeout: 120_000 }, async () => {
    const url = new URL(db.url);
    const connect = async (password: string | undefined, user = "postgres") => {
      const c = new pg.Client({ host: url.hostname, port: Number(url.port), user, password, database: "postgres" });
      try {
        await c.connect();
        return (await c.query("SELECT current_user AS u")).rows[0].u as string;
      } finally {
        await c.end().catch(() => undefined);
      }
    };
    expect(url.hostname).toBe("127.0.0.1");
    expect(decodeURIComponent(url.password)).toBe("right-password");
    await expect(connect("wrong-password")).rejects.toMatchObject({ code: "28P01" });
    await expect(connect("")).rejects.toThrow();
    await expect(connect("right-password", "someone-else")).resolves.toBe("postgres"); // one database, one user
    await expect(connect("right-password")).resolves.toBe("postgres");
    // the URL it hands out works (pg decodes the password)
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    expect((await c.query("SELECT 1 AS one")).rows[0].one).toBe(1);
    await c.end();
  });

  it("sends nothing from the database before authentication, and survives garbage and silent clients", { timeout: 120_000 }, async () => {
    const url = new URL(db.url);
    const raw = (bytes: Buffer) =>
      new Promise<Buffer>((resolve) => {
        const socket = net.connect(Number(url.port), "127.0.0.1");
        const got: Buffer[] = [];
        socket.on("data", (d) => got.push(d));
        socket.on("error", () => undefined);
        socket.on("close", () => resolve(Buffer.concat(got)));
        socket.write(bytes);
        setTimeout(() => socket.destroy(), 500);
      });
    // a startup message for "postgres" followed at once by a simple query: only the md5 request comes back
    const params = Buffer.from("user\0postgres\0database\0postgres\0\0");
    const startup = Buffer.alloc(8);
    startup.writeInt32BE(8 + params.length, 0);
    startup.writeInt32BE(196608, 4);
    const queryText = Buffer.from("SELECT 1\0");
    const query = Buffer.concat([Buffer.from("Q"), Buffer.alloc(4), queryText]);
    query.writeInt32BE(4 + queryText.length, 1);
    const reply = await raw(Buffer.concat([startup, params, query]));
    expect(reply[0]).toBe("R".charCodeAt(0));
    expect(reply.readInt32BE(5)).toBe(5); // AuthenticationMD5Password
    const types: string[] = [];
    for (let i = 0; i < reply.length; i += 1 + reply.readInt32BE(i + 1)) types.push(String.fromCharCode(reply[i]!));
    expect(types).toEqual(["R", "E"]); // the md5 request, then the refusal: no ReadyForQuery, no rows
    // garbage is refused; the server still serves proper clients afterwards
    await raw(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    expect((await c.query("SELECT 2 AS two")).rows[0].two).toBe(2);
    await c.end();
  });

  it("keeps the password in the data directory with mode 0600", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cadre-dbpw-"));
    try {
      const first = embeddedDatabasePassword(dir);
      expect(first.created).toBe(true);
      expect(first.value.length).toBeGreaterThanOrEqual(32);
      expect(statSync(first.file).mode & 0o777).toBe(0o600);
      const again = embeddedDatabasePassword(dir);
      expect(again).toMatchObject({ created: false, value: first.value });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
