/**
 * The egress guard's refusal table and its DNS answers, shared by the guard's tests and the tests of everything that
 * goes through it (tools, MCP): every notation and special-purpose range a URL must be refused for.
 */
import type { EgressRule } from "@/server/egress/errors";
import type { Resolver } from "@/server/egress/guard";

/** The DNS answers of the injected resolver. */

export const DNS: Record<string, string[]> = {
  "public.test": ["93.184.216.34"],
  "public6.test": ["2606:2800:220:1:248:1893:25c8:1946"],
  "dual.test": ["2606:4700:4700::1111", "1.1.1.1"],
  "api.example.test": ["8.8.8.8"],
  "other.example.test": ["8.8.4.4"],
  "loopback.test": ["127.0.0.1"],
  "loopback6.test": ["::1"],
  "private10.test": ["10.0.0.5"],
  "private172.test": ["172.16.3.4"],
  "private192.test": ["192.168.1.1"],
  "linklocal.test": ["169.254.10.10"],
  "metadata.test": ["169.254.169.254"],
  "metadata6.test": ["fd00:ec2::254"],
  "cgnat.test": ["100.64.0.1"],
  "mapped.test": ["::ffff:127.0.0.1"],
  "mixed-first-public.test": ["93.184.216.34", "127.0.0.1"],
  "mixed-first-private.test": ["10.0.0.5", "93.184.216.34"],
  "mixed-v6.test": ["2606:4700:4700::1111", "fd12:3456::1"],
  "mixed-three.test": ["1.1.1.1", "8.8.8.8", "192.168.0.10"],
  "ula.test": ["fc00::1"],
  "nat64-private.test": ["64:ff9b::a00:5"],
  "unspecified.test": ["0.0.0.0"],
  "empty.test": [],
  "garbage.test": ["not-an-address"],
  ollama: ["10.0.0.7"],
  "gpu.corp.test": ["10.1.2.3"],
  "nat64-public.test": ["64:ff9b::808:808"],
};

