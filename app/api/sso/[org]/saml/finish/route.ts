import { samlFinishResponse } from "@/server/sso/http";

export async function GET(req: Request, { params }: { params: Promise<{ org: string }> }) {
  return samlFinishResponse(req, (await params).org);
}
