import type { TestProject } from "vitest/node";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "../server/db/embedded";
import { migrate } from "../server/db/migrate";

/**
 * The real database for the test run: an in-memory PGlite served on 127.0.0.1 by default, or the
 * PostgreSQL server at DATABASE_URL when it is set. Either way the migrations are applied first.
 */
let embedded: EmbeddedDatabase | undefined;

export async function setup(project: TestProject) {
  let url = process.env.DATABASE_URL;
  let mode: "embedded" | "server" = "server";
  if (!url) {
    embedded = await startEmbeddedDatabase({});
    url = embedded.url;
    mode = "embedded";
  }
  await migrate(url);
  project.provide("databaseUrl", url);
  project.provide("databaseMode", mode);
  console.log(`[test] database: ${mode === "embedded" ? "embedded PGlite (in memory)" : "PostgreSQL server from DATABASE_URL"}`);
}

export async function teardown() {
  await embedded?.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    databaseMode: "embedded" | "server";
  }
}
