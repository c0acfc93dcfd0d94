import pg from "pg";

/**
 * A database for one benchmark run: on the PostgreSQL server at `serverUrl`, a fresh database named after the
 * benchmark and the process (dropped by `stop`); without one, the embedded PGlite served on 127.0.0.1 as `npm start`
 * does.
 */
export async function scratchDatabase(
  serverUrl: string | undefined,
  label: string,
  /** on the server: a database kept after the run under this name (created when missing), to measure it again */
  keep?: string,
): Promise<{ url: string; stop: () => Promise<void> }> {
  if (serverUrl) {
    const name = keep ? `cadre_bench_${label}_keep_${keep.replace(/[^a-z0-9_]/gi, "")}` : `cadre_bench_${label}_${process.pid}`;
    const root = new pg.Client({ connectionString: serverUrl });
    await root.connect();
    const exists = (await root.query("SELECT 1 FROM pg_database WHERE datname = $1", [name])).rowCount! > 0;
    if (!exists) await root.query(`CREATE DATABASE ${name}`);
    return {
      url: serverUrl.replace(/\/[^/]*$/, `/${name}`),
      stop: async () => {
        if (!keep) await root.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await root.end();
      },
    };
  }
  const { startEmbeddedDatabase } = await import("../../server/db/embedded");
  const embedded = await startEmbeddedDatabase({});
  return { url: embedded.url, stop: () => embedded.stop() };
}
