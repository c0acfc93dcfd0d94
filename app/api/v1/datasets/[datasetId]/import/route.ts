import { handlers } from "@/server/rest/define";
import { importDatasetRoute } from "@/server/rest/routes/datasets";

export const { POST } = handlers(importDatasetRoute);
