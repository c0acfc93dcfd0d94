import { handlers } from "@/server/rest/define";
import { listDatasetsRoute, createDatasetRoute } from "@/server/rest/routes/datasets";

export const { GET, POST } = handlers(listDatasetsRoute, createDatasetRoute);
