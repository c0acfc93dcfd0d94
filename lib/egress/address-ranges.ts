/**
 * Which addresses an outbound request may reach. ipaddr.js knows the IANA special-purpose registries for IPv4 and
 * IPv6; this file adds the few it labels "unicast" that must not be reached (cloud metadata services, IPv4-compatible
 * IPv6) and maps every IPv6 form that carries an IPv4 address back to that address before judging it.
 */
import ipaddr from "ipaddr.js";

export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

/** Why an address is refused: a machine-readable range name and the words shown to a person. */
export interface BlockedRange {
  range: string;
  label: string;
}

export interface AddressVerdict {
  /** the address to connect to: IPv4-mapped and IPv4-compatible forms become the IPv4 address */
  address: string;
  family: 4 | 6;
  /** the IPv4 address an IPv6 form carries (mapped, compatible, NAT64, 6to4, Teredo), and that form's name */
  embeddedV4?: string;
  form?: string;
  /** null: a public unicast address */
  blocked: BlockedRange | null;
}

const V4_LABELS: Record<string, string> = {
  unspecified: "in the unspecified range (0.0.0.0/8)",
  broadcast: "the broadcast address",
  multicast: "in a multicast range (224.0.0.0/4)",
  linkLocal: "in a link-local range (169.254.0.0/16)",
  loopback: "in a loopback range (127.0.0.0/8)",
  carrierGradeNat: "in the carrier-grade NAT range (100.64.0.0/10)",
  private: "in a private range",
  reserved: "in a reserved range (documentation, benchmarking, protocol assignments or future use)",
  as112: "in an AS112 (DNS sink) range",
  amt: "in an AMT relay range",
};

const V6_LABELS: Record<string, string> = {
  unspecified: "the unspecified address",
  linkLocal: "in a link-local range (fe80::/10)",
  multicast: "in a multicast range (ff00::/8)",
  loopback: "the loopback address",
  uniqueLocal: "in a unique-local range (fc00::/7)",
  deprecatedSiteLocal: "in a site-local range (fec0::/10)",
  discard: "in the discard-only range (100::/64)",
  rfc6145: "in an IPv4-translated range",
  rfc6052: "in a local-use NAT64 range (64:ff9b:1::/48)",
  "6to4": "in a 6to4 range (2002::/16)",
  teredo: "in a Teredo range (2001::/32)",
  benchmarking: "in a benchmarking range (2001:2::/48)",
  amt: "in an AMT relay range",
  as112v6: "in an AS112 (DNS sink) range",
  deprecatedOrchid: "in an ORCHID range",
  orchid2: "in an ORCHIDv2 range",
  droneRemoteIdProtocolEntityTags: "in a drone remote-ID range",
  segmentRouting: "in a segment-routing range (5f00::/16)",
  reserved: "in a reserved range (documentation or protocol assignments)",
};

/**
 * Cloud metadata services. Most sit in ranges refused anyway; they are named so that the message says so, and an
 * operator allowlist opens them only when it lists the exact address (never through a wider CIDR).
 */
export const METADATA_ADDRESSES: ReadonlyMap<string, string> = new Map([
  ["169.254.169.254", "AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle"],
  ["169.254.170.2", "AWS ECS task"],
  ["169.254.169.123", "AWS time sync"],
  ["169.254.169.253", "AWS DNS"],
  ["168.63.129.16", "Azure wire server"],
  ["100.100.100.200", "Alibaba Cloud"],
  ["192.0.0.192", "Oracle Cloud"],
  ["fd00:ec2::254", "AWS (IPv6)"],
  ["fd00:ec2::23", "AWS DNS (IPv6)"],
  ["fd20:ce::254", "GCP (IPv6)"],
]);

/** Keys of METADATA_ADDRESSES are compared in ipaddr's normalized form. */
const normalizedMetadata = new Map([...METADATA_ADDRESSES].map(([ip, name]) => [ipaddr.parse(ip).toNormalizedString(), name]));

export function isMetadataAddress(address: IpAddress): boolean {
  return normalizedMetadata.has(address.toNormalizedString());
}

function v4FromLow32(parts: number[]): ipaddr.IPv4 {
  const hi = parts[6]!;
  const lo = parts[7]!;
  return new ipaddr.IPv4([hi >> 8, hi & 255, lo >> 8, lo & 255]);
}

function judgeV4(v4: ipaddr.IPv4): BlockedRange | null {
  const meta = normalizedMetadata.get(v4.toNormalizedString());
  if (meta) return { range: "metadata", label: `a cloud metadata address (${meta})` };
  const range = v4.range();
  if (range === "unicast") return null;
  return { range, label: V4_LABELS[range] ?? `in a special-purpose range (${range})` };
}

/** Judges one address (any textual form `ipaddr.isValid` accepts). Throws on text that is not an address. */
export function judgeAddress(text: string): AddressVerdict {
  const parsed = ipaddr.parse(text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text);
  if (parsed.kind() === "ipv4") {
    const v4 = parsed as ipaddr.IPv4;
    return { address: v4.toString(), family: 4, blocked: judgeV4(v4) };
  }
  const v6 = parsed as ipaddr.IPv6;
  const parts = v6.parts;
  const range = v6.range();
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d): the connection would reach the IPv4 address
  const compatible = parts.slice(0, 6).every((p) => p === 0) && range !== "loopback" && range !== "unspecified";
  if (range === "ipv4Mapped" || compatible) {
    const v4 = v4FromLow32(parts);
    const blocked = judgeV4(v4);
    return { address: v4.toString(), family: 4, embeddedV4: v4.toString(), form: range === "ipv4Mapped" ? "IPv4-mapped" : "IPv4-compatible", blocked };
  }
  const meta = normalizedMetadata.get(v6.toNormalizedString());
  if (meta) return { address: v6.toString(), family: 6, blocked: { range: "metadata", label: `a cloud metadata address (${meta})` } };
  if (range === "rfc6052" && parts[0] === 0x64 && parts[1] === 0xff9b && parts.slice(2, 6).every((p) => p === 0)) {
    // well-known NAT64 prefix 64:ff9b::/96: judged by the IPv4 address it translates to
    const v4 = v4FromLow32(parts);
    const blocked = judgeV4(v4);
    return { address: v6.toString(), family: 6, embeddedV4: v4.toString(), form: "NAT64", blocked };
  }
  if (range === "6to4") {
    const v4 = new ipaddr.IPv4([parts[1]! >> 8, parts[1]! & 255, parts[2]! >> 8, parts[2]! & 255]);
    return { address: v6.toString(), family: 6, embeddedV4: v4.toString(), form: "6to4", blocked: { range, label: V6_LABELS[range]! } };
  }
  if (range === "teredo") {
    const client = new ipaddr.IPv4([(parts[6]! >> 8) ^ 255, (parts[6]! & 255) ^ 255, (parts[7]! >> 8) ^ 255, (parts[7]! & 255) ^ 255]);
    return { address: v6.toString(), family: 6, embeddedV4: client.toString(), form: "Teredo", blocked: { range, label: V6_LABELS[range]! } };
  }
  if (range === "unicast") return { address: v6.toString(), family: 6, blocked: null };
  return { address: v6.toString(), family: 6, blocked: { range, label: V6_LABELS[range] ?? `in a special-purpose range (${range})` } };
}

export function isIpAddress(text: string): boolean {
  const bare = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  return ipaddr.IPv4.isValidFourPartDecimal(bare) || (ipaddr.IPv6.isValid(bare) && bare.includes(":"));
}

export function parseAddress(text: string): IpAddress {
  return ipaddr.parse(text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text);
}
