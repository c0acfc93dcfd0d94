import { AppError } from "@/lib/errors";

/** Prisma's code of a failed operation (P2002 a unique value is taken, P2025 the record is missing, ...), if it is one. */
export function prismaCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^P\d{4}$/.test(code) ? code : undefined;
}

/**
 * The one place where Prisma's errors get a meaning for the client, used where errors become responses (REST and
 * tRPC): a unique violation is a CONFLICT, a missing record NOT_FOUND. Services that can say more (which name is
 * taken) throw their own AppError first; anything else is returned unchanged (and stays an internal error).
 */
export function fromPrismaError(error: unknown): unknown {
  switch (prismaCode(error)) {
    case "P2002":
      return new AppError("CONFLICT", "This already exists: one of its unique values is taken");
    case "P2025":
      return new AppError("NOT_FOUND", "Not found");
    default:
      return error;
  }
}
