/**
 * The documentation describes the product as it is and stays inside the repository: every topology example in
 * docs/concepts.md is a valid team spec and every topology has one, docs/security.md names every privileged path, the
 * README's configuration table every environment variable, and no document links outside the repository.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { TOPOLOGIES, topologyProblems, topologySpecSchema } from "@/lib/schemas/topology";
import { PRIVILEGED_PATHS } from "@/server/db/scope";
import { envSchema } from "@/server/env";

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

describe("what the documents list", () => {
  it("docs/security.md names every privileged path of the code", () => {
    const doc = read("docs/security.md");
    for (const name of Object.keys(PRIVILEGED_PATHS)) expect(doc, name).toContain(`| \`${name}\` |`);
  });

  it("the README's configuration table names every environment variable the server reads", () => {
    // the names in the first cell of each table row (a row may name several that go together)
    const named = new Set(
      read("README.md")
        .split("\n")
        .filter((line) => line.startsWith("| `"))
        .flatMap((line) => [...line.split("|")[1]!.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]!)),
    );
    // set by the launcher and the runtime, not by an operator
    const internal = new Set(["NODE_ENV", "CADRE_DATABASE_MODE"]);
    const missing = Object.keys(envSchema.shape).filter((name) => !internal.has(name) && !named.has(name));
    expect(missing).toEqual([]);
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
