/**
 * Prompt token estimates: the OpenAI tokenizers where the model family's is known, and a heuristic that no longer
 * undercounts code, JSON and CJK text several times over.
 * @vitest-isolate: the tokenizers load once per module graph, and the first test asserts that none is loaded yet.
 */
import { readFileSync } from "node:fs";
import { countTokens as o200k } from "gpt-tokenizer/encoding/o200k_base";
import { countTokens as cl100k } from "gpt-tokenizer/encoding/cl100k_base";
import { describe, expect, it } from "vitest";
import { estimatePromptTokens } from "./gateway";
import { countTextTokens, heuristicTokens, loadTokenizers, tokenizerOf } from "./token-estimate";

const CODE = readFileSync(new URL("./gateway.ts", import.meta.url), "utf8");
const JSON_TEXT = JSON.stringify({ steps: Array.from({ length: 40 }, (_, i) => ({ id: `stp_${i}`, score: i / 7, tags: ["a", "b"] })) }, null, 2);
const CJK = "这是一个测试句子，用来估计中文文本的令牌数量。日本語のテキストも含まれています。한국어 문장도 있습니다.".repeat(10);
const PROSE = "The budget check reserves the worst case of every model call before it is made. ".repeat(50);

describe("tokenizers by model family", () => {
  it("maps OpenAI model ids to their encodings, others to none", () => {
    for (const id of ["gpt-4o", "gpt-4o-mini", "gpt-4.1-nano", "gpt-5", "o3-mini", "o1", "openai/gpt-5-mini", "gpt-oss-20b"])
      expect(tokenizerOf(id), id).toBe("o200k_base");
    for (const id of ["gpt-4", "gpt-4-turbo", "gpt-3.5-turbo", "text-embedding-3-small"]) expect(tokenizerOf(id), id).toBe("cl100k_base");
    for (const id of ["claude-sonnet-4-5", "llama3.1:8b", "mistral-large", "a", undefined]) expect(tokenizerOf(id), String(id)).toBeNull();
  });

  it("loads a tokenizer at its first use: until then the heuristic counts", async () => {
    // the first test to count: nothing of this file has loaded a tokenizer yet
    expect(countTextTokens(CODE, "gpt-4o")).toBe(heuristicTokens(CODE));
    expect(loadTokenizers([{ modelId: "claude-sonnet-4-5" }])).toBeUndefined(); // no tokenizer: nothing to wait for
    await loadTokenizers([{ modelId: "gpt-4o" }, { modelId: "gpt-3.5-turbo" }]);
    expect(countTextTokens(CODE, "gpt-4o")).toBe(o200k(CODE));
    expect(loadTokenizers([{ modelId: "gpt-4o-mini" }])).toBeUndefined(); // loaded: nothing to wait for
  });

  it("counts with the model's tokenizer (a cached long text counts the same)", async () => {
    await loadTokenizers([{ modelId: "gpt-4o" }, { modelId: "gpt-3.5-turbo" }]);
    expect(countTextTokens(CODE, "gpt-4o")).toBe(o200k(CODE));
    expect(countTextTokens(CODE, "gpt-4o")).toBe(o200k(CODE));
    expect(countTextTokens(CJK, "gpt-3.5-turbo")).toBe(cl100k(CJK));
    expect(estimatePromptTokens({ system: PROSE, prompt: CJK }, "gpt-4.1")).toBe(o200k(PROSE) + o200k(CJK));
  });
});

describe("the heuristic for other families", () => {
  it("keeps plain text at characters / 4", () => {
    expect(heuristicTokens("x".repeat(400))).toBe(100);
    expect(estimatePromptTokens({ prompt: "x".repeat(400) })).toBe(100);
    expect(estimatePromptTokens({ system: "y".repeat(40), prompt: [{ role: "user", content: "z".repeat(36) }] })).toBe(20);
  });

  it("counts CJK characters about one token each", () => {
    const cjkChars = [...CJK].filter((c) => /[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/.test(c)).length;
    expect(heuristicTokens(CJK)).toBeGreaterThanOrEqual(cjkChars);
    expect(heuristicTokens(CJK)).toBeGreaterThan(3 * Math.ceil(CJK.length / 4));
  });

  it.each([
    ["code", CODE],
    ["JSON", JSON_TEXT],
    ["CJK", CJK],
    ["prose", PROSE],
  ])("%s: within 0.8x-1.6x of a real tokenizer (characters / 4 is off 2-4x on CJK)", (_kind, text) => {
    const real = Math.max(o200k(text), cl100k(text));
    const estimate = heuristicTokens(text);
    expect(estimate).toBeGreaterThanOrEqual(0.8 * real);
    expect(estimate).toBeLessThanOrEqual(1.6 * real);
  });

  it("is fast: a 100 kB prompt in a few milliseconds", () => {
    const big = CODE.repeat(3).slice(0, 100_000);
    const started = performance.now();
    for (let i = 0; i < 10; i++) heuristicTokens(big);
    expect((performance.now() - started) / 10).toBeLessThan(20);
  });
});
