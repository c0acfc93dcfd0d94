/**
 * The SCIM filters this server answers (RFC 7644 §3.4.2.2), the ones identity providers send to find a resource
 * before creating it: `<attr> eq "<value>"` on userName, externalId, displayName, id, emails.value and
 * `emails[type eq "work"].value`. Anything else is a 400 invalidFilter (never a silently wider result).
 */
import { SCIM_LIST_SCHEMA } from "./context";
import { scimBadRequest } from "./errors";

export type ScimFilterAttribute = "userName" | "externalId" | "displayName" | "id" | "email";
export interface ScimFilter {
  attribute: ScimFilterAttribute;
  value: string;
}

const SIMPLE: Record<string, ScimFilterAttribute> = {
  username: "userName",
  externalid: "externalId",
  displayname: "displayName",
  id: "id",
  "emails.value": "email",
  emails: "email",
};

const EXPRESSION = /^\s*([A-Za-z][\w.:-]*(?:\[\s*type\s+eq\s+"(\w+)"\s*\]\.value)?)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/i;
const URN_PREFIX = /^urn:ietf:params:scim:schemas:core:2\.0:(user|group):/i;

export function parseScimFilter(raw: string | null, allowed: readonly ScimFilterAttribute[]): ScimFilter | null {
  if (raw === null || raw.trim() === "") return null;
  if (raw.length > 1000) throw scimBadRequest("invalidFilter", "The filter is too long");
  const m = EXPRESSION.exec(raw);
  if (!m) throw scimBadRequest("invalidFilter", `Unsupported filter: only <attribute> eq "<value>" on ${allowed.join(", ")}`);
  const path = m[1]!.replace(URN_PREFIX, "");
  const typed = /^emails\[/i.test(path);
  const attribute = typed ? "email" : SIMPLE[path.toLowerCase()];
  if (!attribute || !allowed.includes(attribute)) throw scimBadRequest("invalidFilter", `Filtering on "${path}" is not supported (${allowed.join(", ")})`);
  let value: string;
  try {
    value = JSON.parse(`"${m[3]!}"`) as string;
  } catch {
    throw scimBadRequest("invalidFilter", "The filter's value is not a valid string");
  }
  return { attribute, value };
}

/** startIndex (1-based) and count of a list request, clamped as RFC 7644 §3.4.2.4 says. */
export function parsePagination(params: URLSearchParams, maxCount: number): { startIndex: number; count: number } {
  const int = (name: string) => {
    const raw = params.get(name);
    if (raw === null || raw === "") return null;
    const n = Number(raw);
    if (!Number.isInteger(n)) throw scimBadRequest("invalidValue", `${name} must be an integer`);
    return n;
  };
  const startIndex = Math.max(1, int("startIndex") ?? 1);
  const count = Math.min(maxCount, Math.max(0, int("count") ?? maxCount));
  return { startIndex, count };
}

/** A ListResponse page (RFC 7644 §3.4.2): the total and one page of rows, ordered by creation. */
export async function listPage<R, T>(
  pagination: { startIndex: number; count: number },
  total: () => Promise<number>,
  rows: (page: { skip: number; take: number; orderBy: { createdAt?: "asc"; id?: "asc" }[] }) => Promise<R[]>,
  toResource: (row: R) => T,
) {
  const { startIndex, count } = pagination;
  const [totalResults, page] = await Promise.all([
    total(),
    count === 0 ? Promise.resolve([] as R[]) : rows({ skip: startIndex - 1, take: count, orderBy: [{ createdAt: "asc" }, { id: "asc" }] }),
  ]);
  return { schemas: [SCIM_LIST_SCHEMA], totalResults, startIndex, itemsPerPage: page.length, Resources: page.map(toResource) };
}
