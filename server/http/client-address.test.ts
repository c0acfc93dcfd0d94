import { afterEach, describe, expect, it } from "vitest";
import { setEnv } from "@/server/env";
import { canonicalAddress, clientAddress, parseTrustedProxies, requestIsHttps, resolveClientAddress, resolveHttps } from "@/server/http/client-address";
import { publicOrigin } from "@/server/http/origin";

const trusted = parseTrustedProxies("10.0.0.0/8, 192.168.1.1, fd00::/8");

afterEach(() => {
  setEnv("CADRE_TRUSTED_PROXIES", "");
  setEnv("CADRE_PUBLIC_URL", "");
});

describe("resolveClientAddress", () => {
  it.each([
    // [X-Forwarded-For, peer, expected]
    ["203.0.113.7", undefined, "203.0.113.7"],
    // the client forged entries on the left: the right-most untrusted one is the client
    ["1.2.3.4, 203.0.113.7", undefined, "203.0.113.7"],
    ["1.2.3.4, 203.0.113.7, 10.1.2.3", undefined, "203.0.113.7"],
    ["1.2.3.4, 203.0.113.7, 192.168.1.1, 10.1.2.3", undefined, "203.0.113.7"],
    // every hop trusted: the left-most
    ["10.9.9.9, 10.1.2.3", undefined, "10.9.9.9"],
    // canonical forms
    ["::ffff:203.0.113.9", undefined, "203.0.113.9"],
    ["[2001:db8::1]:443", undefined, "2001:db8::1"],
    ["203.0.113.7:5123", undefined, "203.0.113.7"],
    ["2001:db8::1, fd00::5", undefined, "2001:db8::1"],
    // a malformed hop where the client should be: unknown
    ["203.0.113.7, not-an-ip", undefined, null],
    ["0x7f.1", undefined, null],
    ["", undefined, null],
    // a known peer that is not a trusted proxy: its headers are ignored
    ["1.2.3.4", "198.51.100.5", "198.51.100.5"],
    ["1.2.3.4, 203.0.113.7", "10.0.0.2", "203.0.113.7"],
    ["1.2.3.4", "::ffff:10.0.0.2", "1.2.3.4"],
  ])("XFF %j, peer %j -> %j", (xff, peer, expected) => {
    expect(resolveClientAddress({ forwardedFor: xff, peer, trusted })).toBe(expected);
  });

  it("without trusted proxies, forwarding headers are ignored (only a known peer counts)", () => {
    expect(resolveClientAddress({ forwardedFor: "1.2.3.4", trusted: [] })).toBeNull();
    expect(resolveClientAddress({ forwardedFor: "1.2.3.4", peer: "198.51.100.5", trusted: [] })).toBe("198.51.100.5");
  });

  it("reads CADRE_TRUSTED_PROXIES from the environment and refuses a malformed entry", () => {
    const headers = new Headers({ "x-forwarded-for": "6.6.6.6, 203.0.113.8" });
    expect(clientAddress(headers)).toBeNull();
    setEnv("CADRE_TRUSTED_PROXIES", "127.0.0.1/32");
    expect(clientAddress(headers)).toBe("203.0.113.8");
    expect(() => parseTrustedProxies("10.0.0.0/8, proxy.local")).toThrow(/proxy\.local/);
    expect(canonicalAddress("fe80::1%eth0")).toBe("fe80::1");
  });
});

describe("HTTPS and public origin", () => {
  it("believes X-Forwarded-Proto only from trusted proxies (the nearest proxy's value)", () => {
    expect(resolveHttps({ forwardedProto: "https", trusted: [] })).toBe(false);
    expect(resolveHttps({ forwardedProto: "https", trusted })).toBe(true);
    expect(resolveHttps({ forwardedProto: "https, http", trusted })).toBe(false);
    expect(resolveHttps({ forwardedProto: "https", peer: "198.51.100.5", trusted })).toBe(false);
    expect(resolveHttps({ forwardedProto: "http", trusted: [], publicUrl: "https://cadre.example.test" })).toBe(true);
    expect(requestIsHttps(new Headers({ "x-forwarded-proto": "https" }))).toBe(false);
  });

  it("takes X-Forwarded-Host for links only from trusted proxies", () => {
    const req = new Request("http://localhost:3000/api/trpc/x", {
      headers: { host: "cadre.internal:3000", "x-forwarded-host": "evil.test", "x-forwarded-proto": "https" },
    });
    expect(publicOrigin(req)).toBe("http://cadre.internal:3000");
    setEnv("CADRE_TRUSTED_PROXIES", "127.0.0.1");
    expect(publicOrigin(req)).toBe("https://evil.test");
    setEnv("CADRE_PUBLIC_URL", "https://cadre.example.test/");
    expect(publicOrigin(req)).toBe("https://cadre.example.test");
  });
});
