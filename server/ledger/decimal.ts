/** Money in the ledger is decimal (Prisma's Decimal), never floating point, until the final numbers. */
import { Prisma } from "@/server/db/generated/client";

export const Decimal = Prisma.Decimal;
export type Decimal = Prisma.Decimal;

/** A number as a decimal through its shortest decimal text (0.1 is 0.1, not 0.1000000000000000055...). */
export function decimalOf(value: number): Decimal {
  return new Decimal(Number.isFinite(value) ? String(value) : "0");
}

export function decimalOrZero(value: Decimal | null | undefined): Decimal {
  return value == null ? new Decimal(0) : new Decimal(value.toString());
}
