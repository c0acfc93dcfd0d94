import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

export type IdPrefix =
  | "usr"
  | "acc"
  | "ws"
  | "mem"
  | "inv"
  | "key"
  | "aud"
  | "req"
  | "sec"
  | "prv"
  | "mdl"
  | "rp"
  | "use"
  | "agt"
  | "agv"
  | "team"
  | "tmv"
  | "run"
  | "stp"
  | "evt"
  | "aev"
  | "idk"
  | "bres";

/** Random, prefixed ids (`ws_3k9x...`): the prefix tells what an id names wherever it shows up. */
export function newId(prefix: IdPrefix, length = 20): string {
  const bytes = randomBytes(length);
  let out = "";
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i]! % ALPHABET.length];
  return `${prefix}_${out}`;
}
