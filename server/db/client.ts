import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/client";
import { env } from "../env";

export type Db = PrismaClient;

const globalForDb = globalThis as unknown as { cadreDb?: PrismaClient };

/** The one Prisma client of this process (kept on globalThis so dev reloads do not leak pools). */
export function db(): PrismaClient {
  if (!globalForDb.cadreDb) {
    const url = env().DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set: start Cadre with `npm start`, which provides the database");
    globalForDb.cadreDb = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 10 }) });
  }
  return globalForDb.cadreDb;
}

export async function disconnectDb(): Promise<void> {
  await globalForDb.cadreDb?.$disconnect();
  globalForDb.cadreDb = undefined;
}
