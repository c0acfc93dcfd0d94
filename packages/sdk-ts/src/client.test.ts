/**
 * The SDK's helpers without a server (a fake fetch): an Idempotency-Key on creates, kept across retries; no retry of
 * what is not safe to repeat; a network error as CadreApiError; the event-stream parser across chunk boundaries.
 */
import { describe, expect, it } from "vitest";
import { CadreApiError, createCadreClient, sseData, unwrap } from "./index";

function fakeFetch(answers: (Response | Error)[]) {
  const seen: { method: string; url: string; key: string | null; auth: string | null; body: string }[] = [];
  const fetch = async (request: Request) => {
    seen.push({
      method: request.method,
      url: request.url,
      key: request.headers.get("idempotency-key"),
      auth: request.headers.get("authorization"),
      body: await request.text(),
    });
    const next = answers.shift();
    if (!next) throw new Error("no more answers");
    if (next instanceof Error) throw next;
    return next;
  };
  return { fetch, seen };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

describe("createCadreClient", () => {
  it("sends the key, adds an Idempotency-Key to a create and keeps it when retrying a 503", async () => {
    const { fetch, seen } = fakeFetch([json(503, { error: { code: "UNAVAILABLE", message: "busy" } }), json(201, { id: "agt_1" })]);
    const cadre = createCadreClient({ baseUrl: "http://cadre.test/", apiKey: "cadre_k", fetch });
    const created = await unwrap(cadre.api.POST("/api/v1/agents", { body: { slug: "a", name: "A" } }));
    expect(created).toEqual({ id: "agt_1" });
    expect(seen).toHaveLength(2);
    expect(seen[0]!.url).toBe("http://cadre.test/api/v1/agents");
    expect(seen[0]!.auth).toBe("Bearer cadre_k");
    expect(seen[0]!.key).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen[1]!.key).toBe(seen[0]!.key);
    expect(seen[1]!.body).toBe(seen[0]!.body);
  });

  it("does not retry or key a POST that creates nothing; the error is a CadreApiError with the code", async () => {
    const { fetch, seen } = fakeFetch([json(503, { error: { code: "UNAVAILABLE", message: "busy", requestId: "req_1" } })]);
    const cadre = createCadreClient({ baseUrl: "http://cadre.test", apiKey: "k", fetch });
    const error = await unwrap(cadre.api.POST("/api/v1/runs/{runId}/cancel", { params: { path: { runId: "run_abcdef" } } })).catch((e) => e);
    expect(error).toBeInstanceOf(CadreApiError);
    expect(error).toMatchObject({ status: 503, code: "UNAVAILABLE", message: "busy", requestId: "req_1" });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.key).toBeNull();
  });

  it("answers NETWORK_ERROR when the server cannot be reached, after the retries of a GET", async () => {
    const refused = Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } });
    const { fetch, seen } = fakeFetch([refused, refused]);
    const cadre = createCadreClient({ baseUrl: "http://cadre.test", apiKey: "k", fetch, retries: 1 });
    const error = await unwrap(cadre.api.GET("/api/v1/me")).catch((e) => e);
    expect(error).toMatchObject({ status: 0, code: "NETWORK_ERROR", message: "Cannot reach http://cadre.test (ECONNREFUSED)" });
    expect(seen).toHaveLength(2);
  });
});

describe("sseData", () => {
  it("yields each event's data across chunk boundaries, skipping comments", async () => {
    const chunks = [": heartbeat\n\nid: 1\nevent: run.started\nda", 'ta: {"seq":1}\n\n', 'data: {"seq":\ndata: 2}\r\n\r\n'];
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
        controller.close();
      },
    });
    const out: string[] = [];
    for await (const data of sseData(body)) out.push(data);
    expect(out).toEqual(['{"seq":1}', '{"seq":\n2}']);
  });
});
