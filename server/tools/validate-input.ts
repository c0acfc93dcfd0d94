/**
 * A call's arguments checked against the tool's JSON Schema before it runs, with zod 4's converter
 * (`z.fromJSONSchema`). The message is for the model: each problem with its path. A schema the converter cannot read
 * fails closed (the call is refused); the registry should check schemas when a tool is saved (`compileInputSchema`).
 */
import { z } from "zod";

export type InputCheck = { ok: true; value: unknown } | { ok: false; message: string };

/**
 * Compiled validators by the schema's JSON text (a call reads its tool's row afresh, so the schema object is new each
 * time; the same definition is compiled once). Bounded: the oldest compiled schema goes first.
 */
const compiled = new Map<string, z.ZodType>();
const MAX_COMPILED = 500;

/** The schema as a zod validator; throws when it uses what the converter does not support. */
export function compileInputSchema(schema: Record<string, unknown>): z.ZodType {
  const key = JSON.stringify(schema);
  let validator = compiled.get(key);
  if (!validator) {
    validator = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
    compiled.set(key, validator);
  }
  return validator;
}

export function validateInput(schema: Record<string, unknown>, input: unknown): InputCheck {
  let validator: z.ZodType;
  try {
    validator = compileInputSchema(schema);
  } catch (error) {
    return { ok: false, message: `the tool's argument schema cannot be checked (${(error as Error).message}); the call was not made` };
  }
  const result = validator.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, message: `invalid arguments:\n${z.prettifyError(result.error)}` };
}
