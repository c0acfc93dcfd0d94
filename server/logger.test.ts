import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, SECRET_FIELD_NAMES } from "@/server/logger";
import { setEnv } from "@/server/env";

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { stream, lines };
}

describe("logger redaction", () => {
  setEnv("LOG_LEVEL", "info");
  const SECRET = "s3cr3t-VALUE-must-not-appear";

  it("redacts every secret-bearing name at the top level and up to three objects deep", () => {
    const { stream, lines } = capture();
    const log = createLogger(stream);
    for (const name of SECRET_FIELD_NAMES) {
      log.info({ [name]: SECRET, a: { [name]: SECRET, b: { [name]: SECRET, c: { [name]: SECRET } } } }, `field ${name}`);
    }
    expect(lines).toHaveLength(SECRET_FIELD_NAMES.length);
    for (const [i, line] of lines.entries()) {
      const name = SECRET_FIELD_NAMES[i]!;
      expect(line, name).not.toContain(SECRET);
      const parsed = JSON.parse(line);
      expect(parsed[name], name).toBe("[redacted]");
      expect(parsed.a.b.c[name], name).toBe("[redacted]");
    }
  });

  it("redacts request and response headers: authorization, cookie, set-cookie, x-api-key", () => {
    const { stream, lines } = capture();
    const log = createLogger(stream);
    const headers = {
      authorization: `Bearer ${SECRET}`,
      cookie: `session=${SECRET}`,
      "set-cookie": [`a=${SECRET}`],
      "x-api-key": SECRET,
      "user-agent": "curl/8",
    };
    log.info({ headers, req: { headers }, res: { headers }, ctx: { req: { headers } } }, "request");
    expect(lines[0]).not.toContain(SECRET);
    const parsed = JSON.parse(lines[0]!);
    expect(parsed.req.headers).toMatchObject({
      authorization: "[redacted]",
      cookie: "[redacted]",
      "set-cookie": "[redacted]",
      "x-api-key": "[redacted]",
      "user-agent": "curl/8",
    });
    expect(parsed.ctx.req.headers["x-api-key"]).toBe("[redacted]");
  });

  it("keeps what is not secret", () => {
    const { stream, lines } = capture();
    createLogger(stream).info({ requestId: "req_1", actor: "user:usr_1", route: "agents.list", nested: { count: 3 } }, "ok");
    expect(JSON.parse(lines[0]!)).toMatchObject({ requestId: "req_1", actor: "user:usr_1", route: "agents.list", nested: { count: 3 } });
  });
});

describe("logger: secret values in any field or message (server/quality/pii)", () => {
  setEnv("LOG_LEVEL", "info");
  // built at run time: nothing secret-looking is committed
  const token = `gh${"p_"}${"aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY2z4C"}`;
  const aws = `AK${"IA"}${"Q7W2E4R6T8Y3U5I7"}`;

  it("redacts a secret in the message, in a field of any name and in an error", () => {
    const { stream, lines } = capture();
    const log = createLogger(stream);
    log.info({ detail: { note: `the key is ${aws}` }, list: [`x ${token}`] }, `tool said ${token}`);
    log.error({ err: new Error(`upstream refused ${token}`) }, "failed");
    const text = lines.join("\n");
    expect(text).not.toContain(token);
    expect(text).not.toContain(aws);
    const first = JSON.parse(lines[0]!);
    expect(first.msg).toBe("tool said [SECRET]");
    expect(first.detail.note).toBe("the key is [SECRET]");
    expect(first.list).toEqual(["x [SECRET]"]);
    expect(JSON.parse(lines[1]!).err.message).toBe("upstream refused [SECRET]");
  });
});
