import { samlMetadataResponse } from "@/server/sso/http";

export async function GET(req: Request, { params }: { params: Promise<{ org: string }> }) {
  return samlMetadataResponse(req, (await params).org);
}
