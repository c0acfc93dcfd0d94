/**
 * The tests' own database client for fixtures and assertions: a plain Prisma client on the tests' connection (the
 * superuser on both databases), outside row-level security. App code never uses it: it uses db(scope).
 */
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/server/db/generated/client";

const holder = globalThis as unknown as { cadreTestDb?: PrismaClient };

export function testDb(): PrismaClient {
  if (!holder.cadreTestDb) {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error("testDb: DATABASE_URL is not set (test/setup-env.ts sets it)");
    holder.cadreTestDb = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 4 }) });
  }
  return holder.cadreTestDb;
}

const poolHolder = globalThis as unknown as { cadreTestPool?: pg.Pool };

/** A plain node-postgres pool on the tests' connection (outside row-level security), for raw test statements. */
export function testPool(): pg.Pool {
  poolHolder.cadreTestPool ??= new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
  return poolHolder.cadreTestPool;
}
