/**
 * `npm run stub:llm [-- --latency <ms>] [--chunk-delay <ms>]`: runs the local LLM stub standalone on 127.0.0.1 (random
 * port) and prints its base URL, for trying Cadre against an "OpenAI-compatible" or "Anthropic" provider without a key
 * or a network. `--latency` delays every answer, `--chunk-delay` paces a streamed answer's chunks.
 */
import { startLlmStub } from "./server";

const args = process.argv.slice(2);

function millis(flag: string): number {
  const index = args.indexOf(flag);
  const value = index >= 0 ? Number(args[index + 1] ?? Number.NaN) : 0;
  if (!Number.isFinite(value) || value < 0) {
    console.error(`${flag} expects a number of milliseconds`);
    process.exit(1);
  }
  return value;
}

const latencyMs = millis("--latency");
const chunkDelayMs = millis("--chunk-delay");

const stub = await startLlmStub({ latencyMs, chunkDelayMs });
console.log(`LLM stub listening: ${stub.url}`);
console.log("  OpenAI-compatible base URL (chat completions, embeddings, models) and Anthropic base URL (messages).");
console.log("  Any model id and any key are accepted. Ctrl-C to stop.");

const stop = async () => {
  await stub.close();
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
