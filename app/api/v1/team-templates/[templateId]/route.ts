import { handlers } from "@/server/rest/define";
import { createFromTemplateRoute } from "@/server/rest/routes/team-bundles";

export const { POST } = handlers(createFromTemplateRoute);
