import ipaddr from "ipaddr.js";
import { AppError } from "@/lib/errors";

/** Each entry as a canonical CIDR range (a bare address is a /32 or /128); a malformed entry is a 422 naming it. */
export function normaliseIpRanges(entries: readonly string[]): string[] {
  const out = new Set<string>();
  entries.forEach((entry, i) => {
    try {
      const [addr, bits] = entry.includes("/") ? ipaddr.parseCIDR(entry) : [ipaddr.parse(entry), null];
      const prefix = bits ?? (addr.kind() === "ipv4" ? 32 : 128);
      out.add(`${addr.toString()}/${prefix}`);
    } catch {
      throw new AppError("VALIDATION_FAILED", `"${entry}" is not an address or a CIDR range`, {
        issues: [{ path: `apiIpAllowlist.${i}`, message: "An address or a CIDR range such as 203.0.113.0/24" }],
      });
    }
  });
  return [...out];
}

/**
 * Whether a client address is inside one of the ranges. An IPv4-mapped IPv6 address counts as its IPv4 address;
 * an unknown address is outside every list (a list that is set refuses a client it cannot place).
 */
export function addressAllowed(address: string | null | undefined, ranges: readonly string[]): boolean {
  if (ranges.length === 0) return true;
  if (!address) return false;
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.process(address);
  } catch {
    return false;
  }
  return ranges.some((range) => {
    try {
      const [net, bits] = ipaddr.parseCIDR(range);
      return net.kind() === parsed.kind() && parsed.match([net, bits] as never);
    } catch {
      return false;
    }
  });
}
