/**
 * The documentation describes the product as it is and stays inside the repository: every topology example in
 * docs/concepts.md is a valid team spec and every topology has one, and no document links outside the repository.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { TOPOLOGIES, topologyProblems, topologySpecSchema } from "@/lib/schemas/topology";

const root = path.resolve(import.meta.dirname, "..");
const read = (file: string) => readFileSync(path.join(root, file), "utf8");
const documents = ["README.md", "CONTRIBUTING.md", "SECURITY.md", "CHANGELOG.md", ...readdirSync(path.join(root, "docs")).map((f) => `docs/${f}`)].filter((f) =>
  f.endsWith(".md"),
);

describe("docs/concepts.md", () => {
  it("has a valid example spec for each of the topologies", () => {
    const specs = [...read("docs/concepts.md").matchAll(/```json\n([\s\S]*?)```/g)]
      .map((m) => JSON.parse(m[1]!) as Record<string, unknown>)
      .filter((v) => "topology" in v);
    const shown = new Set<string>();
    for (const spec of specs) {
      const parsed = topologySpecSchema.safeParse(spec);
      expect(parsed.success ? [] : parsed.error.issues, JSON.stringify(spec)).toEqual([]);
      if (parsed.success) expect(topologyProblems(parsed.data), JSON.stringify(spec)).toEqual([]);
      shown.add(String(spec.topology));
    }
    expect([...shown].sort()).toEqual([...TOPOLOGIES].sort());
  });
});

describe("documents", () => {
  it.each(documents)("%s links only inside the repository", (file) => {
    const text = read(file);
    expect(text).not.toMatch(/\.\.\/shared\b/);
    expect(text, "refers to the project's internal issue numbers").not.toMatch(/\bissues? \d+\b/i);
    // relative links resolve to files of the repository
    for (const [, target] of text.matchAll(/\]\((?!https?:|mailto:|#)([^)#\s]+)[^)]*\)/g)) {
      const resolved = path.resolve(path.dirname(path.join(root, file)), target!);
      expect(resolved.startsWith(root + path.sep), `${file}: ${target}`).toBe(true);
      expect(() => readFileSync(resolved), `${file}: ${target}`).not.toThrow();
    }
  });
});