export const tableResolver: Resolver = async (host) => {
  const answer = DNS[host];
  if (!answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
  return answer;
};

/** Answers public on the first lookup of a name and private on every later one (a rebinding DNS server). */
export function rebindingResolver(publicAddress: string, privateAddress: string): Resolver & { lookups: number } {
  const resolver = Object.assign(async () => (resolver.lookups++ === 0 ? [publicAddress] : [privateAddress]), { lookups: 0 });
  return resolver;
}

export interface Refused {
  url: string;
  rule: EgressRule;
  /** a fragment of the message that names the range or rule */
  says: string;
}

/** URLs refused before any connection: every notation and range, with an empty operator allowlist. */
export const refusedDirect = (trapPort: number): Refused[] => [
  // schemes
  { url: "ftp://93.184.216.34/", rule: "scheme", says: "ftp:" },
  { url: "file:///etc/passwd", rule: "scheme", says: "file:" },
  { url: "gopher://127.0.0.1:70/", rule: "scheme", says: "gopher:" },
  { url: "data:text/plain,hello", rule: "scheme", says: "data:" },
  { url: "javascript:alert(1)", rule: "scheme", says: "javascript:" },
  { url: "ws://public.test/", rule: "scheme", says: "ws:" },
  { url: "not a url", rule: "url", says: "not a valid URL" },
  { url: `http://user:pass@public.test/`, rule: "url", says: "credentials" },
  // IPv4 loopback in every notation the WHATWG parser accepts
  { url: `http://127.0.0.1:${trapPort}/`, rule: "address", says: "loopback" },
  { url: `http://127.1:${trapPort}/`, rule: "address", says: "loopback" },
  { url: `http://127.0.1:${trapPort}/`, rule: "address", says: "loopback" },
  { url: `http://2130706433:${trapPort}/`, rule: "address", says: "loopback" },
  { url: `http://0x7f000001:${trapPort}/`, rule: "address", says: "loopback" },
  { url: `http://0x7f.1:${trapPort}/`, rule: "address", says: "loopback" },
  { url: `http://0x7F.0x0.0x0.0x1:${trapPort}/`, rule: "address", says: "loopback" },
  { url: `http://0177.0.0.1:${trapPort}/`, rule: "address", says: "loopback" },
  { url: `http://017700000001:${trapPort}/`, rule: "address", says: "loopback" },
  { url: `http://127.000.000.001:${trapPort}/`, rule: "address", says: "loopback" },
  { url: `http://127.255.255.254:${trapPort}/`, rule: "address", says: "loopback" },
  { url: `http://127.0.0.1.:${trapPort}/`, rule: "address", says: "loopback" },
  { url: `http://%31%32%37.0.0.1:${trapPort}/`, rule: "address", says: "loopback" },
  { url: `http://１２７.０.０.１:${trapPort}/`, rule: "address", says: "loopback" },
  // IPv6 loopback and IPv4 embedded in IPv6
  { url: `http://[::1]:${trapPort}/`, rule: "address", says: "loopback" },
  { url: `http://[0:0:0:0:0:0:0:1]:${trapPort}/`, rule: "address", says: "loopback" },
  { url: `http://[::ffff:127.0.0.1]:${trapPort}/`, rule: "address", says: "IPv4-mapped 127.0.0.1" },
  { url: `http://[::ffff:7f00:1]:${trapPort}/`, rule: "address", says: "IPv4-mapped 127.0.0.1" },
  { url: `http://[0:0:0:0:0:ffff:127.0.0.1]:${trapPort}/`, rule: "address", says: "loopback" },
  { url: `http://[::127.0.0.1]:${trapPort}/`, rule: "address", says: "IPv4-compatible 127.0.0.1" },
  { url: `http://[::ffff:10.0.0.5]/`, rule: "address", says: "private" },
  { url: `http://[::ffff:169.254.169.254]/`, rule: "address", says: "metadata" },
  { url: `http://[64:ff9b::7f00:1]:${trapPort}/`, rule: "address", says: "NAT64 127.0.0.1" },
  { url: `http://[64:ff9b::a9fe:a9fe]/`, rule: "address", says: "metadata" },
  { url: `http://[64:ff9b:1::1]/`, rule: "address", says: "NAT64" },
  { url: `http://[2002:7f00:1::1]/`, rule: "address", says: "6to4" },
  { url: `http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/`, rule: "address", says: "Teredo" },
  { url: `http://[::ffff:0:7f00:1]/`, rule: "address", says: "IPv4-translated" },
  // private, CGNAT, link-local, metadata
  { url: "http://10.0.0.5/", rule: "address", says: "private" },
  { url: "http://10.255.255.255/", rule: "address", says: "private" },
  { url: "http://172.16.0.1/", rule: "address", says: "private" },
  { url: "http://172.31.255.254/", rule: "address", says: "private" },
  { url: "http://192.168.0.1/", rule: "address", says: "private" },
  { url: "http://0xc0a80001/", rule: "address", says: "private" },
  { url: "http://100.64.0.1/", rule: "address", says: "carrier-grade NAT" },
  { url: "http://100.127.255.254/", rule: "address", says: "carrier-grade NAT" },
  { url: "http://100.100.100.200/", rule: "address", says: "metadata" },
  { url: "http://169.254.1.1/", rule: "address", says: "link-local" },
  { url: "http://169.254.169.254/latest/meta-data/", rule: "address", says: "metadata" },
  { url: "http://2852039166/latest/meta-data/", rule: "address", says: "metadata" },
  { url: "http://169.254.170.2/v2/credentials", rule: "address", says: "metadata" },
  { url: "http://168.63.129.16/", rule: "address", says: "metadata" },
  { url: "http://[fd00:ec2::254]/", rule: "address", says: "metadata" },
  { url: "http://[fe80::1]/", rule: "address", says: "link-local" },
  { url: "http://[fc00::1]/", rule: "address", says: "unique-local" },
  { url: "http://[fd12:3456:789a::1]/", rule: "address", says: "unique-local" },
  { url: "http://[fec0::1]/", rule: "address", says: "site-local" },
  // unspecified, broadcast, multicast, reserved, documentation, benchmarking
  { url: `http://0.0.0.0:${trapPort}/`, rule: "address", says: "unspecified" },
  { url: `http://0:${trapPort}/`, rule: "address", says: "unspecified" },
  { url: `http://[::]:${trapPort}/`, rule: "address", says: "unspecified" },
  { url: "http://255.255.255.255/", rule: "address", says: "broadcast" },
  { url: "http://224.0.0.1/", rule: "address", says: "multicast" },
  { url: "http://239.255.255.250/", rule: "address", says: "multicast" },
  { url: "http://[ff02::1]/", rule: "address", says: "multicast" },
  { url: "http://240.0.0.1/", rule: "address", says: "reserved" },
  { url: "http://192.0.0.8/", rule: "address", says: "reserved" },
  { url: "http://192.0.2.10/", rule: "address", says: "reserved" },
  { url: "http://198.51.100.7/", rule: "address", says: "reserved" },
  { url: "http://203.0.113.9/", rule: "address", says: "reserved" },
  { url: "http://198.18.0.1/", rule: "address", says: "reserved" },
  { url: "http://198.19.255.254/", rule: "address", says: "reserved" },
  { url: "http://192.88.99.1/", rule: "address", says: "reserved" },
  { url: "http://[2001:db8::1]/", rule: "address", says: "reserved" },
  { url: "http://[3fff::1]/", rule: "address", says: "reserved" },
  { url: "http://[2001:2::1]/", rule: "address", says: "benchmarking" },
  { url: "http://[100::1]/", rule: "address", says: "discard" },
  // names whose answers are special-purpose (through the injected resolver)
  { url: `http://loopback.test:${trapPort}/`, rule: "address", says: "loopback.test resolves to 127.0.0.1" },
  { url: `http://LOOPBACK.test.:${trapPort}/`, rule: "address", says: "loopback" },
  { url: `http://loopback6.test:${trapPort}/`, rule: "address", says: "loopback" },
  { url: `http://mapped.test:${trapPort}/`, rule: "address", says: "IPv4-mapped 127.0.0.1" },
  { url: "http://private10.test/", rule: "address", says: "private" },
  { url: "http://private172.test/", rule: "address", says: "private" },
  { url: "https://private192.test/", rule: "address", says: "private" },
  { url: "http://linklocal.test/", rule: "address", says: "link-local" },
  { url: "http://metadata.test/computeMetadata/v1/", rule: "address", says: "metadata" },
  { url: "http://metadata6.test/", rule: "address", says: "metadata" },
  { url: "http://cgnat.test/", rule: "address", says: "carrier-grade NAT" },
  { url: "http://ula.test/", rule: "address", says: "unique-local" },
  { url: "http://nat64-private.test/", rule: "address", says: "NAT64 10.0.0.5" },
  { url: `http://unspecified.test:${trapPort}/`, rule: "address", says: "unspecified" },
  // DNS answers that mix public and private addresses: one bad address refuses the name
  { url: `http://mixed-first-public.test:${trapPort}/`, rule: "address", says: "127.0.0.1" },
  { url: "http://mixed-first-private.test/", rule: "address", says: "10.0.0.5" },
  { url: "http://mixed-v6.test/", rule: "address", says: "fd12:3456::1" },
  { url: "http://mixed-three.test/", rule: "address", says: "192.168.0.10" },
  { url: "http://empty.test/", rule: "resolve", says: "no address" },
  { url: "http://garbage.test/", rule: "resolve", says: "not an address" },
];
