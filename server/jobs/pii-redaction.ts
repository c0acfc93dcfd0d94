/**
 * The run's PII and secret policy (server/quality/pii-policy), read once when the run starts and pinned for it: a
 * model's answer is redacted as it leaves the gateway, before anything stores it (step rows, events, the run's
 * output: the original is then kept nowhere), and a tool's result before it is stored and enters the next prompt.
 */
import type { generate as gatewayGenerate } from "@/server/models/gateway";
import { appliesOn, type CompiledPolicy, redactJson, redactString } from "@/server/quality/pii/redact";

/** The gateway with every answer redacted on the "storage" path (the generate itself when that path changes nothing). */
export function redactingGenerate(generate: typeof gatewayGenerate, pii: CompiledPolicy | null): typeof gatewayGenerate {
  if (!appliesOn(pii, "storage")) return generate;
  return async (ctx, req) => {
    const res = await generate(ctx, req);
    return {
      ...res,
      text: redactString(res.text, pii, "storage"),
      ...(res.object !== undefined ? { object: redactJson(res.object, pii, "storage") } : {}),
      toolCalls: res.toolCalls.map((c) => ({ ...c, input: redactJson(c.input, pii, "storage") })),
    };
  };
}

/** A tool call's record with its output redacted on the "tool_results" path (before it is stored and prompted). */
export function redactedToolRecord<T extends { output: string }>(record: T, pii: CompiledPolicy | null | undefined): T {
  if (!appliesOn(pii, "tool_results")) return record;
  const output = redactString(record.output, pii, "tool_results");
  return output === record.output ? record : { ...record, output };
}
