/**
 * `npm run stub:llm [-- --latency <ms>]`: runs the local LLM stub standalone on 127.0.0.1 (random port) and prints its
 * base URL, for trying Cadre against an "OpenAI-compatible" or "Anthropic" provider without a key or a network.
 */
import { startLlmStub } from "./server";

const args = process.argv.slice(2);
const latencyIndex = args.indexOf("--latency");
const latencyMs = latencyIndex >= 0 ? Number(args[latencyIndex + 1] ?? 0) : 0;
if (!Number.isFinite(latencyMs) || latencyMs < 0) {
  console.error("--latency expects a number of milliseconds");
  process.exit(1);
}

const stub = await startLlmStub({ latencyMs });
console.log(`LLM stub listening: ${stub.url}`);
console.log("  OpenAI-compatible base URL (chat completions, embeddings, models) and Anthropic base URL (messages).");
console.log("  Any model id and any key are accepted. Ctrl-C to stop.");

const stop = async () => {
  await stub.close();
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
