import type { AppError } from "@/lib/errors";

export const SCIM_ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";

/** The scimType values of RFC 7644 §3.12 that this server answers with. */
export type ScimType = "invalidFilter" | "invalidSyntax" | "invalidPath" | "invalidValue" | "uniqueness" | "mutability" | "noTarget" | "tooMany";

/** A SCIM protocol error: its HTTP status, scimType and detail become the SCIM error body. */
export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly scimType?: ScimType,
  ) {
    super(detail);
    this.name = "ScimError";
  }
}

export const scimBadRequest = (scimType: ScimType, detail: string) => new ScimError(400, detail, scimType);
export const scimNotFound = (what: "User" | "Group", id: string) => new ScimError(404, `${what} ${id} not found`);
export const scimConflict = (detail: string) => new ScimError(409, detail, "uniqueness");

export function scimErrorBody(error: ScimError) {
  return { schemas: [SCIM_ERROR_SCHEMA], status: String(error.status), ...(error.scimType ? { scimType: error.scimType } : {}), detail: error.detail };
}

/** An AppError of a service as a SCIM error (5xx are not mapped here: the handler answers them generically). */
export function fromAppError(error: AppError): ScimError | null {
  switch (error.code) {
    case "UNAUTHORIZED":
      return new ScimError(401, error.message);
    case "FORBIDDEN":
      return new ScimError(403, error.message);
    case "NOT_FOUND":
      return new ScimError(404, error.message);
    case "CONFLICT":
      return new ScimError(409, error.message, "uniqueness");
    case "BAD_REQUEST":
    case "VALIDATION_FAILED":
      return new ScimError(400, error.message, "invalidValue");
    case "PAYLOAD_TOO_LARGE":
      return new ScimError(413, error.message);
    default:
      return null;
  }
}
