import { z } from "zod";
import { text } from "./text";
import { ROLES } from "../permissions";

/**
 * Who did something: a person, an API key, or Cadre itself (the run executor, the retention purge). Audit entries,
 * runs (createdByType) and usage records (actorType) store it; the database checks the set (migration
 * 20261206_100_closed_sets).
 */
export const ACTOR_TYPES = ["user", "api_key", "system"] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];
export const actorTypeSchema = z.enum(ACTOR_TYPES).meta({ id: "ActorType" });

export const roleSchema = z.enum(ROLES).meta({ id: "Role", description: "Workspace role" });

export const emailSchema = text()
  .trim()
  .toLowerCase()
  .pipe(z.email({ message: "Enter a valid email address" }).max(254));

export const slugSchema = text()
  .trim()
  .toLowerCase()
  .min(3, "A slug has at least 3 characters")
  .max(48, "A slug has at most 48 characters")
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, "Use lowercase letters, digits and single dashes (not at the ends)");

export const idSchema = (prefix: string) => text().regex(new RegExp(`^${prefix}_[a-z0-9]{6,40}$`), `Not a valid ${prefix}_ id`);

/** The fields of every paginated list: a page size and the opaque keyset cursor of the previous page. */
export const paginationShape = {
  limit: z.coerce.number().int().min(1).max(200).default(50).describe("Page size (1..200, default 50)"),
  cursor: text().max(1000).optional().describe("The nextCursor of the previous page (opaque); an invalid one is a 400 INVALID_CURSOR"),
};

export const paginationSchema = z.strictObject(paginationShape);

export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      requestId: z.string().optional(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: "Error" });

/** A page of a list: the items and the cursor of the next page (null on the last). */
export const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** The REST shape of a page (`data`, as every REST list has always answered, plus the cursor of the next page). */
export const restPageOf = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), nextCursor: z.string().nullable().describe("Pass it as `cursor` for the next page; null on the last page") });

export const deletedSchema = z.object({ deleted: z.literal(true) });
export const revokedSchema = z.object({ revoked: z.literal(true) });
export const removedSchema = z.object({ removed: z.literal(true) });
