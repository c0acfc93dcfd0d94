import { handlers } from "@/server/rest/define";
import { exportDatasetRoute } from "@/server/rest/routes/datasets";

export const { GET } = handlers(exportDatasetRoute);
