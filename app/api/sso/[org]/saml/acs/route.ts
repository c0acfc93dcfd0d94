import { limitBody } from "@/server/http/body";
import { samlAcsResponse } from "@/server/sso/http";

/** The SAML assertion consumer service (HTTP-POST binding), under the request body limit. */
export const POST = limitBody((req: Request, { params }: { params: Promise<{ org: string }> }) => params.then(({ org }) => samlAcsResponse(req, org)));
