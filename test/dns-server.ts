/**
 * A small authoritative DNS server for the tests (dns2, UDP on 127.0.0.1): it answers TXT questions for the names a
 * test publishes and NXDOMAIN for every other name. Cadre reaches it through CADRE_DNS_SERVERS (vitest sets the
 * variable; the e2e web server is started with it, on the fixed port E2E_DNS_PORT).
 */
import dns2 from "dns2";

const { Packet } = dns2;

/** The e2e DNS server's port (playwright.config.ts hands `127.0.0.1:<it>` to the web server as CADRE_DNS_SERVERS). */
export const E2E_DNS_PORT = Number(process.env.E2E_DNS_PORT ?? 3253);

export interface TestDns {
  /** `127.0.0.1:<port>`: the value for CADRE_DNS_SERVERS */
  server: string;
  port: number;
  /** publishes TXT strings at a name (each string one record); replaces what the name had */
  setTxt(name: string, records: string[][]): void;
  /** the names asked for, in order */
  asked: string[];
  close(): Promise<void>;
}

export async function startTestDns(port = 0): Promise<TestDns> {
  const zone = new Map<string, string[][]>();
  const asked: string[] = [];
  const server = dns2.createUDPServer((request, send) => {
    const response = Packet.createResponseFromRequest(request);
    const question = request.questions[0];
    const name = question?.name.toLowerCase().replace(/\.$/, "") ?? "";
    asked.push(name);
    const records = zone.get(name);
    if (!question || !records)
      response.header.rcode = 3; // NXDOMAIN
    else if (question.type === Packet.TYPE.TXT)
      for (const data of records) response.answers.push(Packet.createResourceFromQuestion(question, { ttl: 0, data }));
    void send(response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.once("listening", () => resolve());
    server.bind(port, "127.0.0.1");
  });
  const bound = server.address().port;
  return {
    server: `127.0.0.1:${bound}`,
    port: bound,
    setTxt(name, records) {
      zone.set(name.toLowerCase().replace(/\.$/, ""), records);
    },
    asked,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
