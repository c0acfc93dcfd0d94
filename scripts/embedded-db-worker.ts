/**
 * The embedded database (PGlite + pgvector behind the wire-protocol server) in a worker thread of the launcher's
 * process: its queries run beside Next's event loop instead of blocking it, without a second process.
 * Messages: the launcher posts { type: "stop" }; the worker answers { type: "ready", url }, { type: "stopped" }
 * or { type: "failed", message }.
 */
import { parentPort, workerData } from "node:worker_threads";
import { startEmbeddedDatabase } from "../server/db/embedded";

const port = parentPort;
if (!port) throw new Error("embedded-db-worker runs as a worker thread");
const options = workerData as { dataDir: string; port: number; password: string };

try {
  const database = await startEmbeddedDatabase(options);
  port.on("message", (message: { type?: string }) => {
    if (message?.type !== "stop") return;
    database.stop().then(
      () => port.postMessage({ type: "stopped" }),
      (error: unknown) => port.postMessage({ type: "failed", message: (error as Error).message }),
    );
  });
  port.postMessage({ type: "ready", url: database.url });
} catch (error) {
  port.postMessage({ type: "failed", message: (error as Error).message });
}
