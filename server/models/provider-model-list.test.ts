import { describe, expect, it } from "vitest";
import { modelListRequest, parseModelList } from "./provider-model-list";

describe("modelListRequest", () => {
  it("asks each kind at its own address with its own key header; kinds without a list get none", () => {
    expect(modelListRequest({ kind: "openai", baseUrl: null }, "k")).toEqual({
      url: "https://api.openai.com/v1/models",
      headers: { accept: "application/json", authorization: "Bearer k" },
    });
    expect(modelListRequest({ kind: "anthropic", baseUrl: "http://127.0.0.1:9/v1/" }, "k")?.headers).toMatchObject({
      "x-api-key": "k",
      "anthropic-version": "2023-06-01",
    });
    expect(modelListRequest({ kind: "google", baseUrl: null }, "k")).toMatchObject({
      url: "https://generativelanguage.googleapis.com/v1beta/models?pageSize=1000",
      headers: { "x-goog-api-key": "k" },
    });
    expect(modelListRequest({ kind: "openai_compatible", baseUrl: "http://127.0.0.1:9/v1" }, undefined)?.headers).toEqual({ accept: "application/json" });
    for (const kind of ["azure", "bedrock", "vertex", "simulator"] as const) expect(modelListRequest({ kind, baseUrl: "https://x.example" }, "k")).toBeNull();
  });
});

describe("parseModelList", () => {
  it("reads Gemini's list: ids without the models/ prefix, only models that generate content", () => {
    const body = {
      models: [
        { name: "models/gemini-2.5-flash", displayName: "Gemini 2.5 Flash", supportedGenerationMethods: ["generateContent", "countTokens"] },
        { name: "models/text-embedding-004", supportedGenerationMethods: ["embedContent"] },
      ],
    };
    expect(parseModelList("google", body)).toEqual([{ id: "gemini-2.5-flash", name: "Gemini 2.5 Flash" }]);
  });

  it("reads OpenAI-style lists with Anthropic's display names, and refuses anything else", () => {
    expect(parseModelList("anthropic", { data: [{ id: "claude-haiku-4-5-20251001", display_name: "Claude Haiku 4.5", type: "model" }] })).toEqual([
      { id: "claude-haiku-4-5-20251001", name: "Claude Haiku 4.5" },
    ]);
    expect(parseModelList("openai_compatible", { object: "list" })).toBeNull();
    expect(parseModelList("openai", "<html>")).toBeNull();
    expect(parseModelList("google", { models: [{ name: 42 }] })).toBeNull();
  });
});
