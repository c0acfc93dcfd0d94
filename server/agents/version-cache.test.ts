/**
 * The version cache's size bound: versions with long instructions never make it hold more than 16 M characters,
 * whatever their number; a single huge version is not cached at all.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { AgentVersionOut } from "@/server/agents/service";
import { cacheAgentVersion, cachedAgentVersion, clearVersionCache, versionCacheSize } from "./version-cache";

const agent = (n: number, instructionChars: number): AgentVersionOut => ({
  agentId: `agt_${n}`,
  slug: `a${n}`,
  version: 1,
  callTimeoutSeconds: null,
  name: `a${n}`,
  roleDescription: "r",
  instructions: "x".repeat(instructionChars),
  modelPolicy: { type: "preset", preset: "fast" },
  maxOutputTokens: 100,
  temperature: 0.2,
  outageWaitSeconds: 120,
  allowedTools: [],
  toolApprovals: {},
  memoryPolicy: null,
  qualityGate: null,
  contextBudget: null,
  createdAt: new Date(0),
  releasedAt: new Date(0),
});

afterEach(() => clearVersionCache());

describe("version cache bounds", () => {
  it("stays under its size bound with many long versions (least recently used go first)", () => {
    for (let n = 0; n < 200; n++) cacheAgentVersion("ws_1", agent(n, 200_000));
    const size = versionCacheSize();
    expect(size.chars).toBeLessThanOrEqual(16 * 1024 * 1024);
    expect(size.entries).toBeLessThan(400);
    expect(cachedAgentVersion("ws_1", { slug: "a199" }, 1)?.instructions.length).toBe(200_000);
    expect(cachedAgentVersion("ws_1", { slug: "a0" }, 1)).toBeUndefined();
  });

  it("does not keep a single version larger than a quarter of the bound", () => {
    cacheAgentVersion("ws_1", agent(1, 5 * 1024 * 1024));
    expect(versionCacheSize()).toEqual({ entries: 0, chars: 0 });
    expect(cachedAgentVersion("ws_1", { id: "agt_1" }, 1)).toBeUndefined();
  });
});
