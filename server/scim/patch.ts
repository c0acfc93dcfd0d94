/**
 * PATCH requests (RFC 7644 §3.5.2) as Okta and Entra ID send them: ops in any case ("replace", "Replace"), with a
 * path or without (the value is then an object of attributes, its keys possibly dotted: "name.givenName"), booleans
 * as strings ("False"), `members` with add/remove/replace and `members[value eq "id"]` paths. Attributes this server
 * does not keep (title, phone numbers, the enterprise extension) are accepted and ignored, as IdPs send them all.
 */
import { scimBadRequest } from "./errors";
import { SCIM_GROUP_SCHEMA, SCIM_USER_SCHEMA } from "./context";

export type PatchOpName = "add" | "replace" | "remove";
export interface PatchOp {
  op: PatchOpName;
  path: string | null;
  value: unknown;
}

export interface UserDraft {
  userName: string;
  externalId: string | null;
  displayName: string | null;
  name: Record<string, string>;
  active: boolean;
}

export interface GroupDraft {
  displayName: string;
  externalId: string | null;
  /** SCIM user ids */
  members: Set<string>;
}

const NAME_FIELDS = ["formatted", "familyName", "givenName", "middleName", "honorificPrefix", "honorificSuffix"] as const;

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function parsePatchOps(body: unknown): PatchOp[] {
  if (!isObject(body)) throw scimBadRequest("invalidSyntax", "The body must be a PatchOp object");
  const ops = body.Operations ?? body.operations;
  if (!Array.isArray(ops) || ops.length === 0) throw scimBadRequest("invalidSyntax", "Operations must be a non-empty array");
  if (ops.length > 1000) throw scimBadRequest("tooMany", "At most 1000 operations");
  return ops.map((raw, i) => {
    if (!isObject(raw)) throw scimBadRequest("invalidSyntax", `Operations[${i}] must be an object`);
    const op = typeof raw.op === "string" ? raw.op.toLowerCase() : "";
    if (op !== "add" && op !== "replace" && op !== "remove") throw scimBadRequest("invalidSyntax", `Operations[${i}].op must be add, replace or remove`);
    const path = typeof raw.path === "string" && raw.path.trim() !== "" ? raw.path.trim() : null;
    if (op === "remove" && path === null) throw scimBadRequest("noTarget", `Operations[${i}]: remove needs a path`);
    return { op, path, value: raw.value };
  });
}

const stripUrn = (path: string, schema: string) => (path.toLowerCase().startsWith(`${schema.toLowerCase()}:`) ? path.slice(schema.length + 1) : path);

export function scimBoolean(value: unknown, what: string): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "string" && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === "true";
  throw scimBadRequest("invalidValue", `${what} must be a boolean`);
}

export function scimString(value: unknown, what: string, max: number): string {
  if (typeof value !== "string") throw scimBadRequest("invalidValue", `${what} must be a string`);
  const v = value.trim();
  if (v.length === 0 || v.length > max) throw scimBadRequest("invalidValue", `${what} must be 1 to ${max} characters`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(v)) throw scimBadRequest("invalidValue", `${what} contains control characters`);
  return v;
}

const optionalString = (value: unknown, what: string, max: number) => (value === null || value === undefined ? null : scimString(value, what, max));

export function nameOf(value: unknown): Record<string, string> {
  if (!isObject(value)) return {};
  const out: Record<string, string> = {};
  for (const field of NAME_FIELDS) {
    const v = value[field];
    if (v !== undefined && v !== null && v !== "") out[field] = scimString(v, `name.${field}`, 256);
  }
  return out;
}

function setUserAttribute(draft: UserDraft, op: PatchOpName, rawPath: string, value: unknown): void {
  const path = stripUrn(rawPath, SCIM_USER_SCHEMA);
  const key = path.toLowerCase();
  if (key === "active") {
    if (op === "remove") throw scimBadRequest("mutability", "active cannot be removed");
    draft.active = scimBoolean(value, "active");
  } else if (key === "username") {
    if (op === "remove") throw scimBadRequest("mutability", "userName is required");
    draft.userName = scimString(value, "userName", 320).toLowerCase();
  } else if (key === "externalid") {
    draft.externalId = op === "remove" ? null : optionalString(value, "externalId", 256);
  } else if (key === "displayname") {
    draft.displayName = op === "remove" ? null : optionalString(value, "displayName", 256);
  } else if (key === "name") {
    draft.name = op === "remove" ? {} : op === "add" ? { ...draft.name, ...nameOf(value) } : nameOf(value);
  } else if (key.startsWith("name.")) {
    const field = NAME_FIELDS.find((f) => f.toLowerCase() === key.slice(5));
    if (!field) return;
    if (op === "remove" || value === null || value === "") delete draft.name[field];
    else draft.name[field] = scimString(value, `name.${field}`, 256);
  }
  // other attributes (emails, title, phoneNumbers, the enterprise extension...) are not kept
}

/** Applies PATCH operations through an attribute setter: with a path, or path-less with an object of attributes. */
function applyOps<D>(draft: D, ops: readonly PatchOp[], set: (draft: D, op: PatchOpName, path: string, value: unknown) => void): D {
  for (const { op, path, value } of ops) {
    if (path !== null) {
      set(draft, op, path, value);
      continue;
    }
    if (!isObject(value)) throw scimBadRequest("invalidValue", "A path-less operation's value must be an object of attributes");
    for (const [k, v] of Object.entries(value)) set(draft, op, k, v);
  }
  return draft;
}

/** Applies user PATCH operations to a copy of the draft. */
export const applyUserOps = (current: UserDraft, ops: readonly PatchOp[]): UserDraft =>
  applyOps({ ...current, name: { ...current.name } }, ops, setUserAttribute);

/** The SCIM user ids of a `members` value ([{ value: "id" }, ...]). */
export function memberIdsOf(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((m, i) => {
    if (!isObject(m) || typeof m.value !== "string" || m.value.length === 0 || m.value.length > 64)
      throw scimBadRequest("invalidValue", `members[${i}].value must be the id of a User`);
    return m.value;
  });
}

const MEMBER_FILTER = /^members\[\s*value\s+eq\s+"([^"]{1,64})"\s*\]$/i;

function setGroupAttribute(draft: GroupDraft, op: PatchOpName, rawPath: string, value: unknown): void {
  const path = stripUrn(rawPath, SCIM_GROUP_SCHEMA);
  const key = path.toLowerCase();
  const one = MEMBER_FILTER.exec(path);
  if (one) {
    if (op === "remove") draft.members.delete(one[1]!);
    else draft.members.add(one[1]!);
  } else if (key === "members") {
    if (op === "remove") {
      const ids = memberIdsOf(value);
      if (ids.length === 0) draft.members.clear();
      for (const id of ids) draft.members.delete(id);
    } else {
      if (op === "replace") draft.members.clear();
      for (const id of memberIdsOf(value)) draft.members.add(id);
    }
  } else if (key === "displayname") {
    if (op === "remove") throw scimBadRequest("mutability", "displayName is required");
    draft.displayName = scimString(value, "displayName", 256);
  } else if (key === "externalid") {
    draft.externalId = op === "remove" ? null : optionalString(value, "externalId", 256);
  } else if (key !== "id" && key !== "schemas" && key !== "meta") {
    throw scimBadRequest("invalidPath", `Unsupported path "${rawPath}" for a Group`);
  }
}

export const applyGroupOps = (current: GroupDraft, ops: readonly PatchOp[]): GroupDraft =>
  applyOps({ ...current, members: new Set(current.members) }, ops, setGroupAttribute);
