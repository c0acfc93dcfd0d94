/**
 * Domain verification through the operator's DNS servers (CADRE_DNS_SERVERS): a real DNS server on 127.0.0.1
 * (test/dns-server.ts) answers the TXT question that Cadre's resolver sends it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { env, parseDnsServers, setEnv } from "@/server/env";
import { appErrorOf, uniq } from "@/test/helpers";
import { makeOrg } from "@/test/fixtures/orgs";
import { startTestDns, type TestDns } from "@/test/dns-server";
import { addDomain, listDomains, verifyDomain } from "./domains";

let dns: TestDns;

beforeAll(async () => {
  dns = await startTestDns();
});
afterAll(() => dns.close());
afterEach(() => setEnv("CADRE_DNS_SERVERS", ""));

describe("CADRE_DNS_SERVERS", () => {
  it("takes addresses with optional ports, and refuses host names, bad ports and garbage", () => {
    expect(parseDnsServers("")).toEqual([]);
    expect(parseDnsServers(" 10.0.0.53 , 127.0.0.1:5353,::1,[fd00::53]:53,[::1] ")).toEqual(["10.0.0.53", "127.0.0.1:5353", "::1", "[fd00::53]:53", "::1"]);
    for (const bad of ["dns.example", "dns.example:53", "10.0.0.53:0", "10.0.0.53:70000", "[10.0.0.53]:53", "10.0.0.53:x", "1.2.3"])
      expect(() => parseDnsServers(bad), bad).toThrow();
    // the setting is checked where every setting is
    setEnv("CADRE_DNS_SERVERS", "resolver.internal");
    expect(() => env()).toThrow(/CADRE_DNS_SERVERS: "resolver.internal" is not an IP address/);
    setEnv("CADRE_DNS_SERVERS", "127.0.0.1:5353");
    expect(env().CADRE_DNS_SERVERS).toEqual(["127.0.0.1:5353"]);
  });

  it("verifies a domain by the TXT record its DNS server publishes; a wrong or missing record is refused", async () => {
    setEnv("CADRE_DNS_SERVERS", dns.server);
    const org = await makeOrg("dns");
    const domain = `dns-${uniq()}.example`;
    const claim = await addDomain(org.ctx("admin"), { domain });

    // nothing published yet: NXDOMAIN
    expect((await appErrorOf(verifyDomain(org.ctx("admin"), claim.id))).message).toContain(`No TXT record "${claim.txtRecordValue}"`);
    expect(dns.asked).toContain(claim.txtRecordName);

    // another value at the name is not the token
    dns.setTxt(claim.txtRecordName, [["v=spf1 -all"], ["cadre-verification=someone-else"]]);
    expect((await appErrorOf(verifyDomain(org.ctx("admin"), claim.id))).code).toBe("VALIDATION_FAILED");

    // the token, split into two strings of one record as long TXT values are
    const value = claim.txtRecordValue;
    dns.setTxt(claim.txtRecordName, [["v=spf1 -all"], [value.slice(0, 12), value.slice(12)]]);
    expect(await verifyDomain(org.ctx("admin"), claim.id)).toMatchObject({ domain, verified: true, verifiedBy: "dns" });
    expect((await listDomains(org.ctx("admin"))).find((d) => d.id === claim.id)).toMatchObject({ verified: true });
  });

  it("an unreachable DNS server is a refusal with the record to publish, not a crash", async () => {
    const silent = await startTestDns();
    const port = silent.port;
    await silent.close();
    setEnv("CADRE_DNS_SERVERS", `127.0.0.1:${port}`);
    const org = await makeOrg("dns-down");
    const claim = await addDomain(org.ctx("admin"), { domain: `down-${uniq()}.example` });
    const error = await appErrorOf(verifyDomain(org.ctx("admin"), claim.id));
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.message).toContain(claim.txtRecordName);
  }, 20_000);
});
