import { ssoStartResponse } from "@/server/sso/http";

export async function GET(req: Request, { params }: { params: Promise<{ org: string }> }) {
  return ssoStartResponse(req, (await params).org);
}
