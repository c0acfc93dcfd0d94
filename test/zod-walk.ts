/**
 * Walks a zod 4 schema for the input-boundary tests: every leaf a client can send text in (with its path), and a
 * sample value that the schema accepts, optionally with one leaf replaced.
 */
import type { z } from "zod";

export type Path = (string | number)[];
export type LeafKind = "string" | "enum" | "date" | "unknown";
export interface Leaf {
  path: Path;
  kind: LeafKind;
  schema: z.ZodType;
}

// biome-ignore lint/suspicious/noExplicitAny: zod's internal def has no public type
type Def = { type: string; [key: string]: any };
const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

const WRAPPERS = new Set(["optional", "nullable", "default", "prefault", "nonoptional", "readonly", "catch"]);

function unwrap(schema: z.ZodType): { schema: z.ZodType; optional: boolean; nullable: boolean } {
  let optional = false;
  let nullable = false;
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if (!WRAPPERS.has(def.type)) return { schema: current, optional, nullable };
    if (def.type === "nullable") nullable = true;
    else if (def.type !== "nonoptional" && def.type !== "readonly") optional = true;
    current = def.innerType;
  }
}

function leafKind(schema: z.ZodType): LeafKind | "number" | "boolean" | null {
  const def = defOf(schema);
  switch (def.type) {
    case "string":
      return "string";
    case "pipe":
      return leafKind(def.in);
    case "enum":
    case "literal":
      return "enum";
    case "date":
      return "date";
    case "unknown":
    case "any":
      return "unknown";
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    default:
      return null;
  }
}

export function leaves(schema: z.ZodType, path: Path = []): Leaf[] {
  const inner = unwrap(schema).schema;
  const def = defOf(inner);
  if (def.type === "object") return Object.entries(def.shape as Record<string, z.ZodType>).flatMap(([k, s]) => leaves(s, [...path, k]));
  if (def.type === "array") return leaves(def.element, [...path, 0]);
  if (def.type === "pipe" && leafKind(def.in) === null) return leaves(def.in, path);
  if (def.type === "union") {
    const seen = new Set<string>();
    return (def.options as z.ZodType[])
      .flatMap((o) => leaves(o, path))
      .filter((l) => {
        const key = `${l.path.join(".")}:${l.kind}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
  }
  const kind = leafKind(inner);
  return kind && kind !== "number" && kind !== "boolean" ? [{ path, kind, schema: inner }] : [];
}

const STRING_CANDIDATES = [
  "sample-1",
  // a domain (organisations), a second factor's code, an address range (an IP allowlist)
  "example.com",
  "123456",
  "203.0.113.0/24",
  "someone@example.test",
  "https://api.example.test/v1",
  "2026-01-01T00:00:00Z",
  "a".repeat(32),
  ...[
    "agt",
    "team",
    "prv",
    "mdl",
    "sec",
    "run",
    "mem",
    "inv",
    "key",
    "rp",
    "ws",
    "usr",
    "tool",
    "apr",
    "mcp",
    "memo",
    "ses",
    "smsg",
    "mdoc",
    "mmod",
    "remb",
    "whk",
    "whd",
    "whtr",
    "whtd",
    "sch",
    "ocl",
    "mcpc",
    "mtok",
    "lst",
    "lsv",
    "lin",
    "lrv",
    "lrp",
    "lnk",
    "jdg",
    "jdv",
    "jvd",
    "jcs",
    "lbl",
    "dst",
    "dsi",
    "evl",
    "evi",
    "org",
    "odm",
    "oau",
    "rcv",
    "otk",
    "scu",
    "scg",
    "pkey",
    "wac",
    "sso",
    "ssi",
  ].map((p) => `${p}_abcdef123456`),
];
const NUMBER_CANDIDATES = [1, 0.5, 0.8, 0.0001, 1000];

const startsWith = (path: Path, prefix: Path) => prefix.length <= path.length && prefix.every((p, i) => String(p) === String(path[i]));

export const OMIT = Symbol("omit");
export interface Target {
  path: Path;
  value: unknown;
}

/** A value for `schema`: required fields only, plus the path to `target` (set to its value). */
export function sample(schema: z.ZodType, target?: Target, overrides: Record<string, unknown> = {}, path: Path = []): unknown {
  if (target && startsWith(path, target.path) && path.length === target.path.length) return target.value;
  const key = path.join(".");
  if (key in overrides && !(target && startsWith(target.path, path))) return overrides[key];
  const { schema: inner, optional, nullable } = unwrap(schema);
  const onTargetPath = target !== undefined && startsWith(target.path, path);
  if (optional && !onTargetPath) return OMIT;
  // a required field that may be null (e.g. a rule that clears with null): null when not on the target's path
  if (nullable && !onTargetPath) return null;
  const def = defOf(inner);
  if (def.type === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, s] of Object.entries(def.shape as Record<string, z.ZodType>)) {
      const v = sample(s, target, overrides, [...path, k]);
      if (v !== OMIT) out[k] = v;
    }
    return out;
  }
  if (def.type === "array") return [sample(def.element, target, overrides, [...path, 0])];
  if (def.type === "pipe" && leafKind(def.in) === null) return sample(def.in, target, overrides, path);
  if (def.type === "union") {
    const options = def.options as z.ZodType[];
    const holding =
      target && onTargetPath ? options.filter((o) => leaves(o, path).some((l) => startsWith(target.path, l.path) || startsWith(l.path, target.path))) : options;
    // an option whose leaves reach the target itself first (a string | array-of-parts union: the parts hold content.0.text)
    const reaching = target ? holding.filter((o) => leaves(o, path).some((l) => startsWith(l.path, target.path))) : [];
    const chosen = reaching.length ? reaching : holding;
    for (const option of chosen.length ? chosen : options) {
      const v = sample(option, target, overrides, path);
      if (chosen.length || option.safeParse(v).success) return v;
    }
    return sample(options[0]!, target, overrides, path);
  }
  const kind = leafKind(inner);
  const pick = (candidates: unknown[], fallback: unknown) => candidates.find((c) => inner.safeParse(c).success) ?? fallback;
  switch (kind) {
    case "string":
      return pick(STRING_CANDIDATES, "sample");
    case "enum": {
      let d = def;
      while (d.type === "pipe") d = defOf(d.in);
      return d.type === "literal" ? d.values[0] : Object.values(d.entries as Record<string, unknown>)[0];
    }
    case "date":
      return "2099-01-01T00:00:00Z";
    case "number":
      return pick(NUMBER_CANDIDATES, 1);
    case "boolean":
      return true;
    case "unknown":
      return "sample";
    default:
      return undefined;
  }
}

/** Sets `value` at `path` in a plain JSON value (a copy). */
export function setAt(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  const copy = (Array.isArray(root) ? [...root] : { ...(root as object) }) as Record<string | number, unknown>;
  copy[head!] = setAt((root as Record<string | number, unknown> | undefined)?.[head!], rest, value);
  return copy;
}
