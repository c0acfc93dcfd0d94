import { randomFillSync } from "node:crypto";

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
  | "bres"
  | "tool"
  | "apr"
  | "mcp"
  | "memo"
  | "ses"
  | "smsg"
  | "mdoc"
  | "mmod"
  | "remb"
  | "whk"
  | "whd"
  | "wha"
  | "whtr"
  | "whtd"
  | "sch"
  | "ocl"
  | "mcpc"
  | "mtok"
  | "lst"
  | "lsv"
  | "lin"
  | "lrv"
  | "lrp"
  | "lnk"
  | "jdg"
  | "jdv"
  | "jvd"
  | "jcs"
  | "lbl"
  | "dst"
  | "dsi"
  | "evl"
  | "evi"
  | "org"
  | "odm"
  | "oau"
  | "rcv"
  | "otk"
  | "scu"
  | "scg"
  | "pkey"
  | "wac"
  | "sso"
  | "ssi"
  | "mcr";

/** Random, prefixed ids (`ws_3k9x...`): the prefix tells what an id names wherever it shows up. */
export function newId(prefix: IdPrefix, length = 20): string {
  const bytes = randomSlice(length);
  let out = "";
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i]! % ALPHABET.length];
  return `${prefix}_${out}`;
}

// Random bytes are drawn from the system's generator in blocks (one call per ~200 ids, not one per id: a call costs
// tens of microseconds, and a model call takes several ids); each byte is handed out once.
const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let poolOffset = POOL_SIZE;

function randomSlice(length: number): Buffer {
  if (length > POOL_SIZE) return randomFillSync(Buffer.allocUnsafe(length));
  if (poolOffset + length > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const slice = pool.subarray(poolOffset, poolOffset + length);
  poolOffset += length;
  return slice;
}
