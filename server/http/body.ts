import { NextRequest } from "next/server";
import { AppError } from "@/lib/errors";
import { env } from "@/server/env";
import { errorResponse } from "@/server/http/errors";
import { requestIdOf } from "@/server/http/request-id";

/**
 * Request bodies are read under a size limit (CADRE_MAX_BODY_BYTES, 1 MiB by default), enforced while the stream is
 * read: a declared Content-Length over the limit is refused before reading, and a chunked body is cut off as soon as
 * it passes the limit. Every route that reads a body goes through here: REST (server/rest/define.ts), tRPC,
 * next-auth and Inngest (through `limitBody`, which hands them the body already read).
 */
export function maxBodyBytes(): number {
  return env().CADRE_MAX_BODY_BYTES;
}

export function payloadTooLarge(limit: number): AppError {
  return new AppError("PAYLOAD_TOO_LARGE", `The request body is larger than the limit of ${limit} bytes`, { limitBytes: limit });
}

/** The body's bytes, read until the end or until it passes `limit` (then a PAYLOAD_TOO_LARGE AppError). */
export async function readBodyBytes(request: Request, limit = maxBodyBytes()): Promise<Uint8Array<ArrayBuffer>> {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > limit) {
    await request.body?.cancel().catch(() => undefined);
    throw payloadTooLarge(limit);
  }
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw payloadTooLarge(limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

export async function readBodyText(request: Request, limit = maxBodyBytes()): Promise<string> {
  return new TextDecoder().decode(await readBodyBytes(request, limit));
}

const WITHOUT_BODY = new Set(["GET", "HEAD", "OPTIONS"]);

/** The same request with its body read under the limit (for handlers that read the body themselves). */
export async function boundedRequest(request: Request, limit = maxBodyBytes()): Promise<NextRequest> {
  if (WITHOUT_BODY.has(request.method.toUpperCase())) return request instanceof NextRequest ? request : new NextRequest(request);
  const body = await readBodyBytes(request, limit);
  const headers = new Headers(request.headers);
  headers.delete("transfer-encoding");
  headers.set("content-length", String(body.byteLength));
  return new NextRequest(request.url, { method: request.method, headers, body: body.byteLength ? body : undefined, signal: request.signal });
}

type RouteHandler<A extends unknown[]> = (request: NextRequest, ...rest: A) => Response | Promise<Response>;

/**
 * Wraps a Next route handler so that it only ever sees a body within the limit; a larger one is answered with
 * 413 and the error envelope naming the limit. `limit` may depend on the request (tRPC's run start).
 */
export function limitBody<A extends unknown[]>(handler: RouteHandler<A>, limit: number | ((request: Request) => number) = maxBodyBytes) {
  return async (request: Request, ...rest: A): Promise<Response> => {
    let bounded: NextRequest;
    try {
      bounded = await boundedRequest(request, typeof limit === "function" ? limit(request) : limit);
    } catch (error) {
      return errorResponse(error, requestIdOf(request.headers));
    }
    return handler(bounded, ...rest);
  };
}
