/**
 * Versioned resources over REST (agents, teams): GET and PATCH answer with `ETag: "v<latestVersion>"` (the
 * version an edit builds on; the same as currentVersion unless a candidate awaits its evaluation), and a PATCH
 * may send it back as `If-Match` (or `baseVersion` in the body) so that a save based on an older version is refused
 * with 409 CONFLICT instead of overwriting someone else's change (the services check it atomically).
 */
import { z } from "zod";
import { AppError } from "@/lib/errors";
import { text } from "@/lib/schemas/text";

export function versionETag(version: number): string {
  return `"v${version}"`;
}

/** The If-Match header as documented in the OpenAPI document. */
export const ifMatchHeaders = z.object({
  "if-match": text()
    .max(200)
    .optional()
    .describe('The ETag of a GET ("v3"): the save is refused with 409 CONFLICT when the resource has moved on since. Same as `baseVersion` in the body.'),
});

/**
 * The version a PATCH is based on: `If-Match` (an ETag this API handed out, or `*` for none) and/or `baseVersion`
 * in the body; the two must agree. Undefined when neither is sent (the save is not version-checked).
 */
export function baseVersionOf(headers: Headers, bodyBase: number | undefined): number | undefined {
  const raw = headers.get("if-match")?.trim();
  if (!raw || raw === "*") return bodyBase;
  const versions = new Set(raw.split(",").map((tag) => /^(?:W\/)?"v(\d{1,10})"$/.exec(tag.trim())?.[1]));
  if (versions.has(undefined) || versions.size !== 1) {
    throw new AppError("BAD_REQUEST", 'If-Match: send the ETag of a GET of this resource, e.g. "v3"', {
      issues: [{ path: "If-Match", message: "not an ETag of this resource" }],
    });
  }
  const version = Number([...versions][0]);
  if (bodyBase !== undefined && bodyBase !== version) {
    throw new AppError("BAD_REQUEST", `If-Match ("v${version}") and baseVersion (${bodyBase}) disagree: send one of them`, {
      issues: [{ path: "baseVersion", message: "disagrees with If-Match" }],
    });
  }
  return version;
}

/** A JSON response with the resource's ETag (the body parsed by the route's response schema, as every route's is). */
export function withETag(schema: z.ZodType, value: { latestVersion: number }, status = 200): Response {
  return Response.json(schema.parse(value), { status, headers: { etag: versionETag(value.latestVersion) } });
}
