/**
 * The house rule for a write to a tenant row by id (docs/security.md, docs/architecture.md "Databases"): its `where`
 * is `inWorkspace(ctx, id)` (server/db/in-workspace.ts), the id AND the workspace, so that an update or delete by id
 * can never reach another workspace's row even if row-level security were off. This test reads every non-test
 * `server/**.ts` and refuses a Prisma `update` / `delete` / `upsert` / `updateMany` / `deleteMany` on a tenant model
 * (a model with a `workspaceId` column, read from prisma/schema.prisma) whose `where` is an object literal naming
 * `id` but not `workspaceId` (a `where` built by the helper, or naming the workspace itself, passes). A justified
 * exception goes in ALLOWED with its reason.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.join(import.meta.dirname, "..");
const WRITES = ["update", "delete", "upsert", "updateMany", "deleteMany"];

/** `file:model.method` -> why a write by bare id is right there. */
const ALLOWED: Record<string, string> = {};

/** The Prisma client accessors (lower camel case) of the models with a `workspaceId` column. */
function tenantAccessors(schema: string): Set<string> {
  const out = new Set<string>();
  for (const match of schema.matchAll(/^model\s+(\w+)\s*\{([\s\S]*?)^\}/gm)) {
    const [, name, body] = match;
    if (/^\s*workspaceId\s+String/m.test(body!)) out.add(name![0]!.toLowerCase() + name!.slice(1));
  }
  return out;
}

/** The text of the balanced bracket group starting at `open` (which holds "(", "{" or "["), strings and comments skipped. */
function balanced(text: string, open: number): string | null {
  const pairs: Record<string, string> = { "(": ")", "{": "}", "[": "]" };
  const stack: string[] = [];
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' || c === "'" || c === "`") {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === "\\") i++;
      continue;
    }
    if (c === "/" && text[i + 1] === "/") {
      i = text.indexOf("\n", i);
      if (i < 0) return null;
      continue;
    }
    if (c === "/" && text[i + 1] === "*") {
      i = text.indexOf("*/", i) + 1;
      if (i <= 0) return null;
      continue;
    }
    if (pairs[c]) stack.push(pairs[c]);
    else if (c === ")" || c === "}" || c === "]") {
      if (stack.pop() !== c) return null;
      if (stack.length === 0) return text.slice(open, i + 1);
    }
  }
  return null;
}

/** The top-level entries of an object literal's text ("{ a: 1, b, ...c }" -> ["a: 1", "b", "...c"]). */
function entries(objectText: string): string[] {
  const inner = objectText.slice(1, -1);
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (c === '"' || c === "'" || c === "`") {
      for (i++; i < inner.length && inner[i] !== c; i++) if (inner[i] === "\\") i++;
      continue;
    }
    if (c === "(" || c === "{" || c === "[") depth++;
    else if (c === ")" || c === "}" || c === "]") depth--;
    else if (c === "," && depth === 0) {
      out.push(inner.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(inner.slice(start).trim());
  return out.filter(Boolean);
}

const keyOf = (entry: string) => (entry.startsWith("...") ? "..." : (/^["']?(\w+)["']?\s*(?::|$)/.exec(entry)?.[1] ?? entry));

interface BareWrite {
  file: string;
  line: number;
  call: string;
  where: string;
}

/** The writes of `source` to tenant models whose `where` names an id without its workspace. */
function bareIdWrites(file: string, source: string, tenant: Set<string>): BareWrite[] {
  const out: BareWrite[] = [];
  const call = new RegExp(`\\.\\s*(\\w+)\\s*\\.\\s*(${WRITES.join("|")})\\s*\\(`, "g");
  for (const match of source.matchAll(call)) {
    const [text, model, method] = match;
    if (!tenant.has(model!)) continue;
    const args = balanced(source, match.index + text.length - 1);
    const arg = args?.slice(1, -1).trim();
    if (!arg?.startsWith("{")) continue;
    const object = balanced(arg, 0);
    if (!object) continue;
    const whereEntry = entries(object).find((e) => keyOf(e) === "where");
    if (!whereEntry) continue;
    const value = whereEntry.replace(/^where\s*:\s*/, "").trim();
    if (!value.startsWith("{")) continue; // inWorkspace(...), or a variable built elsewhere
    const keys = entries(balanced(value, 0) ?? "{}").map(keyOf);
    if (keys.includes("id") && !keys.includes("workspaceId") && !keys.includes("...")) {
      out.push({ file, line: source.slice(0, match.index).split("\n").length, call: `${model}.${method}`, where: value.replace(/\s+/g, " ") });
    }
  }
  return out;
}

function serverFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "generated" && entry.name !== "node_modules") out.push(...serverFiles(full));
    } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") && !entry.name.endsWith(".d.ts")) out.push(full);
  }
  return out;
}

describe("writes to tenant rows by id are scoped by inWorkspace", () => {
  const tenant = tenantAccessors(readFileSync(path.join(ROOT, "prisma/schema.prisma"), "utf8"));

  it("reads the tenant models from the schema", () => {
    for (const model of ["agent", "team", "run", "runStep", "dataset", "listing", "webhookSubscription", "tool"]) expect(tenant).toContain(model);
    expect(tenant).not.toContain("user");
    expect(tenant).not.toContain("workspace");
  });

  it("finds a bare-id write, and not a scoped one", () => {
    const found = bareIdWrites(
      "x.ts",
      `await tx.agent.update({ where: { id: row.id }, data: { archivedAt: new Date() } });
       await tx.team.update({ data: { name: "a, b" }, where: { id } });
       await db(ctx).tool
         .delete({ where: { id: t.id } });
       await tx.agent.update({ where: inWorkspace(ctx, row.id), data: {} });
       await tx.agent.deleteMany({ where: { id: row.id, workspaceId: ctx.workspaceId } });
       await tx.user.update({ where: { id: userId }, data: {} });
       await tx.agent.update({ where: { slug_workspaceId: { slug, workspaceId } }, data: {} });`,
      tenant,
    );
    expect(found.map((f) => [f.line, f.call])).toEqual([
      [1, "agent.update"],
      [2, "team.update"],
      [3, "tool.delete"],
    ]);
  });

  it("no file under server/ writes a tenant row by bare id (outside the allow-list)", () => {
    const found = serverFiles(path.join(ROOT, "server")).flatMap((file) => bareIdWrites(path.relative(ROOT, file), readFileSync(file, "utf8"), tenant));
    const offending = found.filter((f) => !ALLOWED[`${f.file}:${f.call}`]);
    expect(offending.map((f) => `${f.file}:${f.line} ${f.call}({ where: ${f.where} }): use inWorkspace(ctx, id)`)).toEqual([]);
    // an allow-list entry that no longer matches anything goes
    const used = new Set(found.map((f) => `${f.file}:${f.call}`));
    expect(Object.keys(ALLOWED).filter((key) => !used.has(key))).toEqual([]);
  });
});
