/**
 * `cadre agents apply -f` / `cadre teams apply -f`, declarative like `kubectl apply`: each YAML document of the file
 * (several separated by `---`) describes one agent or team by its slug. Absent: created. Present: the fields the file
 * gives are compared with the current version, and only when one differs is a new version saved (PATCH with just the
 * changed fields and the current version as baseVersion, so a concurrent edit is refused, not overwritten); else
 * "unchanged". Fields the file leaves out keep their current values.
 */
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { CliError, EXIT } from "./exit-codes.js";

export type Manifest = Record<string, unknown> & { slug: string };

export function readManifests(file: string, kind: "agent" | "team", stdinText?: string): Manifest[] {
  let text: string;
  try {
    text = file === "-" ? (stdinText ?? "") : readFileSync(file, "utf8");
  } catch (error) {
    throw new CliError(EXIT.USAGE, `Cannot read ${file}: ${(error as Error).message}`);
  }
  const docs = parseAllDocuments(text);
  const manifests: Manifest[] = [];
  for (const doc of docs) {
    if (doc.errors.length) throw new CliError(EXIT.USAGE, `${file}: invalid YAML: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (typeof value !== "object" || Array.isArray(value)) throw new CliError(EXIT.USAGE, `${file}: each document is a mapping of the ${kind}'s fields`);
    const { kind: declared, ...fields } = value as Record<string, unknown>;
    if (declared !== undefined && String(declared).toLowerCase() !== kind) {
      throw new CliError(EXIT.USAGE, `${file}: a document of kind ${String(declared)} in \`cadre ${kind}s apply\``);
    }
    if (typeof fields.slug !== "string" || !fields.slug) throw new CliError(EXIT.USAGE, `${file}: every ${kind} needs a slug`);
    manifests.push(fields as Manifest);
  }
  if (manifests.length === 0) throw new CliError(EXIT.USAGE, `${file}: no ${kind} in the file`);
  return manifests;
}

/**
 * Whether `wanted` (from the file) is already what `current` (from the API) holds: equal scalars, arrays of the same
 * length with matching items, and objects whose every key given in the file matches (keys the server fills in with
 * defaults and the file leaves out do not count as a change).
 */
export function matches(wanted: unknown, current: unknown): boolean {
  if (wanted === null || typeof wanted !== "object") return wanted === current || (wanted === undefined && current === null);
  if (Array.isArray(wanted)) return Array.isArray(current) && current.length === wanted.length && wanted.every((w, i) => matches(w, current[i]));
  if (current === null || typeof current !== "object" || Array.isArray(current)) return false;
  return Object.entries(wanted).every(([k, v]) => matches(v, (current as Record<string, unknown>)[k]));
}

/** The fields of the manifest that differ from the current resource (slug and baseVersion aside). */
export function changedFields(manifest: Manifest, current: Record<string, unknown>): Record<string, unknown> {
  const changed: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(manifest)) {
    if (field === "slug" || field === "baseVersion") continue;
    if (!matches(value, current[field])) changed[field] = value;
  }
  return changed;
}
