import { handlers } from "@/server/auth/config";
import { limitBody } from "@/server/http/body";

// sign-in posts a form: read under the body limit like every other route
export const GET = handlers.GET;
export const POST = limitBody(handlers.POST);
