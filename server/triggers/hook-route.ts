/**
 * POST /api/hooks/{triggerId}: a webhook trigger's delivery (./receive.ts). Public: the trigger's signature is the
 * authentication. The body is read under TRIGGER_MAX_BODY_BYTES before anything else (413 beyond); the answer is 202
 * with the run's id, 200 with the first run's id for a redelivery, or `{ error: { code, message } }` (401 bad
 * signature, 404 unknown or disabled trigger, 422 a payload the template cannot map).
 */
import { TRIGGER_MAX_BODY_BYTES } from "@/lib/schemas/triggers";
import { readBodyBytes } from "@/server/http/body";
import { clientInfoOf } from "@/server/http/client-info";
import { errorResponse } from "@/server/http/errors";
import { requestIdOf } from "@/server/http/request-id";
import { receiveDelivery } from "./receive";

export async function postHook(request: Request, context: { params: Promise<{ triggerId: string }> }): Promise<Response> {
  const requestId = requestIdOf(request.headers);
  try {
    const { triggerId } = await context.params;
    const body = await readBodyBytes(request, TRIGGER_MAX_BODY_BYTES);
    const client = clientInfoOf(request);
    const accepted = await receiveDelivery({
      triggerId,
      body,
      headers: request.headers,
      requestId,
      ...(client.clientIp ? { clientIp: client.clientIp } : {}),
      ...(client.userAgent ? { userAgent: client.userAgent } : {}),
    });
    return Response.json(accepted, { status: accepted.duplicate ? 200 : 202, headers: { "x-request-id": requestId } });
  } catch (error) {
    return errorResponse(error, requestId);
  }
}
