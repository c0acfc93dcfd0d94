/**
 * Host and address lists: the operator's allowlist (`CADRE_EGRESS_ALLOW`) and a workspace's allow/deny lists.
 * An entry is an address (`10.0.0.5`, `::1`), a CIDR (`10.0.0.0/8`, `fd00::/8`), a host name (`ollama`,
 * `models.corp.example`) or a subdomain pattern (`*.corp.example`: any name below it, not the name itself).
 */
import ipaddr from "ipaddr.js";
import { isIpAddress, isMetadataAddress, parseAddress, type IpAddress } from "./address-ranges";

export type ListEntry =
  | { kind: "cidr"; text: string; network: IpAddress; bits: number; exact: boolean }
  | { kind: "host"; text: string; host: string }
  | { kind: "suffix"; text: string; suffix: string };

export interface HostList {
  entries: ListEntry[];
}

const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

function validHostName(host: string): boolean {
  return host.length <= 253 && host.split(".").every((label) => HOST_LABEL.test(label));
}

/** The canonical form of a host name (lower case, no trailing dot), or the address text for literals. */
export function canonicalHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, "");
}

/** Parses one entry; returns an error message for an invalid one. */
export function parseEntry(raw: string): ListEntry | string {
  const text = raw.trim().toLowerCase();
  if (!text) return "an empty entry";
  if (text.includes("/")) {
    const [addr, bits] = text.split("/") as [string, string];
    if (!isIpAddress(addr) || !/^\d{1,3}$/.test(bits)) return `"${raw.trim()}" is not a CIDR`;
    try {
      const [network, prefix] = ipaddr.parseCIDR(`${addr.replace(/^\[|\]$/g, "")}/${bits}`);
      const full = network.kind() === "ipv4" ? 32 : 128;
      return {
        kind: "cidr",
        text,
        network: ipaddr.process(network.toString()) as IpAddress,
        bits: network.kind() === "ipv6" && (network as ipaddr.IPv6).isIPv4MappedAddress() ? Math.max(0, prefix - 96) : prefix,
        exact: prefix === full,
      };
    } catch {
      return `"${raw.trim()}" is not a CIDR`;
    }
  }
  if (isIpAddress(text)) {
    const network = ipaddr.process(text.replace(/^\[|\]$/g, "")) as IpAddress;
    return { kind: "cidr", text, network, bits: network.kind() === "ipv4" ? 32 : 128, exact: true };
  }
  if (text.startsWith("*.")) {
    const suffix = canonicalHost(text.slice(2));
    return validHostName(suffix) ? { kind: "suffix", text, suffix } : `"${raw.trim()}" is not a host pattern`;
  }
  const host = canonicalHost(text);
  return validHostName(host) ? { kind: "host", text, host } : `"${raw.trim()}" is neither a host name, an address nor a CIDR`;
}

/** Parses a comma- (or newline-) separated list; throws an Error naming every invalid entry. */
export function parseHostList(value: string | readonly string[] | undefined | null): HostList {
  const items = (typeof value === "string" ? value.split(/[,\n]+/) : [...(value ?? [])]).map((s) => s.trim()).filter(Boolean);
  const entries: ListEntry[] = [];
  const problems: string[] = [];
  for (const item of items) {
    const entry = parseEntry(item);
    if (typeof entry === "string") problems.push(entry);
    else entries.push(entry);
  }
  if (problems.length) throw new Error(problems.join("; "));
  return { entries };
}

export function hostMatches(list: HostList, hostname: string): boolean {
  const host = canonicalHost(hostname.replace(/^\[|\]$/g, ""));
  return list.entries.some((e) => (e.kind === "host" ? e.host === host : e.kind === "suffix" ? host.endsWith(`.${e.suffix}`) : false));
}

/**
 * Whether an address is in the list. A cloud metadata address matches only an exact entry (`169.254.169.254`),
 * never a wider CIDR that happens to contain it.
 */
export function addressMatches(list: HostList, address: IpAddress): boolean {
  const subject = ipaddr.process(address.toString()) as IpAddress;
  const metadata = isMetadataAddress(subject);
  return list.entries.some((e) => {
    if (e.kind !== "cidr" || e.network.kind() !== subject.kind()) return false;
    if (metadata && !e.exact) return false;
    return (subject as ipaddr.IPv4).match(e.network as ipaddr.IPv4, e.bits);
  });
}

/** `host` matches a host entry, or `host` is an address literal inside an address entry. */
export function hostOrLiteralMatches(list: HostList, hostname: string): boolean {
  if (isIpAddress(hostname)) return addressMatches(list, parseAddress(hostname));
  return hostMatches(list, hostname);
}
