/**
 * An answer that arrived but is worth nothing (JSON violating the schema, no JSON, cut at maxOutputTokens) is the
 * answer's problem, not the provider's: through the real provider code and the LLM stub, it neither trips the circuit
 * breaker nor lowers the model's observed reliability nor falls back to another model; it is returned (the object as
 * read, leniently) with a typed `answerProblem`, and its usage row is `answer_invalid` with the code.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { testDb as db } from "@/test/db";
import type { TenantContext } from "@/server/context";
import type { LlmStub } from "@/scripts/llm-stub/server";
import { askAnyModel, useStubGateway } from "@/test/fixtures/stub-gateway";
import { parseJsonLoose } from "@/lib/json-loose";
import { modelCircuitBreaker } from "./circuit-breaker";
import { generate, settleObservations, type GenerateRequest } from "./gateway";

const gw = useStubGateway("answer");
let stub: LlmStub;
let ctx: TenantContext;
beforeEach(() => void ({ stub, ctx } = gw));

/** Two models on the stub: `a` (cheap, chosen first) and `b` (its fallback). */
async function twoModels() {
  const provider = await gw.addProvider();
  return {
    a: await gw.addModel(provider.id, "a", { inputPrice: 1, outputPrice: 1 }),
    b: await gw.addModel(provider.id, "b", { inputPrice: 5, outputPrice: 5 }),
  };
}

const plan = z.object({ subtasks: z.array(z.object({ assignee: z.enum(["writer", "critic"]), task: z.string() })) });

const ask = (over: Partial<GenerateRequest> = {}) => askAnyModel("plan it", { output: { schema: plan }, ...over });

const chatModels = () => stub.calls.filter((c) => c.path === "/v1/chat/completions").map((c) => c.model);
const usage = () => db().usageRecord.findMany({ where: { workspaceId: gw.ws.id }, orderBy: { createdAt: "asc" } });

describe("structured answers that violate the schema", () => {
  it("are returned with the problems, recorded as answer_invalid; no breaker failure, no error observation, no fallback", async () => {
    const { a } = await twoModels();
    const bad = JSON.stringify({ subtasks: [{ assignee: "ghost", task: "haunt" }] });
    stub.fail({ content: bad, model: "a", times: 5 });

    for (let i = 0; i < 4; i++) {
      const result = await generate(ctx, ask());
      expect(result.model.id).toBe(a.id);
      expect(result.object).toEqual({ subtasks: [{ assignee: "ghost", task: "haunt" }] });
      expect(result.answerProblem).toMatchObject({ code: "ANSWER_SCHEMA_MISMATCH", problems: [expect.stringMatching(/^subtasks\.0\.assignee: /)] });
      expect(result.finishReason).toBe("stop");
    }
    // one call each: no fallback to b, no retry of a
    expect(chatModels()).toEqual(["a", "a", "a", "a"]);
    expect(modelCircuitBreaker().state(a.id)).toBe("closed");

    await settleObservations();
    const stats = await db().model.findUniqueOrThrow({ where: { id: a.id } });
    expect(stats.callCount).toBe(4);
    expect(stats.errorRate).toBe(0);

    const rows = await usage();
    expect(rows.map((r) => r.outcome)).toEqual(["answer_invalid", "answer_invalid", "answer_invalid", "answer_invalid"]);
    expect(rows[0]!.error).toMatch(/^ANSWER_SCHEMA_MISMATCH: /);
    expect(Number(rows[0]!.costUsd)).toBeGreaterThan(0); // the answer was billed
  });

  it("JSON in code fences or prose is read leniently and validated", async () => {
    await twoModels();
    stub.fail({ content: 'Here is the plan:\n```json\n{"subtasks": [{"assignee": "writer", "task": "draft"}]}\n```\nDone.', model: "a" });
    const fenced = await generate(ctx, ask());
    expect(fenced.object).toEqual({ subtasks: [{ assignee: "writer", task: "draft" }] });
    expect(fenced.answerProblem).toBeUndefined();

    stub.fail({ content: "I would rather not plan today.", model: "a" });
    const prose = await generate(ctx, ask());
    expect(prose.object).toBeUndefined();
    expect(prose.answerProblem?.code).toBe("ANSWER_NOT_JSON");
    expect(chatModels()).toEqual(["a", "a"]);
    expect((await usage()).map((r) => r.outcome)).toEqual(["ok", "answer_invalid"]);
  });

  it("a malformed transport (a body the provider package cannot read) is still the provider's failure", async () => {
    const { a } = await twoModels();
    stub.fail({ malformed: true, model: "a" });
    const result = await generate(ctx, ask());
    expect(chatModels()).toEqual(["a", "b"]);
    expect(result.answerProblem).toBeUndefined();
    expect((await usage()).map((r) => r.outcome)).toEqual(["error", "ok"]);
    expect(modelCircuitBreaker().state(a.id)).toBe("closed"); // one failure, under the threshold, but counted
  });
});

describe("an answer cut at maxOutputTokens", () => {
  it("is flagged with finishReason length and ANSWER_TRUNCATED, never plain ok", async () => {
    const { a } = await twoModels();
    stub.fail({ content: "The beginning of a long", finishReason: "length", model: "a" });
    const result = await generate(ctx, ask({ output: undefined }));
    expect(result.finishReason).toBe("length");
    expect(result.answerProblem?.code).toBe("ANSWER_TRUNCATED");
    expect(modelCircuitBreaker().state(a.id)).toBe("closed");
    expect((await usage()).map((r) => r.outcome)).toEqual(["answer_invalid"]);
  });

  it("streamed too", async () => {
    await twoModels();
    stub.fail({ content: "cut short", finishReason: "length", model: "a" });
    const deltas: string[] = [];
    const result = await generate(ctx, ask({ output: undefined, onTextDelta: (d) => deltas.push(d) }));
    expect(deltas.join("")).toBe("cut short");
    expect(result.finishReason).toBe("length");
    expect(result.answerProblem?.code).toBe("ANSWER_TRUNCATED");
  });
});

describe("parseJsonLoose", () => {
  it.each([
    ['{"a":1}', { a: 1 }],
    ['```json\n{"a":1}\n```', { a: 1 }],
    ['Sure! {"a":"}"} and then {"b":2}', { a: "}" }],
    ['prefix {broken {"a":[1,{"b":2}]} suffix', { a: [1, { b: 2 }] }],
    ["no json here", undefined],
    ["[1,2]", undefined],
  ])("%j", (text, expected) => {
    expect(parseJsonLoose(text)).toEqual(expected);
  });
});
