import { ssoCallbackResponse } from "@/server/sso/http";

export async function GET(req: Request, { params }: { params: Promise<{ org: string }> }) {
  return ssoCallbackResponse(req, (await params).org);
}
