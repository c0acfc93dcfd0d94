import { CliError, EXIT } from "./exit-codes.js";
import type { Io } from "./io.js";

/** All of stdin as text (for `-f -`). */
export async function readStdin(io: Io): Promise<string> {
  if (!io.stdin) throw new CliError(EXIT.USAGE, "No standard input to read");
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}
