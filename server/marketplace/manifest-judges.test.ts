/**
 * The manifest of a package whose agent has a quality gate: the judges with their criteria and the agents they judge,
 * the judge calls a run makes, and the judges' calls in the cost estimate (one iteration low, every revision high).
 * Without a gate, neither key is there (the manifest, and its consent digest, as before judges travelled).
 */
import { describe, expect, it } from "vitest";
import { marketplacePackageSchema } from "@/lib/schemas/marketplace";
import type { CatalogEntry } from "@/server/models/router";
import { agentPackage } from "@/test/fixtures/marketplace-installs";
import { computeManifest } from "./manifest";

/** One priced model: $1 per million output tokens, $0 input. */
const ENTRY: CatalogEntry = {
  id: "mdl_one",
  providerId: "prv_one",
  providerKind: "openai",
  providerName: "One",
  isLocal: false,
  modelId: "one",
  displayName: "one",
  inputPrice: 0,
  outputPrice: 1,
  contextWindow: 100_000,
  capabilities: ["tools", "json"],
  quality: 0.9,
  enabled: true,
  latencyP95Ms: null,
  errorRate: 0,
};
const pricing = { entries: [ENTRY], presetConstraints: () => undefined };
const constraints = { type: "constraints", constraints: {} };
const RUBRIC = { criteria: [{ key: "accuracy", description: "Facts are right", weight: 1 }], scale: { min: 1, max: 5 } };
const judge = (slug: string, maxOutputTokens: number) => ({
  slug,
  name: slug.toUpperCase(),
  instructions: "",
  modelPolicy: constraints,
  rubric: RUBRIC,
  referenceAnswer: null,
  examples: [],
  maxOutputTokens,
});

describe("the manifest of a gated agent", () => {
  it("lists the judges, counts the judge calls per run and prices them in the estimate", () => {
    const pkg = marketplacePackageSchema.parse({
      ...agentPackage("writer"),
      agents: [
        {
          slug: "writer",
          name: "Writer",
          instructions: "Write.",
          modelPolicy: constraints,
          maxOutputTokens: 1_000,
          qualityGate: { judges: ["ja", "jb"], maxRevisions: 2 },
        },
      ],
      judges: [judge("ja", 100), judge("jb", 200)],
    });
    const manifest = computeManifest(pkg, pricing);
    expect(manifest.judges).toEqual([
      { slug: "ja", name: "JA", criteria: [{ key: "accuracy", description: "Facts are right" }], usedBy: ["writer"] },
      { slug: "jb", name: "JB", criteria: [{ key: "accuracy", description: "Facts are right" }], usedBy: ["writer"] },
    ]);
    expect(manifest.judgeCallsPerRun).toEqual({ min: 2, max: 6 });
    // low: the output and one judgement by each judge; high: three iterations of both
    expect(manifest.estimatedCostPerRunUsd).toEqual({ low: (1_000 + 100 + 200) / 1e6, high: (3 * (1_000 + 100 + 200)) / 1e6 });
  });

  it("has no judges key without a gate", () => {
    const manifest = computeManifest(agentPackage("plain"), pricing);
    expect("judges" in manifest).toBe(false);
    expect("judgeCallsPerRun" in manifest).toBe(false);
  });
});
