import { handlers } from "@/server/rest/define";
import { getDatasetRoute, updateDatasetRoute, archiveDatasetRoute } from "@/server/rest/routes/datasets";

export const { GET, PATCH, DELETE } = handlers(getDatasetRoute, updateDatasetRoute, archiveDatasetRoute);
